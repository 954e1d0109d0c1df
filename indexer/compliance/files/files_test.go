package files

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/model"
)

const testKey = "sk-ant-api01-files-test-key-SECRET"

type env struct {
	org    *fakeapi.Org
	fake   *fakeapi.Server
	client *compliance.Client
	mu     sync.Mutex
	paths  []string // every request's path, in order
}

// requests returns the paths requested since index from.
func (e *env) requests(from int) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.paths[from:]...)
}

func (e *env) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.paths)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	org := fakeapi.Generate(3, fakeapi.GenOptions{Users: 3, Chats: 12, MaxMessages: 6, DeletedEvery: 6, PlantEvery: 2, FileContent: true})
	fake := fakeapi.New(org, fakeapi.Options{Key: testKey})
	e := &env{org: org, fake: fake}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.paths = append(e.paths, r.URL.Path)
		e.mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c, err := compliance.New(compliance.Config{BaseURL: hs.URL, Key: testKey, RequestsPerMinute: 1 << 20,
		Logger: slog.New(slog.DiscardHandler), Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

// refs lists every file reference of live chats as a Ref, with the blob.
func (e *env) refs(match func(r Ref, b *fakeapi.Blob) bool) []Ref {
	var out []Ref
	for _, c := range e.org.Chats {
		if c.DeletedAt != nil {
			continue
		}
		for _, m := range c.Messages {
			for _, f := range append(append([]fakeapi.File(nil), m.Files...), m.GeneratedFiles...) {
				r := Ref{ID: f.ID, MimeType: f.MimeType, Size: f.SizeBytes, MD5: f.MD5}
				if match(r, e.org.Blobs[f.ID]) {
					out = append(out, r)
				}
			}
			for _, a := range m.Artifacts {
				r := Ref{ID: a.VersionID, MimeType: a.Type}
				if match(r, e.org.Blobs[a.VersionID]) {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// TestGeneratedFileRoutedByPrefix: a generated file whose id is
// claude_file_… is fetched from the files endpoint, a claude_gen_file_… from
// the generated-files endpoint, an artifact version from the artifacts
// endpoint; the array a reference came in does not decide.
func TestGeneratedFileRoutedByPrefix(t *testing.T) {
	e := newEnv(t)
	genAsFile := e.refs(func(r Ref, b *fakeapi.Blob) bool {
		return strings.HasPrefix(r.ID, "claude_file_") && strings.HasSuffix(b.Filename, ".csv") && b.Kind == fakeapi.BlobFile
	})
	gen := e.refs(func(r Ref, b *fakeapi.Blob) bool {
		return strings.HasPrefix(r.ID, "claude_gen_file_") && !NeverText(b.MimeType)
	})
	art := e.refs(func(r Ref, b *fakeapi.Blob) bool { return b.Kind == fakeapi.BlobArtifact })
	if len(genAsFile) == 0 || len(gen) == 0 || len(art) == 0 {
		t.Fatalf("fixture: %d claude_file_ generated, %d claude_gen_file_, %d artifacts", len(genAsFile), len(gen), len(art))
	}
	for _, tc := range []struct {
		ref  Ref
		path string
	}{
		{genAsFile[0], "/v1/compliance/apps/chats/files/"},
		{gen[0], "/v1/compliance/apps/chats/generated-files/"},
		{art[0], "/v1/compliance/apps/artifacts/"},
	} {
		if p, ok := Route(tc.ref.ID); !ok || p != tc.path+tc.ref.ID {
			t.Errorf("Route(%s) = %s", tc.ref.ID, p)
		}
		before := e.count()
		res, err := New(e.client, Options{}).Fetch(context.Background(), tc.ref)
		if err != nil || res.State != model.FetchText || res.Text != string(e.org.Blobs[tc.ref.ID].Data) {
			t.Errorf("%s: %+v %v", tc.ref.ID, res, err)
		}
		reqs := e.requests(before)
		if len(reqs) == 0 || reqs[len(reqs)-1] != tc.path+tc.ref.ID+"/content" {
			t.Errorf("%s: requests %v, want the content from %s", tc.ref.ID, reqs, tc.path)
		}
		for _, p := range reqs {
			if !strings.HasPrefix(p, tc.path+tc.ref.ID) {
				t.Errorf("%s: request %s", tc.ref.ID, p)
			}
		}
	}
	if res, err := New(e.client, Options{}).Fetch(context.Background(), Ref{ID: "claude_proj_doc_01x"}); err != nil || res.State != model.FetchSkipped {
		t.Errorf("unknown prefix: %+v %v", res, err)
	}
}

// TestFileTextBudget: a file over the per-file budget keeps only metadata,
// whether its size is listed or only discovered while reading; the run
// budget stops downloads once spent; binary types are not downloaded.
func TestFileTextBudget(t *testing.T) {
	e := newEnv(t)
	texts := e.refs(func(r Ref, b *fakeapi.Blob) bool { return b.Kind == fakeapi.BlobFile && b.MimeType == "text/plain" })
	if len(texts) < 3 {
		t.Fatalf("only %d text uploads", len(texts))
	}
	ctx := context.Background()

	small := texts[0]
	res, err := New(e.client, Options{MaxFileBytes: small.Size - 1}).Fetch(ctx, small)
	if err != nil || res.State != model.FetchTooLarge || res.Text != "" {
		t.Errorf("listed size over budget: %+v %v", res, err)
	}

	// Oversize on the server while the listing still says small: the body
	// is cut at the budget, never held whole.
	big := texts[1]
	if err := e.fake.SetFileFault(big.ID, fakeapi.FileFaultOversize); err != nil {
		t.Fatal(err)
	}
	f := New(e.client, Options{})
	res, err = f.Fetch(ctx, big)
	if err != nil || res.State != model.FetchTooLarge {
		t.Errorf("oversize body: %+v %v", res, err)
	}
	if f.Spent() > DefaultMaxFileBytes+1 {
		t.Errorf("read %d bytes of a 3 MiB body with a 1 MiB budget", f.Spent())
	}

	run := New(e.client, Options{MaxRunBytes: texts[2].Size + 64<<10})
	if res, err := run.Fetch(ctx, texts[2]); err != nil || res.State != model.FetchText {
		t.Fatalf("first fetch in run budget: %+v %v", res, err)
	}
	if _, err := run.Fetch(ctx, texts[0]); !errors.Is(err, ErrRunBudget) {
		t.Errorf("run budget: err %v, want ErrRunBudget", err)
	}

	pngs := e.refs(func(r Ref, b *fakeapi.Blob) bool { return b.MimeType == "image/png" })
	before := e.count()
	for _, p := range pngs {
		if res, err := New(e.client, Options{}).Fetch(ctx, p); err != nil || res.State != model.FetchBinary {
			t.Errorf("%s: %+v %v", p.ID, res, err)
		}
	}
	if len(pngs) == 0 || e.count() != before {
		t.Errorf("%d images cost %d requests; want none", len(pngs), e.count()-before)
	}
}

// TestFetchFaults: MD5 mismatch and a cut body are errors (retried next
// run), a 404 is gone, a PDF stored as extracted text is text.
func TestFetchFaults(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	texts := e.refs(func(r Ref, b *fakeapi.Blob) bool { return b.Kind == fakeapi.BlobFile && b.MimeType == "text/plain" })
	_ = e.fake.SetFileFault(texts[0].ID, fakeapi.FileFaultMD5Mismatch)
	if _, err := New(e.client, Options{}).Fetch(ctx, texts[0]); !errors.Is(err, ErrMD5Mismatch) {
		t.Errorf("md5 mismatch: %v", err)
	}
	_ = e.fake.SetFileFault(texts[1].ID, fakeapi.FileFaultCutBody)
	if res, err := New(e.client, Options{}).Fetch(ctx, texts[1]); err == nil || res.State == model.FetchText {
		t.Errorf("cut body: %+v %v", res, err)
	}
	_ = e.fake.SetFileFault(texts[2].ID, fakeapi.FileFaultNotFound)
	if res, err := New(e.client, Options{}).Fetch(ctx, texts[2]); err != nil || res.State != model.FetchGone {
		t.Errorf("404: %+v %v", res, err)
	}
	pdfs := e.refs(func(r Ref, b *fakeapi.Blob) bool { return b.MimeType == "application/pdf" })
	for _, p := range pdfs {
		if res, err := New(e.client, Options{}).Fetch(ctx, p); err != nil || res.State != model.FetchText || res.Text == "" {
			t.Errorf("pdf stored as text: %+v %v", res, err)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		text bool
	}{
		{"plain text", true},
		{"\xef\xbb\xbfwith BOM", true},
		{"naïve UTF-8 ✓", true},
		{"\x89PNG\r\n\x1a\n", false},
		{"nul\x00inside", false},
		{"bad \xff utf-8", false},
		{"", true},
	}
	for _, tc := range tests {
		if got, ok := Sniff([]byte(tc.in)); ok != tc.text || (ok && strings.HasPrefix(got, "\ufeff")) {
			t.Errorf("Sniff(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

func TestArtifactEnvelope(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{`{"content":"# v2\nquokka","title":"t","artifact_type":"text/markdown"}`, "# v2\nquokka", false},
		{`{"content":"x","future":{"a":1}}`, "x", false},
		{`{"content":{"files":["a"]}}`, `{"files":["a"]}`, false},
		{`{"content":null}`, "", false},
		{`{"text":"x"}`, "", true},
		{`not json`, "", true},
	}
	for _, tc := range tests {
		got, err := artifactText([]byte(tc.in))
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%s: %q %v", tc.in, got, err)
		}
	}
}

func FuzzSniffArtifact(f *testing.F) {
	f.Add([]byte(`{"content":"hello"}`))
	f.Add([]byte("\xef\xbb\xbf\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, ok := Sniff(data); ok && strings.ContainsRune(s, 0) {
			t.Fatal("NUL passed as text")
		}
		_, _ = artifactText(data)
	})
}
