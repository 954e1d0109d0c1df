package api

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The export files an import accepts, by base name; anything else in a zip
// (projects.json, memories) is skipped.
const (
	conversationsFile = "conversations.json"
	usersFile         = "users.json"
	maxZipEntries     = 10000
)

var errUploadTooLarge = errors.New("upload too large")

// capReader fails once more than *left bytes have been read, so a body or a
// zip entry that lies about its size is cut off at the limit. Readers that
// share one counter share one budget: an upload's body and everything
// extracted from its zips together stay within the limit.
type capReader struct {
	r    io.Reader
	left *int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if *c.left < 0 {
		return 0, errUploadTooLarge
	}
	if int64(len(p)) > *c.left+1 {
		p = p[:*c.left+1]
	}
	n, err := c.r.Read(p)
	*c.left -= int64(n)
	if *c.left < 0 {
		return n, errUploadTooLarge
	}
	return n, err
}

// upload accepts a multipart/form-data body with conversations.json (and
// optionally users.json) or a .zip of an export, spools it to a fresh
// directory under UploadDir without holding it in memory, and hands the
// files to the Importer. It answers 202 with the job id.
func (s *Server) upload(c *fiber.Ctx) error {
	if s.cfg.Importer == nil {
		return errUnavailable("import is not configured on this server")
	}
	limit := s.cfg.UploadLimit
	if cl := c.Request().Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return errTooLarge(fmt.Sprintf("upload is %d bytes; the limit is %d", cl, limit))
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type", "upload must be multipart/form-data"}
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	body = s.renewReadDeadline(c, body) // a rolling deadline while the body keeps coming
	dir, err := os.MkdirTemp(s.cfg.UploadDir, UploadDirPrefix)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	handedOff := false
	defer func() {
		if !handedOff {
			_ = os.RemoveAll(dir)
		}
	}()
	// One budget for the whole request: the body as received (which holds
	// any zip) and every file extracted from a zip draw from it.
	left := limit
	files, size, err := spoolMultipart(&capReader{r: body, left: &left}, params["boundary"], dir, &left)
	if errors.Is(err, errUploadTooLarge) {
		return errTooLarge(fmt.Sprintf("upload (with the files extracted from it) is larger than the limit of %d bytes", limit))
	}
	if err != nil {
		return err
	}
	if files[conversationsFile] == "" {
		return errBadRequest("upload has no conversations.json (directly or inside a .zip)")
	}
	for _, name := range []string{usersFile, conversationsFile} {
		if p := files[name]; p != "" {
			if err := looksLikeJSON(p, name); err != nil {
				return err
			}
		}
	}
	paths := []string{files[conversationsFile]}
	if p := files[usersFile]; p != "" {
		paths = append([]string{p}, paths...)
	}
	job, err := s.cfg.Importer.Import(s.ctx, paths)
	if err != nil {
		return err
	}
	handedOff = true
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if err := s.audit.record(c, principalOf(c), "import", job, map[string]string{
		"files": strings.Join(names, ","), "bytes": strconv.FormatInt(size, 10),
	}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"job_id": job, "files": names})
}

// jsonSniffBytes bounds how far looksLikeJSON reads for the first byte.
const jsonSniffBytes = 1 << 20

