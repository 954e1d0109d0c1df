package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/dest/desttest"
	"github.com/ccsync/ccsync/model"
)

const token = "Xk3secretTokenPart9aa"

func hookURL(base string) string { return base + "/services/T00000000/B00000000/" + token }

func testCase() desttest.Case {
	return desttest.Case{
		Kind: Kind,
		Dest: func(base string) model.Destination {
			return model.Destination{Kind: model.DestSlack, Secret: hookURL(base)}
		},
		Secrets: []string{token, "/services/T00000000/B00000000/"},
		OK: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("ok"))
		},
	}
}

func TestCommon(t *testing.T) { desttest.RunCommon(t, testCase()) }

// allowed are the only <…> constructs a message may hold: ccsync's own
// date tokens and the "View in ccsync" link. Anything else came from
// content and was not escaped.
var allowed = regexp.MustCompile(`<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC>|<https?://[^|<>\s]+\|View in ccsync>`)

// checkMessage decodes a webhook body strictly and checks Slack's limits
// and that no content escaped its escaping.
func checkMessage(t *testing.T, body []byte) Message {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m Message
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("slack body: %v\n%s", err, body)
	}
	if m.Text == "" || len(m.Blocks) == 0 || len(m.Blocks) > MaxBlocks {
		t.Fatalf("text %q, %d blocks", m.Text, len(m.Blocks))
	}
	texts := []string{m.Text}
	for _, b := range m.Blocks {
		switch b.Type {
		case "section":
			if b.Text == nil || b.Text.Type != "mrkdwn" || len(b.Elements) != 0 {
				t.Fatalf("bad section %+v", b)
			}
			texts = append(texts, b.Text.Text)
		case "context":
			if b.Text != nil || len(b.Elements) == 0 || len(b.Elements) > 10 {
				t.Fatalf("bad context %+v", b)
			}
			for _, e := range b.Elements {
				texts = append(texts, e.Text)
			}
		default:
			t.Fatalf("unexpected block type %q", b.Type)
		}
	}
	for _, s := range texts {
		if len([]rune(s)) > MaxSectionText {
			t.Errorf("text of %d characters", len([]rune(s)))
		}
		checkInert(t, s)
	}
	return m
}

// checkInert fails when s holds a Slack control sequence ccsync did not
// write, or an & that is not one of the three entities.
func checkInert(t testing.TB, s string) {
	t.Helper()
	rest := allowed.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("unescaped < or > in %q", s)
	}
	for i := strings.IndexByte(rest, '&'); i >= 0; i = strings.IndexByte(rest, '&') {
		r := rest[i:]
		if !strings.HasPrefix(r, "&amp;") && !strings.HasPrefix(r, "&lt;") && !strings.HasPrefix(r, "&gt;") {
			t.Errorf("bare & in %q", s)
			return
		}
		rest = rest[i+1:]
	}
}

