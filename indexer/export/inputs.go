package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

type inputKind int

const (
	kindSkip inputKind = iota
	kindConversations
	kindUsers
	kindZip
)

// input is one JSON document to read: a file on disk or a zip entry.
type input struct {
	name string // for messages: the path, or "archive.zip:entry"
	kind inputKind
	size int64 // bytes, for progress totals
	open func() (io.ReadCloser, error)
}

// inputSet is what the paths given to Import hold, users first.
type inputSet struct {
	users, conversations []input
	skipped              []string // notes, one per file not read (or per zip of many)
	skippedExtra         int      // files not read beyond one per note
	errs                 []RecordError
	closers              []io.Closer

	seen     map[string]bool     // base names of the files read
	manifest map[string][]string // manifest path -> chat-data files it lists
}

func (s *inputSet) Close() {
	for _, c := range s.closers {
		c.Close()
	}
}

func (s *inputSet) total() int64 {
	var n int64
	for _, in := range s.users {
		n += in.size
	}
	for _, in := range s.conversations {
		n += in.size
	}
	return n
}

var batchName = regexp.MustCompile(`^conversations-\d+\.json$`)

// classify says what a file is by its base name; exports name their files
// consistently across eras, and contents cannot tell users from chats before
// reading them.
func classify(name string) inputKind {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case base == "users.json":
		return kindUsers
	case base == "conversations.json" || batchName.MatchString(base):
		return kindConversations
	case strings.HasSuffix(base, ".zip"):
		return kindZip
	}
	return kindSkip
}

// collectInputs expands files, folders and zips into the documents to read.
// Problems with one path are recorded and the others still collected.
func collectInputs(paths []string, lim Limits) *inputSet {
	s := &inputSet{seen: map[string]bool{}}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			s.errs = append(s.errs, fileError(p, err))
			continue
		}
		if !fi.IsDir() {
			s.addFile(p, fi, lim)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
			if err != nil {
				s.errs = append(s.errs, fileError(fp, err))
				return nil
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				files = append(files, fp)
			}
			return nil
		})
		if err != nil {
			s.errs = append(s.errs, fileError(p, err))
		}
		sort.Strings(files)
		for _, fp := range files {
			fi, err := os.Stat(fp)
			if err != nil {
				s.errs = append(s.errs, fileError(fp, err))
				continue
			}
			s.addFile(fp, fi, lim)
		}
	}
	s.checkManifests()
	return s
}

func (s *inputSet) addFile(p string, fi fs.FileInfo, lim Limits) {
	kind := classify(p)
	switch kind {
	case kindSkip:
		if isManifest(p) {
			s.readManifest(p)
		}
		s.skipped = append(s.skipped, fmt.Sprintf("%s: not chat data, skipped", displayName(p)))
		return
	case kindZip:
		s.addZip(p, lim)
		return
	}
	s.seen[strings.ToLower(filepath.Base(p))] = true
	in := input{name: displayName(p), kind: kind, size: fi.Size(), open: func() (io.ReadCloser, error) { return os.Open(p) }}
	s.add(in)
}

func (s *inputSet) add(in input) {
	if in.kind == kindUsers {
		s.users = append(s.users, in)
	} else {
		s.conversations = append(s.conversations, in)
	}
}

// addZip lists a zip's entries without extracting anything to disk.
func (s *inputSet) addZip(p string, lim Limits) {
	zr, err := zip.OpenReader(p)
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // names are checked one by one below, with a clearer message
	}
	if err != nil {
		s.errs = append(s.errs, fileError(p, err))
		return
	}
	s.closers = append(s.closers, zr)
	var skipped []string
	defer func() { s.skipZipEntries(p, skipped) }()
	s.seen[strings.ToLower(filepath.Base(p))] = true
	for _, f := range zr.File {
		name := displayName(p + ":" + f.Name)
		if unsafeName(f.Name) {
			s.errs = append(s.errs, RecordError{File: name, Record: -1,
				Err: fmt.Sprintf("%s: entry name %q is absolute or contains ..; refused", p, f.Name)})
			continue
		}
		if f.FileInfo().IsDir() {
			continue
		}
		kind := classify(f.Name)
		if kind == kindSkip || kind == kindZip || !f.Mode().IsRegular() {
			skipped = append(skipped, name)
			continue
		}
		if err := checkBomb(f, lim); err != nil {
			s.errs = append(s.errs, RecordError{File: name, Record: -1, Err: fmt.Sprintf("%s: %v; refused", name, err)})
			continue
		}
		// archive/zip fails a read that goes past the declared size, so the
		// declared size checked above bounds what is inflated.
		s.add(input{name: name, kind: kind, size: int64(f.UncompressedSize64), open: f.Open})
	}
}

// skipZipEntries notes a zip's entries that are not chat data: one note per
// entry for a few, one for the zip when there are many (a frames zip holds
// thousands of artifact files).
func (s *inputSet) skipZipEntries(zipPath string, names []string) {
	if len(names) <= 5 {
		for _, n := range names {
			s.skipped = append(s.skipped, fmt.Sprintf("%s: not chat data, skipped", n))
		}
		return
	}
	s.skipped = append(s.skipped, fmt.Sprintf("%s: %d entries that are not chat data skipped (%s, …)",
		displayName(zipPath), len(names), strings.Join(names[:3], ", ")))
	s.skippedExtra += len(names) - 1
}

// unsafeName reports a zip entry name that would escape an extraction folder.
// Nothing is extracted, but such a name only comes from a crafted archive.
func unsafeName(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || len(n) > 1 && n[1] == ':' {
		return true
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// checkBomb refuses entries whose compression ratio or size is beyond any
// real export: JSON chat data compresses about 5-20x, DEFLATE at most ~1000x.
func checkBomb(f *zip.File, lim Limits) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if lim.MaxEntryBytes > 0 && u > uint64(lim.MaxEntryBytes) {
		return fmt.Errorf("declares %d bytes uncompressed, over the %d byte limit", u, lim.MaxEntryBytes)
	}
	if u > 1<<20 && (c == 0 || u/c > uint64(lim.MaxZipRatio)) {
		return fmt.Errorf("compression ratio %d:1 exceeds %d:1 (decompression bomb?)", u/max(c, 1), lim.MaxZipRatio)
	}
	return nil
}

func fileError(name string, err error) RecordError {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already named
	}
	name = displayName(name)
	return RecordError{File: name, Record: -1, Err: fmt.Sprintf("%s: %v", name, err)}
}

// displayName makes a file or entry name safe to print: names inside a zip
// come from whoever built it and may hold terminal control sequences.
func displayName(name string) string {
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && r < 0xa0) {
			q := strconv.Quote(name)
			return q[1 : len(q)-1]
		}
	}
	return name
}
