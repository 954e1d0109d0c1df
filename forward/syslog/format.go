package syslog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/ccsync/ccsync/model"
)

const (
	// MaxMessageSize bounds one syslog message, octet-count prefix not
	// included. RFC 5425 receivers must take 2048 octets and should take
	// 8192; rsyslog's default maxMessageSize is 8k and it truncates (and
	// complains) beyond, so messages stay a little under that: the event
	// JSON is shortened (message text first) rather than cut by the
	// receiver into something that no longer parses.
	MaxMessageSize = 8000

	facilityLocal0 = 16
	appName        = "ccsync"
	// sdID is the structured-data element; 32473 is the private enterprise
	// number reserved for documentation (RFC 5612).
	sdID = "ccsync@32473"

	// Caps on structured-data values, so the header stays small and the
	// budget goes to MSG.
	sdIDMax    = 128
	sdValueMax = 256

	// cutMark ends a text that was shortened to fit MaxMessageSize.
	cutMark = "…[cut]"
)

// Version is the ccsync version in CEF headers. cmd/ccsync may set it to
// its build version; empty means the module version from the build info.
var Version string

func productVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// buildMu serialises the rfc5424 builder: go-syslog v4.3.0 keeps the
// element and parameter being set in package variables, so two senders
// building at once would write into each other's structured data.
var buildMu sync.Mutex

// formatter turns events into RFC 5424 messages for one destination.
type formatter struct {
	hostname  string // already sanitised; "" sends the nil value "-"
	cef       bool
	anonymous bool
	version   string
	now       func() time.Time
}

// severityCode maps a finding severity to a syslog severity.
func severityCode(s model.Severity) uint8 {
	switch s {
	case model.SeverityCritical:
		return 2 // crit
	case model.SeverityHigh:
		return 3 // err
	case model.SeverityMedium:
		return 4 // warning
	case model.SeverityLow:
		return 5 // notice
	}
	return 6 // info: no findings
}

func severityName(s model.Severity) string {
	if s.Rank() == 0 {
		return "none"
	}
	return string(s)
}

// anonymize keeps what an anonymous destination may hold: counts, types,
// severities and times. The engine strips events already; the sender does
// it again so a slip there cannot put content in a SIEM that must not
// hold it.
func anonymize(ev model.ForwardEvent) model.ForwardEvent {
	out := model.ForwardEvent{
		ID:         ev.ID,
		Type:       ev.Type,
		Time:       ev.Time,
		IngestedAt: ev.IngestedAt,
		Origin:     ev.Origin,
		Anonymous:  true,
		Counts:     ev.Counts,
	}
	for _, f := range ev.Findings {
		out.Findings = append(out.Findings, model.ForwardFinding{Type: f.Type, Severity: f.Severity})
	}
	if out.Counts.ByType == nil && ev.Alert != nil && len(ev.Alert.ByType) > 0 {
		out.Counts.ByType = ev.Alert.ByType
	}
	return out
}

