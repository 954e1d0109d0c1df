package syslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/octetcounting"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

func testFormatter(cef, anon bool) *formatter {
	return &formatter{hostname: testHost, cef: cef, anonymous: anon, version: "v1.2|3\\", now: func() time.Time { return t0 }}
}

// parseFrames reads an octet-counted stream with go-syslog's parser.
func parseFrames(t testing.TB, stream []byte) []*rfc5424.SyslogMessage {
	t.Helper()
	var out []*rfc5424.SyslogMessage
	var errs []error
	p := octetcounting.NewParser(gosyslog.WithMaxMessageLength(1<<20), gosyslog.WithListener(func(r *gosyslog.Result) {
		if r.Error != nil {
			errs = append(errs, r.Error)
		}
		if r.Message != nil {
			out = append(out, r.Message.(*rfc5424.SyslogMessage))
		}
	}))
	p.Parse(bytes.NewReader(stream))
	if len(errs) > 0 {
		t.Fatalf("parsing frames: %v", errors.Join(errs...))
	}
	return out
}

func TestFraming(t *testing.T) {
	s := &sender{f: *testFormatter(false, false)}
	evs := sampleEvents("f")
	buf, err := s.frames(evs)
	if err != nil {
		t.Fatal(err)
	}
	// Each frame is "<decimal length> <message>" and the lengths tile the
	// buffer exactly, newlines in messages notwithstanding.
	rest := buf
	for i := range evs {
		sp := bytes.IndexByte(rest, ' ')
		var n int
		if _, err := fmt.Sscanf(string(rest[:sp]), "%d", &n); err != nil || n <= 0 || rest[0] == '0' {
			t.Fatalf("frame %d: bad length %q", i, rest[:sp])
		}
		if !bytes.HasPrefix(rest[sp+1:], []byte("<")) {
			t.Fatalf("frame %d does not start with PRI", i)
		}
		rest = rest[sp+1+n:]
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the last frame", len(rest))
	}
	msgs := parseFrames(t, buf)
	if len(msgs) != len(evs) {
		t.Fatalf("parsed %d messages, want %d", len(msgs), len(evs))
	}
	for i, m := range msgs {
		if sd(m)["id"] != evs[i].ID {
			t.Errorf("frame %d has id %q, want %q", i, sd(m)["id"], evs[i].ID)
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, tc := range []struct {
		sev  model.Severity
		pri  uint8
		cef  string
		name string
	}{
		{model.SeverityCritical, 130, "10", "critical"},
		{model.SeverityHigh, 131, "8", "high"},
		{model.SeverityMedium, 132, "5", "medium"},
		{model.SeverityLow, 133, "3", "low"},
		{"", 134, "0", "none"},
		{"bogus", 134, "0", "none"},
	} {
		ev := model.ForwardEvent{ID: "i-m1-f0", Type: "finding", Time: t0,
			Findings: []model.ForwardFinding{{Type: "x", Severity: tc.sev}}}
		for _, cef := range []bool{false, true} {
			s, err := testFormatter(cef, false).message(ev)
			if err != nil {
				t.Fatal(err)
			}
			m := parse5424(t, s)
			if *m.Priority != tc.pri || sd(m)["severity"] != tc.name {
				t.Errorf("%q: PRI %d severity %q, want %d %q", tc.sev, *m.Priority, sd(m)["severity"], tc.pri, tc.name)
			}
			if cef {
				h, _, err := parseCEF(str(m.Message))
				if err != nil || h[6] != tc.cef {
					t.Errorf("%q: CEF severity %q (%v), want %s", tc.sev, h, err, tc.cef)
				}
			}
		}
	}
}

func TestStructuredDataEscaping(t *testing.T) {
	for _, tc := range []struct{ name, in, want, raw string }{
		{"quote", `a"b`, `a"b`, `a\"b`},
		{"backslash", `a\b`, `a\b`, `a\\b`},
		{"bracket", `a]b`, `a]b`, `a\]b`},
		{"all", `"]\`, `"]\`, `\"\]\\`},
		{"trailing backslash", `ab\`, `ab\`, `ab\\"`},
		{"newline", "a\nb\r\tc", "a b  c", `a b  c`},
		{"bad UTF-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{"pipes and equals", "a|b=c", "a|b=c", "a|b=c"},
		{"long", strings.Repeat("é", 200), strings.Repeat("é", 128), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := model.ForwardEvent{ID: "i-m1", Type: "message", Time: t0, UserEmail: tc.in}
			s, err := testFormatter(false, false).message(ev)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(s, `user="`+tc.raw) {
				t.Errorf("raw message lacks user=%q: %s", tc.raw, s)
			}
			if got := sd(parse5424(t, s))["user"]; got != tc.want {
				t.Errorf("user = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCEFEscaping(t *testing.T) {
	for _, tc := range []struct{ in, header, value string }{
		{`a|b`, `a\|b`, `a|b`},
		{`a\b`, `a\\b`, `a\\b`},
		{`a=b`, `a=b`, `a\=b`},
		{"a\nb", "a b", `a\nb`},
		{"a\r\nb", "a  b", `a\r\nb`},
		{"a\tb\x00", "a b ", "a b "},
		{"a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{`\|=`, `\\\|=`, `\\|\=`},
		{`]`, `]`, `]`},
	} {
		if got := escapeCEFHeader(tc.in); got != tc.header {
			t.Errorf("header(%q) = %q, want %q", tc.in, got, tc.header)
		}
		if got := escapeCEFValue(tc.in); got != tc.value {
			t.Errorf("value(%q) = %q, want %q", tc.in, got, tc.value)
		}
	}
	// And through a whole line and back.
	ev := sampleEvents("c")[0]
	s, err := testFormatter(true, false).message(ev)
	if err != nil {
		t.Fatal(err)
	}
	h, ext, err := parseCEF(str(parse5424(t, s).Message))
	if err != nil {
		t.Fatal(err)
	}
	if h[3] != "v1.2|3\\" || ext["suser"] != evilUser || ext["cs5"] != evilRule {
		t.Errorf("round trip: version %q suser %q cs5 %q", h[3], ext["suser"], ext["cs5"])
	}
}

func TestFitJSON(t *testing.T) {
	base := sampleEvents("j")[2]
	manyFindings := base
	manyFindings.Text, manyFindings.Findings = "", nil
	for i := range 500 {
		manyFindings.Findings = append(manyFindings.Findings, model.ForwardFinding{Type: "email", Severity: "medium", Preview: fmt.Sprintf("user%d***@example.com", i)})
	}
	manyFindings.Counts.Findings = 500
	hugeAlert := sampleEvents("j")[0]
	a := *hugeAlert.Alert
	a.Messages = nil
	for i := range 2000 {
		a.Messages = append(a.Messages, fmt.Sprintf("message-%08d", i))
	}
	hugeAlert.Alert = &a
	hugeIDs := base
	hugeIDs.Text, hugeIDs.Findings = "", nil
	hugeIDs.MessageID = strings.Repeat("m", 20000)
	bigText := base
	bigText.Text = strings.Repeat("\xff<é>\"", 10000) // escapes grow in JSON

	for _, tc := range []struct {
		name string
		ev   model.ForwardEvent
		fits bool
		cut  bool
	}{
		{"small", base, true, false},
		{"big text", bigText, true, true},
		{"many findings", manyFindings, true, false},
		{"huge alert", hugeAlert, true, false},
		{"huge ids", hugeIDs, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := testFormatter(false, false).message(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if fits := len(s) <= MaxMessageSize; fits != tc.fits {
				t.Errorf("%d bytes, fits %v, want %v", len(s), fits, tc.fits)
			}
			m := parse5424(t, s)
			var back model.ForwardEvent
			if err := json.Unmarshal([]byte(str(m.Message)), &back); err != nil {
				t.Fatalf("MSG is not JSON: %v", err)
			}
			if back.ID != tc.ev.ID || back.Counts.Findings != tc.ev.Counts.Findings {
				t.Errorf("lost id or counts: %+v", back)
			}
			if cut := strings.HasSuffix(back.Text, cutMark); cut != tc.cut {
				t.Errorf("text cut %v, want %v", cut, tc.cut)
			}
			if tc.fits && len(s) < MaxMessageSize-300 && tc.name != "small" {
				t.Errorf("only %d bytes: cut more than needed", len(s))
			}
		})
	}
	// The caller's event is not modified.
	if len(manyFindings.Findings) != 500 || len(hugeAlert.Alert.Messages) != 2000 {
		t.Error("fitJSON modified its argument")
	}
}

func TestAnonymousFormatter(t *testing.T) {
	for _, cef := range []bool{false, true} {
		for _, ev := range sampleEvents("a") {
			for _, f := range []*formatter{testFormatter(cef, true), testFormatter(cef, false)} {
				e := ev
				if !f.anonymous {
					e.Anonymous = true // the event's own flag counts too
				}
				s, err := f.message(e)
				if err != nil {
					t.Fatal(err)
				}
				for _, secret := range secrets {
					if strings.Contains(s, secret) {
						t.Errorf("cef=%v %s: holds %q: %s", cef, ev.ID, secret, s)
					}
				}
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ca := sampleCAPEM(t)
	for _, tc := range []struct {
		name    string
		d       model.Destination
		wantErr string
		url     string
	}{
		{"defaults", model.Destination{URL: "siem.example"}, "", "siem.example:514"},
		{"tls default port", model.Destination{URL: "siem.example", Network: "TLS"}, "", "siem.example:6514"},
		{"port", model.Destination{URL: " 10.0.0.1:1514 "}, "", "10.0.0.1:1514"},
		{"ipv6", model.Destination{URL: "::1"}, "", "[::1]:514"},
		{"ipv6 brackets", model.Destination{URL: "[::1]"}, "", "[::1]:514"},
		{"ipv6 port", model.Destination{URL: "[::1]:6514"}, "", "[::1]:6514"},
		{"tls ca", model.Destination{URL: "h:1", Network: "tls", CACert: ca, ServerName: "siem.example"}, "", "h:1"},
		{"empty", model.Destination{}, "url: required", ""},
		{"url", model.Destination{URL: "tcp://h:514"}, "url: want host:port", ""},
		{"path", model.Destination{URL: "h:514/x"}, "url: want host:port", ""},
		{"port 0", model.Destination{URL: "h:0"}, "url: port", ""},
		{"port big", model.Destination{URL: "h:70000"}, "url: port", ""},
		{"port name", model.Destination{URL: "h:syslog"}, "url: port", ""},
		{"bad host", model.Destination{URL: "h$x:1"}, "url:", ""},
		{"udp", model.Destination{URL: "h", Network: "udp"}, "network: udp is not supported", ""},
		{"network", model.Destination{URL: "h", Network: "relp"}, "network: want tcp or tls", ""},
		{"format", model.Destination{URL: "h", Format: "leef"}, "format: want rfc5424 or cef", ""},
		{"ca without tls", model.Destination{URL: "h", CACert: ca}, "ca_cert: only used with network tls", ""},
		{"bad ca", model.Destination{URL: "h", Network: "tls", CACert: "not pem"}, "ca_cert: no PEM certificate", ""},
		{"garbage ca", model.Destination{URL: "h", Network: "tls", CACert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "ca_cert: certificate 1", ""},
		{"huge ca", model.Destination{URL: "h", Network: "tls", CACert: strings.Repeat("x", 2<<20)}, "ca_cert: larger than", ""},
		{"server name without tls", model.Destination{URL: "h", ServerName: "x"}, "server_name: only used", ""},
		{"bad server name", model.Destination{URL: "h", Network: "tls", ServerName: "a b"}, "server_name: not a host name", ""},
		{"secret", model.Destination{URL: "h", Secret: "s3cret-value"}, "secret: syslog destinations take no secret", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			err := Kind.Validate(&d)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d.URL != tc.url || d.Format == "" || (d.Network != "tcp" && d.Network != "tls") {
					t.Errorf("filled %q %q %q, want url %q", d.URL, d.Network, d.Format, tc.url)
				}
				return
			}
			if err == nil || !errors.Is(err, dest.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret-value") {
				t.Error("error shows the secret")
			}
		})
	}
	if Kind.SecretRequired || Kind.MaxBatch != 200 || Kind.New == nil {
		t.Errorf("Kind = %+v", Kind)
	}
}

// FuzzMessage builds messages from arbitrary strings: each must be at
// most MaxMessageSize bytes, parse as RFC 5424 through octet-counted
// framing, and give back the sanitised values it was built from.
func FuzzMessage(f *testing.F) {
	f.Add("host", "user@example.com", "text", "rule", "email", "prev", "message", false, false)
	f.Add("h\x00st é", evilUser, evilText, evilRule, "a|b=c", evilPreview, "alert", true, false)
	f.Add("", "]\\\"", strings.Repeat("\xff", 9000), "\\", "=", "\n", "finding", false, true)
	f.Add("-", "", "", "", "", "", "", true, true)
	f.Fuzz(func(t *testing.T, host, user, text, rule, ftype, preview, typ string, cef, anon bool) {
		fm := &formatter{hostname: hostField(host), cef: cef, anonymous: anon, version: ftype, now: func() time.Time { return t0 }}
		ev := model.ForwardEvent{ID: "i-" + typ, Type: typ, Time: t0, UserEmail: user, MessageID: rule, Text: text,
			Findings: []model.ForwardFinding{{Type: ftype, Severity: model.SeverityHigh, Preview: preview}},
			Counts:   model.ForwardCounts{Findings: 1, ByType: map[string]int{ftype: 1}}}
		if typ == "alert" {
			ev.Alert = &model.Alert{RuleName: rule, MaxSeverity: model.SeverityLow}
		}
		s, err := fm.message(ev)
		if err != nil {
			t.Fatalf("message: %v", err)
		}
		// Only absurd ids (kept whole in the JSON) may overflow.
		if len(s) > MaxMessageSize && 6*(len(ev.ID)+len(typ)+len(rule)+len(user)) < 6000 {
			t.Fatalf("%d bytes", len(s))
		}
		msgs := parseFrames(t, appendFrame(nil, s))
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m := msgs[0]
		if str(m.Hostname) != hostField(host) || str(m.Appname) != "ccsync" || *m.Severity != 3 || !m.Timestamp.Equal(t0.Truncate(time.Microsecond)) {
			t.Fatalf("header: host %q app %q sev %d ts %v", str(m.Hostname), str(m.Appname), *m.Severity, m.Timestamp)
		}
		p := sd(m)
		if p["id"] != sdValue(ev.ID, sdIDMax) || p["severity"] != "high" {
			t.Fatalf("sd %v", p)
		}
		if anon {
			if _, ok := p["user"]; ok {
				t.Fatal("anonymous message has a user")
			}
		} else if user != "" && p["user"] != sdValue(user, sdValueMax) {
			t.Fatalf("user %q, want %q", p["user"], sdValue(user, sdValueMax))
		}
		body := str(m.Message)
		if cef {
			h, ext, err := parseCEF(body)
			if err != nil {
				if len(s) < MaxMessageSize-100 {
					t.Fatalf("CEF: %v\n%q", err, body)
				}
				return // a line cut at the budget may end mid-field
			}
			if h[3] != strings.Map(ctlSpace, strings.ToValidUTF8(ftype, "\uFFFD")) {
				t.Fatalf("CEF version %q, want %q", h[3], ftype)
			}
			if !anon && user != "" && ext["suser"] != cefExpect(cutUTF8(user, sdValueMax)) {
				t.Fatalf("suser %q, want %q", ext["suser"], user)
			}
			return
		}
		var back model.ForwardEvent
		if err := json.Unmarshal([]byte(body), &back); err != nil {
			t.Fatalf("MSG is not JSON: %v", err)
		}
		if back.ID != string([]rune(ev.ID)) || back.Type != string([]rune(ev.Type)) {
			t.Fatalf("id/type %q %q", back.ID, back.Type)
		}
		if anon {
			if back.Text != "" || back.UserEmail != "" || len(back.Findings) > 0 && back.Findings[0].Preview != "" {
				t.Fatal("anonymous JSON has content")
			}
		} else if want := string([]rune(text)); back.Text != want && !strings.HasSuffix(back.Text, cutMark) {
			t.Fatalf("text changed without a cut mark")
		} else if !utf8.ValidString(back.Text) {
			t.Fatal("text is not UTF-8")
		}
	})
}

func ctlSpace(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return ' '
	}
	return r
}

// cefExpect is what a CEF value reads as after escaping and unescaping:
// CR and LF survive, other control characters become spaces.
func cefExpect(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return r
		}
		return ctlSpace(r)
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// FuzzJSONPrefix: jsonPrefix agrees with encoding/json on what fits.
func FuzzJSONPrefix(f *testing.F) {
	f.Add("plain", 3)
	f.Add("\xff<é>\"\n\b\f\t\x01\u2028\u2029\\&", 17)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % (len(s)*6 + 2)
		if max < 0 {
			max = -max
		}
		p := jsonPrefix(s, max)
		if !strings.HasPrefix(s, p) {
			t.Fatal("not a prefix")
		}
		if n := len(encodeJSON(p)) - 2; n > max {
			t.Fatalf("prefix encodes to %d bytes > %d", n, max)
		}
		if p != s {
			_, size := utf8.DecodeRuneInString(s[len(p):])
			if n := len(encodeJSON(s[:len(p)+size])) - 2; n <= max {
				t.Fatalf("one more rune (%d bytes encoded) would fit %d", n, max)
			}
		}
	})
}
