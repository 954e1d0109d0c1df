package fakeapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query validation in the API's late-2026 wording, "<param>: Input should
// …" (reference §8.2), which is pydantic's. Shared by every handler file.

// timeFilter is one created_at.* / updated_at.* bound.
type timeFilter struct {
	op string
	t  time.Time
}

func (f timeFilter) match(v time.Time) bool {
	switch f.op {
	case "gt":
		return v.After(f.t)
	case "gte":
		return !v.Before(f.t)
	case "lt":
		return v.Before(f.t)
	case "lte":
		return !v.After(f.t)
	}
	return true
}

// timeParams lists the created_at.* and updated_at.* names, for allow lists.
func timeParams(keys ...string) []string {
	var out []string
	for _, k := range keys {
		for _, op := range []string{"gt", "gte", "lt", "lte"} {
			out = append(out, k+"."+op)
		}
	}
	return out
}

// parseFilters reads the created_at.* and updated_at.* params present,
// rejecting bad timestamps with the API's message.
func (s *Server) parseFilters(w http.ResponseWriter, q url.Values) (map[string][]timeFilter, bool) {
	out := map[string][]timeFilter{}
	for _, key := range []string{"created_at", "updated_at"} {
		for _, op := range []string{"gt", "gte", "lt", "lte"} {
			name := key + "." + op
			v := q.Get(name)
			if v == "" {
				continue
			}
			t, ok := s.parseTime(w, name, v, false)
			if !ok {
				return nil, false
			}
			out[key] = append(out[key], timeFilter{op, t})
		}
	}
	return out, true
}

// parseTime parses a timestamp parameter as the API's validator does: an
// RFC 3339 date-time, or a bare date (midnight). A value without an offset
// is read as UTC unless needTZ, in which case it gets the local-sessions
// 400 "Input should have timezone info" (reference §3.2).
func (s *Server) parseTime(w http.ResponseWriter, name, v string, needTZ bool) (time.Time, bool) {
	t, tz, problem := parseDatetime(v)
	if problem != "" {
		s.failInput(w, name, "be a valid datetime or date, "+problem)
		return time.Time{}, false
	}
	if !tz && needTZ {
		s.failInput(w, name, "have timezone info")
		return time.Time{}, false
	}
	return t, true
}

// parseDatetime returns the time, whether it carried an offset, and else the
// validator's reason it is not one (pydantic/speedate wording).
func parseDatetime(v string) (time.Time, bool, string) {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(v) < 10:
		return time.Time{}, false, "input is too short"
	case !digits(v[0:4]):
		return time.Time{}, false, "invalid character in year"
	case v[4] != '-' || v[7] != '-':
		return time.Time{}, false, "invalid date separator, expected `-`"
	case !digits(v[5:7]):
		return time.Time{}, false, "invalid character in month"
	case !digits(v[8:10]):
		return time.Time{}, false, "invalid character in day"
	}
	if m, _ := strconv.Atoi(v[5:7]); m < 1 || m > 12 {
		return time.Time{}, false, "month value is outside expected range of 1-12"
	}
	if len(v) == 10 {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, false, "day value is outside expected range"
		}
		return t, false, ""
	}
	if c := v[10]; c != 'T' && c != 't' && c != ' ' && c != '_' {
		return time.Time{}, false, "invalid datetime separator, expected `T`, `t`, `_` or space"
	}
	if problem := timeProblem(v[11:]); problem != "" {
		return time.Time{}, false, problem
	}
	norm := v[:10] + "T" + v[11:]
	if strings.HasSuffix(norm, "z") {
		norm = norm[:len(norm)-1] + "Z"
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, norm); err == nil {
			return t, true, ""
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, norm); err == nil {
			return t, false, ""
		}
	}
	if _, err := time.Parse(time.DateOnly, v[:10]); err != nil {
		return time.Time{}, false, "day value is outside expected range"
	}
	return time.Time{}, false, "unexpected extra characters at the end of the input"
}

// timeProblem checks the hh:mm[:ss] part of a date-time for the validator's
// positional complaints; the rest (fraction, offset) is left to time.Parse.
func timeProblem(t string) string {
	field := func(at int, name string, maxV int) string {
		if len(t) < at+2 {
			return "input is too short"
		}
		if t[at] < '0' || t[at] > '9' || t[at+1] < '0' || t[at+1] > '9' {
			return "invalid character in " + name
		}
		if n := int(t[at]-'0')*10 + int(t[at+1]-'0'); n > maxV {
			return fmt.Sprintf("%s value is outside expected range of 0-%d", name, maxV)
		}
		return ""
	}
	if p := field(0, "hour", 23); p != "" {
		return p
	}
	if len(t) < 3 || t[2] != ':' {
		return "invalid time separator, expected `:`"
	}
	if p := field(3, "minute", 59); p != "" {
		return p
	}
	if len(t) > 5 && t[5] == ':' {
		return field(6, "second", 59)
	}
	return ""
}

// parseInt reads an integer parameter bounded by [lo, hi]; absent gives def.
func (s *Server) parseInt(w http.ResponseWriter, q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		s.failInput(w, name, "be a valid integer, unable to parse string as an integer")
	case n < lo:
		s.failInput(w, name, "be greater than or equal to "+strconv.Itoa(lo))
	case n > hi:
		s.failInput(w, name, "be less than or equal to "+strconv.Itoa(hi))
	default:
		return n, true
	}
	return 0, false
}

// parseLimit reads limit in [1, maxN]; absent gives def.
func (s *Server) parseLimit(w http.ResponseWriter, q url.Values, def, maxN int) (int, bool) {
	return s.parseInt(w, q, "limit", def, 1, maxN)
}

// parseEnum reads a parameter that must be one of values; absent gives the
// first.
func (s *Server) parseEnum(w http.ResponseWriter, q url.Values, name string, values ...string) (string, bool) {
	v := q.Get(name)
	if v == "" {
		return values[0], true
	}
	if slices.Contains(values, v) {
		return v, true
	}
	should := "be "
	for i, x := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			should += " or "
		default:
			should += ", "
		}
		should += "'" + x + "'"
	}
	s.failInput(w, name, should)
	return "", false
}