// findingTypes lists the finding types of an event, sorted.
func findingTypes(ev *model.ForwardEvent) []string {
	seen := map[string]bool{}
	for t, n := range ev.Counts.ByType {
		if n > 0 {
			seen[t] = true
		}
	}
	for _, f := range ev.Findings {
		seen[f.Type] = true
	}
	if ev.Alert != nil {
		for t := range ev.Alert.ByType {
			seen[t] = true
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		if t != "" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

func findingCount(ev *model.ForwardEvent) int {
	if ev.Counts.Findings > 0 {
		return ev.Counts.Findings
	}
	if ev.Alert != nil && ev.Alert.Findings > 0 {
		return ev.Alert.Findings
	}
	return len(ev.Findings)
}

// eventTime is the message timestamp: when the alert fired or the message
// was written (the event's own time; ingested_at is in the body).
func eventTime(ev *model.ForwardEvent, now func() time.Time) time.Time {
	for _, t := range []time.Time{ev.Time, ev.IngestedAt, now()} {
		// RFC 5424 has four-digit years only.
		if y := t.UTC().Year(); y >= 1 && y <= 9999 && !t.IsZero() {
			return t.UTC().Truncate(time.Microsecond)
		}
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

type sdParam struct{ name, value string }

// sdParams is the structured data: ids, counts and severity always; who
// and where only for non-anonymous events.
func sdParams(ev *model.ForwardEvent, sev model.Severity) []sdParam {
	ps := []sdParam{
		{"id", sdValue(ev.ID, sdIDMax)},
		{"type", sdValue(ev.Type, sdIDMax)},
		{"origin", sdValue(ev.Origin, sdIDMax)},
		{"severity", severityName(sev)},
		{"findings", strconv.Itoa(findingCount(ev))},
		{"types", sdValue(strings.Join(findingTypes(ev), ","), sdValueMax)},
	}
	if !ev.Anonymous {
		user := ev.UserEmail
		if user == "" {
			user = ev.UserID
		}
		ps = append(ps,
			sdParam{"user", sdValue(user, sdValueMax)},
			sdParam{"message", sdValue(ev.MessageID, sdIDMax)},
			sdParam{"conversation", sdValue(ev.ConversationID, sdIDMax)},
		)
		if ev.Alert != nil {
			ps = append(ps, sdParam{"rule", sdValue(ev.Alert.RuleName, sdValueMax)})
		}
	}
	out := ps[:0]
	for _, p := range ps {
		if p.value != "" {
			out = append(out, p)
		}
	}
	return out
}

// sdValue makes s a readable structured-data value: valid UTF-8 (RFC 5424
// requires it), control characters as spaces (rsyslog would turn them into
// #012 and friends anyway), at most max bytes. Escaping `"`, `\` and `]`
// happens when it is set.
func sdValue(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return cutUTF8(s, max)
}

// escapeSD escapes a PARAM-VALUE as RFC 5424 section 6.3.3 asks; the
// go-syslog builder takes values in that escaped form.
var escapeSD = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace

// sanitizeHeader keeps PRINTUSASCII (RFC 5424 HOSTNAME, APP-NAME, MSGID)
// and cuts to max; anything else becomes '_'.
func sanitizeHeader(s string, max int) string {
	b := []byte(s)
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b)
}

// hostField is the HOSTNAME for host: "" (sent as the nil value "-")
// when nothing printable is left.
func hostField(host string) string {
	h := sanitizeHeader(host, 255)
	if h == "-" {
		return ""
	}
	return h
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does
// not split a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// message formats one event as an RFC 5424 message of at most
// MaxMessageSize bytes.
func (f *formatter) message(ev model.ForwardEvent) (string, error) {
	if f.anonymous || ev.Anonymous {
		ev = anonymize(ev)
	}
	sev := ev.MaxSeverity()
	msgID := sanitizeHeader(ev.Type, 32)
	if msgID == "" || msgID == "-" { // "-" would read as no MSGID
		msgID = "event"
	}
	ts := eventTime(&ev, f.now)
	params := sdParams(&ev, sev)

	head, err := f.build(severityCode(sev), ts, msgID, params)
	if err != nil {
		return "", err
	}
	budget := MaxMessageSize - len(head) - 1 // the space before MSG
	var body string
	if f.cef {
		body = cefLine(&ev, sev, f.hostname, f.version, ts, budget)
	} else {
		body = fitJSON(ev, budget)
	}
	// MSG is any octets after one space (RFC 5424 section 6.4), exactly
	// what the builder's String appends; running the builder a second
	// time over the body would double the cost for nothing. The fuzz test
	// parses the result back.
	return head + " " + body, nil
}

// build runs the go-syslog builder and checks it took every value: the
// builder silently drops a value its grammar refuses.
func (f *formatter) build(sev uint8, ts time.Time, msgID string, params []sdParam) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	m := &rfc5424.SyslogMessage{}
	m.SetPriority(facilityLocal0*8 + sev)
	m.SetVersion(1)
	m.SetTimestamp(ts.Format("2006-01-02T15:04:05.000000Z07:00"))
	if f.hostname != "" {
		m.SetHostname(f.hostname)
	}
	m.SetAppname(appName)
	m.SetMsgID(msgID)
	m.SetElementID(sdID)
	for _, p := range params {
		m.SetParameter(sdID, p.name, escapeSD(p.value))
	}
	switch {
	case m.Timestamp == nil || !m.Timestamp.Equal(ts):
		return "", fmt.Errorf("syslog: builder refused timestamp %s", ts)
	case f.hostname != "" && (m.Hostname == nil || *m.Hostname != f.hostname):
		return "", fmt.Errorf("syslog: builder refused hostname %q", f.hostname)
	case m.MsgID == nil || *m.MsgID != msgID:
		return "", fmt.Errorf("syslog: builder refused msgid %q", msgID)
	case m.StructuredData == nil:
		return "", fmt.Errorf("syslog: builder refused structured data")
	}
	sd := (*m.StructuredData)[sdID]
	for _, p := range params {
		if v, ok := sd[p.name]; !ok || v != p.value {
			return "", fmt.Errorf("syslog: builder refused structured-data %s=%q", p.name, p.value)
		}
	}
	return m.String()
}

// encodeJSON is json.Marshal without HTML escaping (smaller, and a SIEM
// reads "<" better than "\u003c").
func encodeJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// ForwardEvent has only strings, numbers, times and maps of
		// them; a failure here is a bug, and the id still identifies it.
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// fitJSON encodes ev in at most budget bytes, shortening what is least
// useful to a SIEM first: the message text, then the list of findings
// (Counts keeps the totals), the alert's message list and the title. A
// receiver can tell from the cut mark that it got less than the event.
// Each step keeps as much as fits (binary search on the real encoding, as
// escaping makes a byte of text cost one to six bytes of JSON).
func fitJSON(ev model.ForwardEvent, budget int) string {
	s := encodeJSON(ev)
	if len(s) <= budget {
		return s
	}
	if text := ev.Text; text != "" {
		ev.Text = cutMark
		if rest := len(encodeJSON(ev)); rest <= budget {
			// Text is the usual culprit: cut it in one step.
			ev.Text = jsonPrefix(text, budget-rest) + cutMark
			if s = encodeJSON(ev); len(s) <= budget {
				return s
			}
			if s, ok := longest(len(text), budget, func(n int) string {
				ev.Text = cutUTF8(text, n) + cutMark
				return encodeJSON(ev)
			}); ok {
				return s
			}
		}
		ev.Text = cutMark
	}
	if fs := ev.Findings; len(fs) > 0 {
		if s, ok := longest(len(fs), budget, func(n int) string {
			ev.Findings = fs[:n]
			return encodeJSON(ev)
		}); ok {
			return s
		}
		ev.Findings = nil
	}
	if ev.Alert != nil {
		a := *ev.Alert
		a.RuleName = cutUTF8(a.RuleName, sdValueMax)
		ev.Alert = &a
		msgs := a.Messages
		if s, ok := longest(len(msgs), budget, func(n int) string {
			a.Messages = msgs[:n]
			return encodeJSON(ev)
		}); ok {
			return s
		}
		a.Messages = nil
	}
	ev.Title = cutUTF8(ev.Title, sdValueMax)
	if s = encodeJSON(ev); len(s) <= budget {
		return s
	}
	// Only identifiers and counts: small unless ids are absurd, and then
	// the receiver truncates rather than us dropping the event.
	min := model.ForwardEvent{
		ID: ev.ID, Type: ev.Type, Time: ev.Time, IngestedAt: ev.IngestedAt, Origin: ev.Origin,
		Anonymous: ev.Anonymous, MessageID: ev.MessageID, ConversationID: ev.ConversationID,
		UserID: ev.UserID, UserEmail: ev.UserEmail, Counts: ev.Counts,
	}
	if !ev.Anonymous {
		min.Text = cutMark
	}
	return encodeJSON(min)
}

// jsonPrefix returns the longest prefix of s whose JSON string encoding
// (quotes aside, HTML escaping off, as encoding/json writes it) takes at
// most max bytes. fitJSON checks the result, so a mismatch with
// encoding/json costs time, not correctness.
func jsonPrefix(s string, max int) string {
	cost := 0
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		n := size
		switch {
		case c == utf8.RuneError && size == 1, c == '\u2028', c == '\u2029':
			n = 6 // \ufffd, \u2028, \u2029
		case c == '"', c == '\\', c == '\b', c == '\f', c == '\n', c == '\r', c == '\t':
			n = 2
		case c < 0x20:
			n = 6 // \u00XX
		}
		if cost+n > max {
			return s[:i]
		}
		cost += n
		i += size
	}
	return s
}

// longest finds the largest n in [0, max) whose encode(n) fits budget,
// assuming the size grows with n; ok is false when not even 0 fits.
func longest(max, budget int, encode func(n int) string) (string, bool) {
	best, ok := "", false
	lo, hi := 0, max-1
	for lo <= hi {
		mid := lo + (hi-lo)/2
		if s := encode(mid); len(s) <= budget {
			best, ok = s, true
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	return best, ok
}
