package evaluation

import (
	"testing"

	"github.com/ccsync/ccsync/model"
)

// The report entries below have the line and column numbers gitleaks
// v8.30.1 printed for these texts (checked with the release build): columns
// count bytes, from 1 on the first line but from the previous newline on
// later lines, so a match at a later line's first byte is column 2. The
// "trimmed match" entry is made up, since no default rule was seen to match
// a leading newline; the others are what the release build reported.
func TestGitleaksSpan(t *testing.T) {
	const key = "AKIAQWERTYUIOPASDFGH"
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvJ8zqJvQ3mKcR3yT7Hq2uN1mLp\n-----END RSA PRIVATE KEY-----"
	cases := []struct {
		name, text string
		f          GitleaksFinding
		want       string // the text at the span
		how        string
	}{
		{"first line, first byte", key + " at start\n",
			GitleaksFinding{RuleID: "aws-access-token", StartLine: 1, EndLine: 1, StartColumn: 1, EndColumn: 20, Match: key, Secret: key}, key, SpanExact},
		{"second line", "line one\nkey: " + key + " here\n",
			GitleaksFinding{RuleID: "aws-access-token", StartLine: 2, EndLine: 2, StartColumn: 7, EndColumn: 26, Match: key, Secret: key}, key, SpanExact},
		{"bytes, not runes", "héllo wörld\nxx ünï " + key,
			GitleaksFinding{RuleID: "aws-access-token", StartLine: 2, EndLine: 2, StartColumn: 11, EndColumn: 30, Match: key, Secret: key}, key, SpanExact},
		{"multi-line", "some text\n" + pem + "\nbye\n",
			GitleaksFinding{RuleID: "private-key", StartLine: 2, EndLine: 4, StartColumn: 2, EndColumn: 30, Match: pem, Secret: pem}, pem, SpanExact},
		{"multi-line, to the end of a file without a final newline", "some text\n" + pem,
			GitleaksFinding{RuleID: "private-key", StartLine: 2, EndLine: 2, StartColumn: 2, EndColumn: 0, Match: pem, Secret: pem}, pem, SpanExact},
		{"secret group inside the match", `x = 1` + "\n" + `api_key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"`,
			GitleaksFinding{RuleID: "generic-api-key", StartLine: 2, EndLine: 2, StartColumn: 2, EndColumn: 45,
				Match: `api_key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"`, Secret: "9f8e7d6c5b4a39281706f5e4d3c2b1a0"},
			"9f8e7d6c5b4a39281706f5e4d3c2b1a0", SpanExact},
		// gitleaks trims a leading newline off a match without moving its
		// start: the columns point one byte early.
		{"trimmed match", "a\n" + key + "\n",
			GitleaksFinding{RuleID: "aws-access-token", StartLine: 1, EndLine: 2, StartColumn: 2, EndColumn: 20, Match: key, Secret: key}, key, SpanSearched},
		// A match in decoded base64 is not in the text: the columns give
		// the encoded span.
		{"decoded", "token: QUtJQVFXRVJUWVVJT1BBU0RGR0g=\n",
			GitleaksFinding{RuleID: "aws-access-token", StartLine: 1, EndLine: 1, StartColumn: 8, EndColumn: 35, Match: key, Secret: key, Tags: []string{"decoded:base64"}},
			"QUtJQVFXRVJUWVVJT1BBU0RGR0g=", SpanColumns},
	}
	for _, c := range cases {
		s, e, how, err := GitleaksSpan(c.text, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := c.text[s:e]; got != c.want || how != c.how {
			t.Errorf("%s: span %d-%d %q (%s), want %q (%s)", c.name, s, e, got, how, c.want, c.how)
		}
	}
	bad := []GitleaksFinding{
		{RuleID: "x", StartLine: 3, EndLine: 3, StartColumn: 1, EndColumn: 2},
		{RuleID: "x", StartLine: 1, EndLine: 1, StartColumn: 1, EndColumn: 99},
		{RuleID: "x", StartLine: 2, EndLine: 2, StartColumn: 2, EndColumn: 0, Match: "not there"},
		{RuleID: "x", StartLine: 0, EndLine: 1, StartColumn: 1, EndColumn: 2},
	}
	for _, f := range bad {
		if _, _, _, err := GitleaksSpan("one\ntwo", f); err == nil {
			t.Errorf("%+v: no error for a span outside the text", f)
		}
	}
}

func TestGitleaksType(t *testing.T) {
	for rule, want := range map[string]string{
		"aws-access-token": "aws_access_key", "private-key": "private_key", "jwt": "jwt", "jwt-base64": "jwt",
		"github-pat": "api_key", "generic-api-key": "api_key", "slack-webhook-url": "api_key",
	} {
		if got := GitleaksType(rule); got != want {
			t.Errorf("%s: %s, want %s", rule, got, want)
		}
	}
}

func TestMapGitleaks(t *testing.T) {
	const key = "AKIAQWERTYUIOPASDFGH"
	msgs := []Message{
		{Text: "no secret here"},
		{Text: "id " + key + " and a token", Want: []Label{{Type: "aws_access_key", Start: 3, End: 23}}},
	}
	if GitleaksFileName(1) != "msg-00002.txt" {
		t.Fatalf("file name %s", GitleaksFileName(1))
	}
	report := []GitleaksFinding{{RuleID: "aws-access-token", File: "/tmp/x/msgs/msg-00002.txt", StartLine: 1, EndLine: 1, StartColumn: 4, EndColumn: 23, Match: key, Secret: key}}
	m, err := MapGitleaks(msgs, report)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Finding{Type: "aws_access_key", Rule: "gitleaks:aws-access-token", Start: 3, End: 23, Preview: key}
	if len(m.Findings[0]) != 0 || len(m.Findings[1]) != 1 || m.Findings[1][0].Type != want.Type || m.Findings[1][0].Start != 3 || m.Findings[1][0].End != 23 {
		t.Fatalf("mapped %+v", m.Findings)
	}
	for _, f := range []string{"/tmp/x/msg-00003.txt", "/tmp/x/other.txt", "msg-2.txt"} {
		if _, err := MapGitleaks(msgs, []GitleaksFinding{{RuleID: "x", File: f, StartLine: 1, EndLine: 1, StartColumn: 1, EndColumn: 2}}); err == nil {
			t.Errorf("%s: no error", f)
		}
	}
}

// The type-blind pooled row counts a secret finding of the wrong type on a
// secret label; the typed rows do not.
func TestAnySecretRow(t *testing.T) {
	msgs := []Message{{Text: "sk_live_0123456789abcdefghij and me@example.com", Want: []Label{
		{Type: "aws_secret_key", Start: 8, End: 28}, {Type: "email", Start: 33, End: 47},
	}}}
	rec := fixed{{Type: "api_key", Start: 0, End: 28}, {Type: "email", Start: 33, End: 47}, {Type: "jwt", Start: 29, End: 32}}
	rep := Score(rec, msgs)
	all, _ := rep.Row("all secrets")
	if all.Found != 0 || all.TruePos != 0 || all.Findings != 2 {
		t.Errorf("all secrets %+v", all)
	}
	a := rep.AnySecret
	if a.Labels != 1 || a.Found != 1 || a.Findings != 2 || a.TruePos != 1 {
		t.Errorf("any type %+v", a)
	}
}

type fixed []model.Finding

func (f fixed) Scan(string) []model.Finding { return f }
