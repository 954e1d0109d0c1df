package scanners

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// FuzzScan checks that no input panics and that every finding is a
// well-formed span: inside the text, ordered, non-overlapping, and, for valid
// UTF-8 input, on rune boundaries. Its seed corpus (the labelled corpus plus
// edge cases) runs in plain `go test`.
//
//	go test ./scanners -run '^$' -fuzz FuzzScan -fuzztime 60s
func FuzzScan(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.Text)
	}
	for _, s := range []string{
		"", "@", "a@", "@b.c", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----", "eyJ", "eyJ.eyJ.", "AKIA",
		"sk-ant-", "ghp_", "Bearer ", "Bearer", "password=", "token:", "+", "+1", "(", "(415) 555-", "1.2.3.",
		"4111 1111 1111 111", "\xff@\xfe.com", "é@é.é", "a@b.cé", "x://u:p@", "x://u:p@h", "AccountKey=",
		"LS0tLS1CRUdJTi", "https://hooks.slack.com/services/", "aws_secret_access_key=", strings.Repeat("=", 100),
		strings.Repeat("a@", 50) + "b.com", "\\n\\n-----BEGIN PRIVATE KEY-----\\nMII\\n-----END PRIVATE KEY-----",
		"key: \"abc\\\"def\"", "123-45-678", "+1 (", "10.0.0.1.", "user@例子.中国\xe4",
		// Evasion: spans found in the cleaned copy must be valid in the original.
		"AKIA\u200bQ2LXR7MZTB4KW6NE", "\u202eEN6WK4BTZM7RXL2QAIKA\u202c", "\u202eEN6WK4BTZM7RXL2QAIKA",
		"\uff21\uff2b\uff29\uff21Q2LXR7MZTB4KW6NE", "&#65;&#x4B;&#73&#x41Q2LXR7MZTB4KW6NE", "&#", "&#x", "&#1114112;",
		"\u00ad\ufeff\u2060\u2066\u2069\u202a\u202e\u202c", "\u202e\xe2\x80", "&#8203;&#xFEFF;&#x202E;ab",
		"ZXlK", "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4SW4wLg==", "PuTTY-User-Key-File-3: x\nPrivate-Lines: 2\nAAAA",
		"AGE-SECRET-KEY-1", "a\u200b@b.com", "\u202e" + strings.Repeat("x@y.com ", 8), "\xef\xbc", "\xc2", "\u202eé\xffa\u200b",
	} {
		f.Add(s)
	}
	eng, err := New(Config{Rules: []RuleConfig{{Name: "emp", Type: "employee_id", Severity: "low", Regex: `EMP-\d{4}`}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range []*Engine{defaultEngine, eng} {
			fs, sup := e.ScanVerbose(text)
			checkSpans(t, text, fs)
			for _, s := range sup {
				if s.Start < 0 || s.End > len(text) || s.Start >= s.End || s.By == "" {
					t.Fatalf("bad suppressed candidate %+v in %q", s, text)
				}
			}
			if again := e.Scan(text); len(again) != len(fs) {
				t.Fatalf("Scan and ScanVerbose disagree: %d vs %d findings", len(again), len(fs))
			}
		}
	})
}

func checkSpans(t *testing.T, text string, fs []model.Finding) {
	t.Helper()
	valid := utf8.ValidString(text)
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.Start >= f.End || f.End > len(text) {
			t.Fatalf("span %d-%d out of order or bounds (prev end %d, len %d) in %q", f.Start, f.End, prev, len(text), text)
		}
		prev = f.End
		if valid && (!utf8.ValidString(text[:f.Start]) || !utf8.ValidString(text[f.Start:f.End])) {
			t.Fatalf("span %d-%d splits a rune in %q", f.Start, f.End, text)
		}
		if !utf8.ValidString(f.Preview) {
			t.Fatalf("preview %q is not UTF-8", f.Preview)
		}
	}
}

// FuzzScanJSONL checks the --jsonl contract on arbitrary input: exactly one
// output line per input line, each a JSON object with either findings whose
// spans lie inside the line's text, or an error.
func FuzzScanJSONL(f *testing.F) {
	seed, err := os.ReadFile("testdata/scan_input.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	for _, s := range []string{"", "\n", "\r\n", "{}", `{"text":""}`, `{"text":"a@acme-corp.com"}` + "\n\n", "\x00\n\xff", `{"text":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		if err := ScanJSONL(context.Background(), defaultEngine, strings.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		inLines := strings.Split(in, "\n")
		if strings.HasSuffix(in, "\n") {
			inLines = inLines[:len(inLines)-1]
		}
		outLines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if in == "" {
			inLines, outLines = nil, nil
		}
		if len(outLines) != len(inLines) {
			t.Fatalf("%d output lines for %d input lines", len(outLines), len(inLines))
		}
		for k, l := range outLines {
			var res struct {
				Findings []struct{ Start, End int } `json:"findings"`
				Error    *string                    `json:"error"`
			}
			if err := json.Unmarshal([]byte(l), &res); err != nil || (res.Error == nil) == (res.Findings == nil) {
				t.Fatalf("line %d: bad output %q (%v)", k+1, l, err)
			}
		}
	})
}
