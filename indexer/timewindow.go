package indexer

import (
	"fmt"
	"time"
)

// The supported time window. Keys, partitions and Bleve's numeric date
// fields all encode times as Unix nanoseconds in an int64, which is
// undefined before 1678 and after 2262; a date outside that range wraps
// around and lands anywhere in the key space (a deletion "from 1000-01-01"
// once dropped every partition). Claude conversations exist from 2023 on,
// so the window is set far inside what int64 nanoseconds can hold: every
// date that reaches the store or the index — a record's creation time, a
// search or deletion bound, an audit range — must lie in it, or is refused
// with ErrBadRequest naming the window.
var (
	MinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) // exclusive
)

// InWindow reports whether t lies in [MinTime, MaxTime].
//
// MaxTime itself is allowed: it is the exclusive end of a range such as
// "to 2199-12-31", which covers that whole day.
func InWindow(t time.Time) bool { return !t.Before(MinTime) && !t.After(MaxTime) }

// CheckTime returns an ErrBadRequest error naming what and the window when t
// lies outside it. The zero time is refused too: callers that accept an
// open bound test IsZero first.
func CheckTime(what string, t time.Time) error {
	if InWindow(t) {
		return nil
	}
	return fmt.Errorf("%w: %s %s is outside the supported dates %s to %s", ErrBadRequest, what,
		t.UTC().Format(time.RFC3339), MinTime.Format(time.DateOnly), MaxTime.AddDate(0, 0, -1).Format(time.DateOnly))
}
