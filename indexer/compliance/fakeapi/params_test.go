package fakeapi

import (
	"testing"
	"time"
)

// TestParseDatetime pins the validator's reasons (pydantic wording, as the
// reference's "created_at.gte: Input should be a valid datetime or date,
// invalid character in year" shows) and what counts as carrying an offset.
func TestParseDatetime(t *testing.T) {
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	tests := []struct {
		in      string
		want    time.Time
		tz      bool
		problem string
	}{
		{"2026-10-01T12:30:00Z", utc("2026-10-01T12:30:00Z"), true, ""},
		{"2026-10-01t12:30:00.123456z", utc("2026-10-01T12:30:00.123456Z"), true, ""},
		{"2026-10-01 12:30:00+02:00", utc("2026-10-01T10:30:00Z"), true, ""},
		{"2026-10-01T12:30Z", utc("2026-10-01T12:30:00Z"), true, ""},
		{"2026-10-01T12:30:00", utc("2026-10-01T12:30:00Z"), false, ""},
		{"2026-10-01", utc("2026-10-01T00:00:00Z"), false, ""},
		{"0001-01-01T00:00:00Z", time.Time{}, true, ""},
		{"2026-10", time.Time{}, false, "input is too short"},
		{"2O26-10-01T00:00:00Z", time.Time{}, false, "invalid character in year"},
		{"2026/10/01T00:00:00Z", time.Time{}, false, "invalid date separator, expected `-`"},
		{"2026-1x-01", time.Time{}, false, "invalid character in month"},
		{"2026-00-01", time.Time{}, false, "month value is outside expected range of 1-12"},
		{"2026-02-30", time.Time{}, false, "day value is outside expected range"},
		{"2026-10-01X00:00:00Z", time.Time{}, false, "invalid datetime separator, expected `T`, `t`, `_` or space"},
		{"2026-10-01T24:00:00Z", time.Time{}, false, "hour value is outside expected range of 0-23"},
		{"2026-10-01T12-00:00Z", time.Time{}, false, "invalid time separator, expected `:`"},
		{"2026-10-01T12:60:00Z", time.Time{}, false, "minute value is outside expected range of 0-59"},
		{"2026-10-01T12:00:61Z", time.Time{}, false, "second value is outside expected range of 0-59"},
		{"2026-10-01T12:00:00Zjunk", time.Time{}, false, "unexpected extra characters at the end of the input"},
	}
	for _, tc := range tests {
		got, tz, problem := parseDatetime(tc.in)
		if problem != tc.problem || problem == "" && (!got.Equal(tc.want) || tz != tc.tz) {
			t.Errorf("parseDatetime(%q) = %v, tz %v, %q; want %v, tz %v, %q", tc.in, got, tz, problem, tc.want, tc.tz, tc.problem)
		}
	}
}
