// Package files fetches the content behind a chat's file, generated-file and
// artifact references (reference §5) and turns it into searchable text.
//
// Only text is kept: the API may store a Word or PDF upload as extracted
// text under its original name, so the decision is made on the bytes (valid
// UTF-8, no NUL), not on the listed type. Types that are never text (images,
// audio, archives) are not downloaded at all, and every download is bounded
// per file and per run, so a large upload cannot eat the organisation's
// request budget or the archive's disk.
package files

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/model"
)

// Defaults of Options.
const (
	DefaultMaxFileBytes = 1 << 20   // text kept per file
	DefaultMaxRunBytes  = 256 << 20 // bytes downloaded per run
)

// Family is the endpoint family of every call (CallOpts.Family).
const Family = "files"

// Options bound what a Fetcher downloads. Zero values pick the defaults.
type Options struct {
	MaxFileBytes int64
	MaxRunBytes  int64
}

// Ref is what a chat listing says about a file.
type Ref struct {
	// ID decides the endpoint by its prefix: claude_file_…, claude_gen_file_…
	// (a generated file may carry either) or claude_artifact_version_….
	ID       string
	MimeType string // as listed; "" unknown
	Size     int64  // as listed; 0 unknown
	MD5      string // as listed (lowercase hex); "" unknown
}

// Result is what became of one fetch.
type Result struct {
	State model.FetchState
	Text  string // State FetchText only
	// What the metadata endpoint said, where it was asked.
	Filename string
	MimeType string
	Size     int64
	MD5      string
}

var (
	// ErrRunBudget: the run's byte budget is spent; fetch again next run.
	ErrRunBudget = errors.New("files: run download budget spent")
	// ErrMD5Mismatch: the bytes do not match their digest; fetch again
	// next run.
	ErrMD5Mismatch = errors.New("files: content does not match its MD5")
)

// Fetcher fetches file contents within a per-run byte budget. It is safe
// for concurrent use; make one per sync run.
type Fetcher struct {
	client *compliance.Client
	opts   Options
	mu     sync.Mutex
	spent  int64
}

// New returns a Fetcher using client.
func New(client *compliance.Client, opts Options) *Fetcher {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.MaxRunBytes <= 0 {
		opts.MaxRunBytes = DefaultMaxRunBytes
	}
	return &Fetcher{client: client, opts: opts}
}

// Spent is how many bytes the run has downloaded or reserved.
func (f *Fetcher) Spent() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.spent
}

// endpoint is one of the three content families.
type endpoint struct {
	base     string // path up to the id
	artifact bool
}

// Route returns the API path of id's metadata (its content is path +
// "/content"), chosen by the id's prefix; false for ids of no known family.
func Route(id string) (string, bool) {
	e, ok := route(id)
	if !ok {
		return "", false
	}
	return e.base + url.PathEscape(id), true
}

func route(id string) (endpoint, bool) {
	switch {
	case strings.HasPrefix(id, "claude_artifact_version_"):
		return endpoint{base: "/v1/compliance/apps/artifacts/", artifact: true}, true
	case strings.HasPrefix(id, "claude_gen_file_"):
		return endpoint{base: "/v1/compliance/apps/chats/generated-files/"}, true
	case strings.HasPrefix(id, "claude_file_"):
		return endpoint{base: "/v1/compliance/apps/chats/files/"}, true
	}
	return endpoint{}, false
}

// NeverText reports listed types whose content is never text, which are not
// downloaded. Documents (PDF, Word, PowerPoint) are not among them: the API
// may hold their extracted text.
func NeverText(mime string) bool {
	m := strings.ToLower(strings.TrimSpace(mime))
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	switch m {
	case "application/zip", "application/gzip", "application/x-gzip", "application/x-tar", "application/x-7z-compressed",
		"application/x-rar-compressed", "application/vnd.rar", "application/x-bzip2", "application/x-xz", "application/wasm",
		"application/x-executable", "application/x-mach-binary", "application/x-msdownload":
		return true
	}
	return false
}

