package indexer

import (
	"context"
	"errors"
	"testing"
)

// FuzzSearchQuery feeds arbitrary query strings to Search: every input must
// give results or a clean ErrBadQuery/ErrBadRequest, never a panic or an
// internal error.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"budget", `"api key"`, "+a -b", "title:x", `created_at:>"2026-01-01"`,
		"a AND (b OR", `\`, "/re[gex/", "~", "*", "field:", "^2", `"unterminated`, "user:ä😀", "a:b:c",
		"/.{500}/", "a~9", `created:<"2250-01-01"`, "w* x* y* z* v* u*"} {
		f.Add(s)
	}
	ix := openTest(f, f.TempDir())
	if _, err := ix.Ingest(context.Background(), sampleBatch()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, err := ix.Search(context.Background(), SearchRequest{Query: q, Size: 5})
		if err != nil && !errors.Is(err, ErrBadQuery) && !errors.Is(err, ErrBadRequest) {
			t.Fatalf("query %q: unexpected error %v", q, err)
		}
	})
}
