package indexer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckTimeWindow(t *testing.T) {
	for _, tc := range []struct {
		t  time.Time
		ok bool
	}{
		{MinTime, true},
		{MaxTime, true},
		{time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), true},
		{MinTime.Add(-time.Nanosecond), false},
		{MaxTime.Add(time.Nanosecond), false},
		{time.Time{}, false},
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), false},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false},
	} {
		err := CheckTime("from", tc.t)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTime(%s) = %v, want ok=%v", tc.t, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "1970-01-01 to 2199-12-31") ||
			!strings.Contains(err.Error(), "from")) {
			t.Errorf("CheckTime(%s) error %q does not name the field and the window", tc.t, err)
		}
	}
	// The window's ends are representable in int64 nanoseconds, which is
	// what every key and Bleve date field relies on.
	for _, b := range []time.Time{MinTime, MaxTime} {
		if got := time.Unix(0, b.UnixNano()).UTC(); !got.Equal(b) {
			t.Errorf("%s does not round-trip through UnixNano: %s", b, got)
		}
	}
}

func TestErrNotFoundIsNotExist(t *testing.T) {
	err := fmt.Errorf("meta %q: %w", "x", ErrNotFound)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) || errors.Is(ErrClosed, fs.ErrNotExist) {
		t.Fatal("ErrNotFound must match itself and fs.ErrNotExist, and only it")
	}
}

var outOfWindow = []struct {
	name     string
	from, to time.Time
}{
	{"from year 1000", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
	{"to 2262-04-12", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC)},
	{"to 9999-12-31", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
	{"to 2612, which wraps into 2027", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2612, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"from the zero time", time.Time{}, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
}

// Issue 12, item 1: a deletion with a bound outside the supported window
// answered 0 yet dropped every month's partition and recorded a purged
// range that silently dropped later imports. It must be refused, dry run
// or not, and leave the store and the index as they were.
func TestDeleteRangeOutsideWindowIsRefused(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	b := ingestYearOrg(t, ix)
	parts := partitionDirs(t, dir)
	for _, tc := range outOfWindow {
		for _, dry := range []bool{true, false} {
			_, err := ix.DeleteRange(ctx, tc.from, tc.to, dry)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "outside the supported dates") {
				t.Errorf("%s (dry run %v): err = %v, want ErrBadRequest naming the window", tc.name, dry, err)
			}
		}
	}
	if got := partitionDirs(t, dir); !slices.Equal(got, parts) {
		t.Fatalf("partitions %v after refused deletions, want %v", got, parts)
	}
	if n := doSearch(t, ix, SearchRequest{NoFacets: true, Size: 1}).Total; int(n) != len(b.Messages) {
		t.Fatalf("search finds %d messages, want %d", n, len(b.Messages))
	}
	if len(ix.purged) != 0 {
		t.Fatalf("purged ranges recorded: %+v", ix.purged)
	}
	verifyOK(t, ix)
	ix.Close()
	ix = openTest(t, dir)
	res, err := ix.Ingest(ctx, b)
	if err != nil || res.Purged != 0 {
		t.Fatalf("re-ingest after refused deletions: %+v, %v", res, err)
	}
	verifyOK(t, ix)
}

// Ingest refuses a batch holding a record dated outside the window (or not
// dated at all), naming the record and the field, before writing anything.
func TestIngestRefusesDatesOutsideWindow(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Batch)
		want   string
	}{
		{"message in year 1000", func(b *Batch) { b.Messages[2].CreatedAt = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC) }, "message 2 (m3)"},
		{"message in 2262", func(b *Batch) { b.Messages[1].CreatedAt = time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC) }, "message 1 (m2)"},
		{"undated message", func(b *Batch) { b.Messages[0].CreatedAt = time.Time{} }, "message 0 (m1)"},
		{"conversation in 9999", func(b *Batch) { b.Conversations[1].CreatedAt = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) }, "conversation 1 (c2)"},
		{"undated conversation", func(b *Batch) { b.Conversations[0].CreatedAt = time.Time{} }, "conversation 0 (c1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := openTest(t, t.TempDir())
			b := sampleBatch()
			tc.mutate(&b)
			_, err := ix.Ingest(context.Background(), b)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "created_at") {
				t.Fatalf("err = %v, want ErrBadRequest naming %s and created_at", err, tc.want)
			}
			if st, _ := ix.Stats(context.Background()); st.Messages != 0 || st.Conversations != 0 {
				t.Fatalf("a refused batch stored %+v", st)
			}
			if _, err := ix.Meta("sync/cursor"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a refused batch moved its checkpoint: %v", err)
			}
			verifyOK(t, ix)
		})
	}
}

// ReindexMonth turns the month into a key range too: outside the window its
// keys wrap and the rebuild would fill the month with other months' messages.
func TestReindexMonthOutsideWindowIsRefused(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := ix.Ingest(ctx, sampleBatch()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"1000-01", "0001-01", "1969-12", "2200-01", "2612-01"} {
		if err := ix.ReindexMonth(ctx, m); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "month "+m) {
			t.Errorf("ReindexMonth(%s) = %v, want ErrBadRequest naming the month", m, err)
		}
	}
	for _, m := range []string{"1970-01", "2199-12", monthOf(t0)} {
		if err := ix.ReindexMonth(ctx, m); err != nil {
			t.Errorf("ReindexMonth(%s) = %v", m, err)
		}
	}
	verifyOK(t, ix)
}