// Fetch fetches ref's content. A 404 is Result{State: FetchGone} and no
// error; an error (network, MD5 mismatch, ErrRunBudget) means "try again
// next run".
func (f *Fetcher) Fetch(ctx context.Context, ref Ref) (Result, error) {
	e, ok := route(ref.ID)
	if !ok {
		// A new id family: nothing to fetch it with, and retrying will not
		// help until the client learns it.
		return Result{State: model.FetchSkipped}, nil
	}
	res := Result{MimeType: ref.MimeType, Size: ref.Size, MD5: ref.MD5}
	if NeverText(res.MimeType) {
		res.State = model.FetchBinary
		return res, nil
	}
	// The listing of a generated file may lack size and md5 and never
	// describes an artifact's text: ask the metadata endpoint then, so an
	// oversized file is not downloaded and the bytes can be checked.
	if e.artifact || res.Size <= 0 || res.MD5 == "" {
		if err := f.metadata(ctx, e, ref.ID, &res); err != nil {
			if compliance.IsGone(err) {
				return Result{State: model.FetchGone}, nil
			}
			return res, fmt.Errorf("file %s: metadata: %w", ref.ID, err)
		}
		if NeverText(res.MimeType) && !e.artifact {
			res.State = model.FetchBinary
			return res, nil
		}
	}
	if res.Size > f.opts.MaxFileBytes {
		res.State = model.FetchTooLarge
		return res, nil
	}
	limit := f.opts.MaxFileBytes
	if e.artifact {
		// JSON escaping can double the text, and the envelope adds fields.
		limit = 2*limit + 64<<10
	}
	reserve := limit
	if res.Size > 0 {
		reserve = min(limit, res.Size+64<<10)
	}
	if !f.take(reserve) {
		return res, ErrRunBudget
	}
	body, err := f.client.GetBody(ctx, e.base+url.PathEscape(ref.ID)+"/content", nil, limit,
		compliance.CallOpts{Family: Family, ServerRetries: 2})
	f.settle(reserve, int64(len(body.Data)))
	if err != nil {
		if compliance.IsGone(err) {
			return Result{State: model.FetchGone}, nil
		}
		return res, fmt.Errorf("file %s: content: %w", ref.ID, err)
	}
	if body.Filename != "" && res.Filename == "" {
		res.Filename = body.Filename
	}
	if body.Truncated {
		res.State = model.FetchTooLarge
		return res, nil
	}
	data := body.Data
	if err := checkMD5(data, body.MD5, ""); err != nil {
		return res, fmt.Errorf("file %s: %w", ref.ID, err)
	}
	if e.artifact {
		text, err := artifactText(data)
		if err != nil {
			return res, fmt.Errorf("file %s: %w", ref.ID, err)
		}
		data = []byte(text)
	}
	// The listed or described md5 is of the stored bytes (of an artifact's
	// text): checked when the response carried no digest of its own.
	if body.MD5 == "" {
		if err := checkMD5(data, "", res.MD5); err != nil {
			return res, fmt.Errorf("file %s: %w", ref.ID, err)
		}
	}
	if int64(len(data)) > f.opts.MaxFileBytes {
		res.State = model.FetchTooLarge
		return res, nil
	}
	text, ok := Sniff(data)
	if !ok {
		res.State = model.FetchBinary
		return res, nil
	}
	res.State, res.Text = model.FetchText, text
	return res, nil
}

// take reserves n bytes of the run budget.
func (f *Fetcher) take(n int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.spent+n > f.opts.MaxRunBytes {
		return false
	}
	f.spent += n
	return true
}

// settle replaces a reservation by what was read.
func (f *Fetcher) settle(reserved, read int64) {
	f.mu.Lock()
	f.spent += read - reserved
	f.mu.Unlock()
}

func (f *Fetcher) metadata(ctx context.Context, e endpoint, id string, res *Result) error {
	var m struct {
		Filename  *string `json:"filename"`
		MimeType  *string `json:"mime_type"`
		Type      *string `json:"artifact_type"`
		Title     *string `json:"title"`
		SizeBytes *int64  `json:"size_bytes"`
		MD5       *string `json:"md5"`
	}
	if err := f.client.GetJSON(ctx, e.base+url.PathEscape(id), nil, &m, compliance.CallOpts{Family: Family, ServerRetries: 2}); err != nil {
		return err
	}
	if m.Filename != nil {
		res.Filename = *m.Filename
	} else if m.Title != nil {
		res.Filename = *m.Title
	}
	if m.MimeType != nil {
		res.MimeType = *m.MimeType
	} else if m.Type != nil {
		res.MimeType = *m.Type
	}
	if m.SizeBytes != nil && *m.SizeBytes > 0 {
		res.Size = *m.SizeBytes
	}
	if m.MD5 != nil && *m.MD5 != "" {
		res.MD5 = *m.MD5
	}
	return nil
}

// checkMD5 compares data with a base64 digest (Content-MD5) or a hex one
// (listings, metadata); empty digests and ones that do not decode to 16
// bytes are not checked, since they say nothing.
func checkMD5(data []byte, b64, hexDigest string) error {
	var want []byte
	switch {
	case b64 != "":
		want, _ = base64.StdEncoding.DecodeString(b64)
	case hexDigest != "":
		want, _ = hex.DecodeString(strings.ToLower(hexDigest))
	}
	if len(want) != md5.Size {
		return nil
	}
	got := md5.Sum(data)
	if !bytes.Equal(got[:], want) {
		return fmt.Errorf("%w: got %x, want %x", ErrMD5Mismatch, got, want)
	}
	return nil
}

// artifactText reads the artifact content envelope: a JSON object whose
// "content" is the version's text. Other fields are ignored; a content that
// is not a string is kept as its JSON text rather than lost.
func artifactText(data []byte) (string, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return "", fmt.Errorf("%w: artifact content: %v", compliance.ErrDecode, err)
	}
	raw, ok := env["content"]
	if !ok {
		return "", fmt.Errorf("%w: artifact content has no \"content\" field", compliance.ErrDecode)
	}
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	return string(raw), nil
}

// Sniff reports whether data is text (valid UTF-8 without NUL bytes) and
// returns it without a UTF-8 byte-order mark.
func Sniff(data []byte) (string, bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return "", false
	}
	return string(data), true
}
