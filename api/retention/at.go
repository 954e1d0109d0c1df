package retention

import (
	"fmt"
	"strings"
	"time"
)

// At is the UTC time of day of the daily run; the zero At with Off set
// means no daily run (on-demand runs only).
type At struct {
	Hour, Minute int
	Off          bool
}

// ParseAt reads "HH:MM" (24-hour, UTC), or "off" (also "" and "none") for no
// daily run. The error names the value and the expected form.
func ParseAt(s string) (At, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "", "off", "none":
		return At{Off: true}, nil
	}
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return At{}, fmt.Errorf("retention time %q: want HH:MM in UTC, 00:00 to 23:59, or off", s)
	}
	return At{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// String is "HH:MM", or "" when off (the API's "schedule" field).
func (a At) String() string {
	if a.Off {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", a.Hour, a.Minute)
}

// Next is the first daily run strictly after t, or the zero time when off.
// Strictly: a run fired at its slot computes the next one from that slot,
// so it cannot fire twice for one day.
func (a At) Next(t time.Time) time.Time {
	if a.Off {
		return time.Time{}
	}
	t = t.UTC()
	n := time.Date(t.Year(), t.Month(), t.Day(), a.Hour, a.Minute, 0, 0, time.UTC)
	if !n.After(t) {
		n = n.AddDate(0, 0, 1)
	}
	return n
}
