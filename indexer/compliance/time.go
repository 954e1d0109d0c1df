package compliance

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// Time is a timestamp parsed leniently: RFC 3339 with or without fractional
// seconds, "+00:00" or "Z", and the naive form without a zone (read as UTC)
// that some Compliance endpoints return.
type Time struct{ time.Time }

var naiveLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// ParseTime parses s with the lenient rules of Time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	// "2026-05-07 17:29:59+00:00": space instead of T.
	if len(s) > 10 && s[10] == ' ' {
		if t, err := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:]); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range naiveLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", truncate(s, 64))
}

// UnmarshalJSON accepts a string timestamp, null or "" (zero time).
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes the API's own form: UTC with microseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(WireTimeLayout) + `"`), nil
}

// WireTimeLayout is how the API formats timestamps in responses.
const WireTimeLayout = "2006-01-02T15:04:05.000000Z"

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