// looksLikeJSON refuses, while the uploader still waits, a file that cannot
// be an export: empty, or not starting (after a byte order mark and
// whitespace) with [ or {. Anything found further in is reported by the
// import job, with the byte offset. The check reads at most jsonSniffBytes.
func looksLikeJSON(path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, jsonSniffBytes))
	off := 0
	if bom, _ := r.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = r.Discard(3)
		off = 3
	}
	for ; ; off++ {
		c, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			switch {
			case off >= jsonSniffBytes:
				return nil // a megabyte of whitespace: the job will say what follows
			case off == 0:
				return errBadRequest(fmt.Sprintf("%s is empty (0 bytes): upload the file from the claude.ai export", name))
			}
			return errBadRequest(fmt.Sprintf("%s is empty: only whitespace (%s)", name, plural(off, "byte")))
		}
		if err != nil {
			return fmt.Errorf("upload: read %s: %w", name, err)
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '[', '{':
			return nil
		}
		what := fmt.Sprintf("%q", string(rune(c)))
		if c < 0x20 || c >= 0x7f {
			what = fmt.Sprintf("byte 0x%02x", c)
		}
		return errBadRequest(fmt.Sprintf("%s is not JSON: it starts with %s at byte %d, where an export has [ (a JSON array)", name, what, off))
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// spoolMultipart writes each file part to dir and unpacks zips. It returns
// the paths of the export files by base name and the bytes received.
// Extracted files are charged to left, the budget body also draws from.
func spoolMultipart(body io.Reader, boundary, dir string, left *int64) (map[string]string, int64, error) {
	mr := multipart.NewReader(body, boundary)
	files := map[string]string{}
	var total int64
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errUploadTooLarge) {
			return nil, total, err
		}
		if err != nil {
			return nil, total, errBadRequest(fmt.Sprintf("malformed multipart body at part %d: %v", i, err))
		}
		fname := part.FileName()
		if fname == "" {
			return nil, total, errBadRequest(fmt.Sprintf("multipart part %d (%q) is not a file", i, part.FormName()))
		}
		base := path.Base(strings.ReplaceAll(fname, `\`, "/"))
		switch {
		case base == conversationsFile || base == usersFile:
			if files[base] != "" {
				return nil, total, errBadRequest(fmt.Sprintf("part %d: %s uploaded twice", i, base))
			}
			dst := filepath.Join(dir, base)
			n, err := writeFile(dst, &bodyReader{part, i})
			total += n
			if err != nil {
				return nil, total, err
			}
			files[base] = dst
		case strings.HasSuffix(strings.ToLower(base), ".zip"):
			zp := filepath.Join(dir, fmt.Sprintf("upload-%d.zip", i))
			n, err := writeFile(zp, &bodyReader{part, i})
			total += n
			if err != nil {
				return nil, total, err
			}
			if err := unzipExport(zp, dir, left, files); err != nil {
				return nil, total, fmt.Errorf("%s: %w", base, err)
			}
			_ = os.Remove(zp)
		default:
			return nil, total, errBadRequest(fmt.Sprintf("part %d: unexpected file %q; upload conversations.json, users.json or a .zip export", i, base))
		}
	}
	return files, total, nil
}

// bodyReader marks read errors of a multipart part as the client's fault
// (a truncated or malformed body), as opposed to failures writing the file.
type bodyReader struct {
	r    io.Reader
	part int
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, errUploadTooLarge) {
		err = errBadRequest(fmt.Sprintf("malformed multipart body in part %d: %v", b.part, err))
	}
	return n, err
}

func writeFile(dst string, r io.Reader) (int64, error) {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("spool %s: %w", filepath.Base(dst), err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var ae *apiError
	if err != nil && !errors.Is(err, errUploadTooLarge) && !errors.As(err, &ae) {
		err = fmt.Errorf("spool %s: %w", filepath.Base(dst), err)
	}
	return n, err
}

// unzipExport extracts conversations.json and users.json from a zip. Any
// entry whose name could escape the directory refuses the whole archive:
// such a zip was crafted, not downloaded from claude.ai. Extracted bytes
// are charged to *left (shared with the rest of the request) and cut off
// when it runs out, whatever the headers claim (zip bombs).
func unzipExport(zp, dir string, left *int64, files map[string]string) error {
	zr, err := zip.OpenReader(zp)
	if err != nil {
		return errBadRequest("not a readable zip archive: " + err.Error())
	}
	defer zr.Close()
	if len(zr.File) > maxZipEntries {
		return errBadRequest(fmt.Sprintf("zip has %d entries; at most %d are accepted", len(zr.File), maxZipEntries))
	}
	for i, f := range zr.File {
		name := f.Name
		if strings.Contains(name, `\`) || !filepath.IsLocal(name) || path.IsAbs(name) {
			return errBadRequest(fmt.Sprintf("zip entry %d %q: path escapes the archive", i, name))
		}
		base := path.Base(name)
		if f.FileInfo().IsDir() || (base != conversationsFile && base != usersFile) {
			continue
		}
		if files[base] != "" {
			return errBadRequest(fmt.Sprintf("zip entry %d %q: a second %s", i, name, base))
		}
		rc, err := f.Open()
		if err != nil {
			return errBadRequest(fmt.Sprintf("zip entry %d %q: %v", i, name, err))
		}
		dst := filepath.Join(dir, base)
		_, err = writeFile(dst, &capReader{r: rc, left: left})
		rc.Close()
		if err != nil {
			if errors.Is(err, errUploadTooLarge) {
				return err
			}
			return errBadRequest(fmt.Sprintf("zip entry %d %q: %v", i, name, err))
		}
		files[base] = dst
	}
	return nil
}
