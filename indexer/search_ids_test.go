package indexer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestMatchingMessages(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, sampleBatch()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  SearchRequest
		ids  []string
		want string
	}{
		{"query within the ids", SearchRequest{Query: "budget"}, []string{"m1", "m3"}, "m1"},
		{"every id", SearchRequest{Query: "budget"}, []string{"m1", "m2", "m3"}, "m1,m2"},
		{"no query: the ids that exist", SearchRequest{}, []string{"m3", "nope", "m1"}, "m1,m3"},
		{"filters apply", SearchRequest{Query: "budget", FindingTypes: []string{"email"}}, []string{"m1", "m2"}, "m1"},
		{"wildcard", SearchRequest{Query: "budg*"}, []string{"m2"}, "m2"},
		{"partitions of other months", SearchRequest{Query: "cluster"}, []string{"m1", "m3"}, "m3"},
		{"repeated ids", SearchRequest{}, []string{"m1", "m1"}, "m1"},
		{"none", SearchRequest{Query: "budget"}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.MatchingMessages(ctx, tc.req, tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if s := strings.Join(got, ","); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
	if _, err := ix.MatchingMessages(ctx, SearchRequest{Query: `"unclosed`}, []string{"m1"}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("bad query: %v", err)
	}
	if _, err := ix.MatchingMessages(ctx, SearchRequest{}, make([]string, MaxMatchIDs+1)); !errors.Is(err, ErrBadRequest) {
		t.Errorf("too many ids: %v", err)
	}
	if _, err := ix.MatchingMessages(ctx, SearchRequest{Kind: KindConversation}, []string{"c1"}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("conversation kind: %v", err)
	}
}
