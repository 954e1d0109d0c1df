package api

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/ccsync/ccsync/indexer"
)

// FuzzSearchParams: any query string either parses or is refused with a
// 400 naming a parameter; it never panics or yields an invalid request.
func FuzzSearchParams(f *testing.F) {
	for _, s := range []string{"q=aws&user=a,b&flagged=true", "from=2026-01-01&to=2026-01-02", "size=0", "sort=x",
		"facets=user,model", "kind=conversation&role=human", "to=2026-13-01", "from=2026-01-02&to=2026-01-01",
		"to=2262-04-12", "from=1600-01-01", "to=2199-12-31", "from=2200-01-01", "to=9999-12-31T23:59:59+14:00"} {
		f.Add(s)
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, qs string) {
		var fctx fasthttp.RequestCtx
		fctx.Request.SetRequestURI("/x?" + qs)
		c := app.AcquireCtx(&fctx)
		defer app.ReleaseCtx(c)
		r, err := searchRequest(c, "")
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, "parameter") {
				t.Fatalf("%q: error %v is not a 400 naming a parameter", qs, err)
			}
			return
		}
		if r.Size < 0 || r.Size > maxPageSize || (r.Kind != "message" && r.Kind != "conversation") {
			t.Fatalf("%q: invalid request %+v", qs, r)
		}
		if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
			t.Fatalf("%q: from %v not before to %v", qs, r.From, r.To)
		}
		// Dates reach keys and the index as int64 nanoseconds: only the
		// supported window may get through.
		for _, d := range []time.Time{r.From, r.To} {
			if !d.IsZero() && !indexer.InWindow(d) {
				t.Fatalf("%q: date %v outside the supported window", qs, d)
			}
		}
		if !r.From.IsZero() && !r.From.Before(indexer.MaxTime) {
			t.Fatalf("%q: from %v at or after the window's end", qs, r.From)
		}
	})
}

// FuzzUnzipExport: whatever the archive, nothing is written outside the
// upload directory and only the two export names are extracted.
func FuzzUnzipExport(f *testing.F) {
	f.Add(zipBytes(map[string]string{"conversations.json": "[]"}))
	f.Add(zipBytes(map[string]string{"a/users.json": "[]", "a/conversations.json": "[]"}))
	f.Add(zipBytes(map[string]string{"../conversations.json": "[]"}))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "job")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		zp := filepath.Join(dir, "u.zip")
		if err := os.WriteFile(zp, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		left := int64(1 << 16)
		_ = unzipExport(zp, dir, &left, files)
		for base, p := range files {
			if filepath.Dir(p) != dir || (base != conversationsFile && base != usersFile) {
				t.Fatalf("extracted %s to %s", base, p)
			}
		}
		entries, _ := os.ReadDir(root)
		if len(entries) != 1 {
			t.Fatalf("wrote outside the job dir: %v", entries)
		}
		inDir, _ := os.ReadDir(dir)
		for _, e := range inDir {
			if n := e.Name(); n != "u.zip" && n != conversationsFile && n != usersFile {
				t.Fatalf("unexpected file %s", n)
			}
		}
	})
}