func TestWireFormat(t *testing.T) {
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/services/T00000000/B00000000/"+token ||
			req.Header.Get("Content-Type") != "application/json" || req.Header.Get("User-Agent") != "ccsync" {
			http.Error(w, "invalid_payload", 400)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	s := desttest.NewSender(t, testCase(), r.URL)
	events := desttest.Events()
	if err := s.Send(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	body := r.Bodies()[0]
	m := checkMessage(t, body)
	if len(m.Blocks) != 1+2*len(events) {
		t.Fatalf("%d blocks for %d events", len(m.Blocks), len(events))
	}
	all := m.Text
	for _, b := range m.Blocks {
		if b.Text != nil {
			all += "\n" + b.Text.Text
		}
		for _, e := range b.Elements {
			all += "\n" + e.Text
		}
	}
	for _, want := range []string{
		"alice.planted@example.com",                 // user
		"planted-product · claude-planted-model",    // product/model
		"aws_access_key ×1",                         // types with counts
		"CRITICAL",                                  // severity
		"AKIA****PLNT &lt;!channel&gt;",             // masked preview, escaped
		"&lt;https://evil.example/x|click here&gt;", // disguised link, escaped
		"Alert: Planted rule &lt;!channel&gt;",      // alert rule name
		"folded in",                                 // suppressed count
		"|View in ccsync>",                          // link
		"m=msg-planted-1&amp;x=1%7Cevil%3E",         // link URL re-encoded
	} {
		if !strings.Contains(all, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	if strings.Contains(all, "<!channel>") || strings.Contains(all, "<https://evil") {
		t.Errorf("hostile content survived:\n%s", all)
	}
}

// TestRender checks the rendering of each event type and of a full batch.
func TestRender(t *testing.T) {
	events := desttest.Events()
	t.Run("alert", func(t *testing.T) {
		m := Render(events[2:])
		sec := m.Blocks[0].Text.Text
		for _, want := range []string{"*Alert: Planted rule &lt;!channel&gt;*", ":red_circle: *CRITICAL*", "User: alice.planted@example.com",
			"*3 findings*: aws_access_key ×1, email ×1, openai_key ×1", "Also 2 matching findings folded in"} {
			if !strings.Contains(sec, want) {
				t.Errorf("alert section lacks %q:\n%s", want, sec)
			}
		}
		checkInert(t, sec)
		if !strings.HasPrefix(m.Text, "ccsync: :rotating_light: *Alert: Planted rule &lt;!channel&gt;*") {
			t.Errorf("fallback text %q", m.Text)
		}
	})
	t.Run("conversation group", func(t *testing.T) {
		e := events[2]
		a := *e.Alert
		a.GroupBy = model.AlertGroupConversation
		e.Alert = &a
		sec := Render([]model.ForwardEvent{e}).Blocks[0].Text.Text
		if !strings.Contains(sec, "Conversation: Planted title &lt;https://evil.example/x|click here&gt; \"quoted\"  ctl") {
			t.Errorf("conversation alert:\n%s", sec)
		}
	})
	t.Run("full batch", func(t *testing.T) {
		batch := make([]model.ForwardEvent, Kind.MaxBatch)
		for i := range batch {
			batch[i] = events[i%3]
			batch[i].Findings = append([]model.ForwardFinding(nil), batch[i].Findings...)
			for j := range 30 {
				batch[i].Findings = append(batch[i].Findings, model.ForwardFinding{Type: "t", Severity: "low",
					Preview: strings.Repeat("<&>", 200) + string(rune('a'+j))})
			}
		}
		m := Render(batch)
		if len(m.Blocks) > MaxBlocks || len(m.Blocks) != 1+2*len(batch) {
			t.Fatalf("%d blocks", len(m.Blocks))
		}
		b, _ := json.Marshal(m)
		checkMessage(t, b)
		if !strings.Contains(m.Blocks[0].Text.Text, "20 events: 6 alerts, 7 findings, 7 messages") {
			t.Errorf("summary %q", m.Blocks[0].Text.Text)
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		var anon []model.ForwardEvent
		for _, e := range events {
			anon = append(anon, dest.Anonymize(e))
		}
		m := Render(anon)
		b, _ := json.Marshal(m)
		checkMessage(t, b)
		if strings.Contains(string(b), "View in ccsync") || strings.Contains(string(b), "User:") {
			t.Errorf("anonymous message identifies: %s", b)
		}
		if !strings.Contains(m.Blocks[1].Text.Text, "*3 findings*: aws_access_key ×1") {
			t.Errorf("anonymous message lacks counts: %s", m.Blocks[1].Text.Text)
		}
	})
}

func TestEscape(t *testing.T) {
	cases := map[string]string{
		"<!channel>":           "&lt;!channel&gt;",
		"<@U123>":              "&lt;@U123&gt;",
		"<https://evil|click>": "&lt;https://evil|click&gt;",
		"&lt;!here&gt;":        "&amp;lt;!here&amp;gt;",
		"a\nb\x00c\u2028d":     "a b c d",
		"ok *bold* _it_":       "ok *bold* _it_",
		"\xff<":                "\uFFFD&lt;",
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Code("a`<b>`", 50); got != "`aˋ&lt;b&gt;ˋ`" {
		t.Errorf("Code = %q", got)
	}
	if got := Field(strings.Repeat("é", 10), 4); got != "ééé…" {
		t.Errorf("Field = %q", got)
	}
	for _, c := range []struct{ in, want string }{
		{"https://c.example/c/1?m=2&x=3", "<https://c.example/c/1?m=2&amp;x=3|L>"},
		{"https://c.example/a|b>c<d e", "<https://c.example/a%7Cb%3Ec%3Cd%20e|L>"},
		{"javascript:alert(1)", ""},
		{"/relative", ""},
		{"https://u:p@c.example/", ""},
	} {
		if got := Link(c.in, "L"); got != c.want {
			t.Errorf("Link(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBound(t *testing.T) {
	s := strings.Repeat("ab&amp;", 10) + "<https://x.example|View in ccsync>"
	for n := 5; n < len(s); n++ {
		got := bound(s, n)
		if len(got) > n {
			t.Fatalf("bound(%d) gave %d bytes", n, len(got))
		}
		checkInert(t, got)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		d     model.Destination
		field string
	}{
		{"slack", model.Destination{Secret: "https://hooks.slack.com/services/T0/B0/" + token}, ""},
		{"other https", model.Destination{Secret: "https://chat.example.com/hooks/" + token}, ""},
		{"loopback http", model.Destination{Secret: "http://127.0.0.1:9/x"}, ""},
		{"localhost http", model.Destination{Secret: "http://localhost:9/x"}, ""},
		{"keeps saved", model.Destination{}, ""},
		{"url set", model.Destination{URL: "https://hooks.slack.com/services/T0/B0/" + token}, "url"},
		{"plain http", model.Destination{Secret: "http://hooks.slack.com/services/T0/B0/" + token}, "secret"},
		{"not a url", model.Destination{Secret: "hooks.slack.com/services/" + token}, "secret"},
		{"garbage", model.Destination{Secret: "%zz" + token}, "secret"},
		{"ftp", model.Destination{Secret: "ftp://hooks.slack.com/" + token}, "secret"},
		{"userinfo", model.Destination{Secret: "https://a:b@hooks.slack.com/" + token}, "secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Kind.Validate(&c.d)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, dest.ErrInvalid) || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("want ErrInvalid naming %s, got %v", c.field, err)
			}
			if strings.Contains(err.Error(), token) {
				t.Fatalf("error shows the webhook URL: %v", err)
			}
		})
	}
	if _, err := Kind.New(dest.Config{}); !errors.Is(err, dest.ErrInvalid) || strings.Contains(err.Error(), token) {
		t.Fatalf("New without a URL: %v", err)
	}
}

// FuzzRender puts arbitrary content in every content field of an event
// and checks the message stays within Slack's limits and inert.
func FuzzRender(f *testing.F) {
	f.Add("<!channel>", "<https://evil|x>", "&lt;", "`code`", "https://c.example/?a=1|b>")
	f.Add(strings.Repeat("&", 5000), strings.Repeat("<", 3000), "\xff\xfe", "\u2028", "")
	f.Fuzz(func(t *testing.T, name, title, preview, rule, link string) {
		e := desttest.Events()[2]
		e.UserEmail, e.UserName, e.Title, e.Link, e.Model, e.Product = name, name, title, link, rule, preview
		e.Findings = []model.ForwardFinding{{Type: rule, Severity: model.Severity(name), Preview: preview}, {Type: preview, Preview: title}}
		e.Counts.ByType = map[string]int{rule: 1, preview: 2}
		a := *e.Alert
		a.RuleName, a.Group, a.ByType = rule, title, nil
		e.Alert = &a
		b, err := json.Marshal(Render([]model.ForwardEvent{e, e}))
		if err != nil {
			t.Fatal(err)
		}
		checkMessage(t, b)
	})
}
