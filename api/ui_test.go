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
