package api

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func testUI() fs.FS {
	return fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>placeholder-ui</title>")}}
}

func TestNewChecksUI(t *testing.T) {
	e := newTestEnv(t)
	_, err := New(Config{Store: e.ix, Origin: testOrigin, UI: fstest.MapFS{"app.js": {Data: []byte("x")}}})
	if err == nil {
		t.Error("UI without index.html accepted")
	}
	if _, err := New(Config{Store: e.ix}); err == nil {
		t.Error("missing Origin accepted")
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://CCSync.Example.com/", "https://ccsync.example.com"},
		{"https://ccsync.example.com/app", ""},
		{"ccsync.example.com", ""},
		{"ftp://x", ""},
		{"https://user:pw@x", ""},
		{"", ""},
	} {
		got, err := normalizeOrigin(tc.in)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
