package indexer

import (
	"errors"
	"fmt"
	"io/fs"
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
