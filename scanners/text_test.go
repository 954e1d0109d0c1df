package scanners

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// TestScanTextMatchesWholeScan streams a text several windows long, with
// findings planted across each window edge, and checks the streamed findings
// (offsets, lines, columns) equal those of scanning the whole text at once.
func TestScanTextMatchesWholeScan(t *testing.T) {
	msgs, _ := genChat(t, 3*textWindow, 64<<10)
	var b strings.Builder
	pem := ""
	for _, c := range loadCorpus(t) {
		if c.Note == "rsa in code block" {
			pem = c.Want[0].Value
		}
	}
	for _, m := range msgs {
		// Plant a multi-kilobyte key and a short one on both sides of every edge.
		if edge := (b.Len()/textWindow + 1) * textWindow; b.Len()+len(m) > edge-len(pem)/2 && b.Len() < edge-len(pem)/2 {
			b.WriteString(strings.Repeat("x ", (edge-len(pem)/2-b.Len())/2))
			b.WriteString(pem + "\nmail ana@acme-corp.com\n")
		}
		b.WriteString(m)
		b.WriteByte('\n')
	}
	text := b.String()
	want := Default().Scan(text)
	var got []TextFinding
	// HalfReader makes reads short, as pipes do.
	err := ScanText(context.Background(), Default(), iotest.HalfReader(strings.NewReader(text)), func(f TextFinding) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("streamed %d findings, whole-text scan %d", len(got), len(want))
	}
	pems := 0
	for k, f := range got {
		if !reflect.DeepEqual(f.Finding, want[k]) {
			t.Fatalf("finding %d: streamed %+v, whole %+v", k, f.Finding, want[k])
		}
		line := strings.Count(text[:f.Start], "\n") + 1
		col := f.Start - (strings.LastIndexByte(text[:f.Start], '\n') + 1) + 1
		if f.Line != line || f.Col != col {
			t.Fatalf("finding %d at %d:%d, want %d:%d", k, f.Line, f.Col, line, col)
		}
		if f.Type == "private_key" {
			pems++
		}
	}
	if pems < 2 {
		t.Errorf("only %d keys planted across window edges", pems)
	}
}

func TestScanTextErrors(t *testing.T) {
	boom := errors.New("boom")
	err := ScanText(context.Background(), Default(), iotest.ErrReader(boom), func(TextFinding) error { return nil })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "byte 0") {
		t.Errorf("read error = %v", err)
	}
	err = ScanText(context.Background(), Default(), strings.NewReader("a@acme-corp.com"), func(TextFinding) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("emit error = %v", err)
	}
}

func TestFormatTextFinding(t *testing.T) {
	f := TextFinding{Finding: Finding{Type: "email", Severity: "medium", Rule: "email", Start: 8, End: 25,
		Preview: "a•••@acme-corp.com"}, Line: 1, Col: 9}
	want := "in.txt:1:9: medium email email a•••@acme-corp.com (bytes 8-25)"
	if got := FormatTextFinding("in.txt", f); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestContainsFold checks the jumping search against the plain definition
// on texts with the needle's first byte in both cases, at both ends.
func TestContainsFold(t *testing.T) {
	plain := func(s, needle string) bool {
		for i := 0; i+len(needle) <= len(s); i++ {
			if hasPrefixFold(s[i:], needle) {
				return true
			}
		}
		return false
	}
	texts := []string{"", "e", "E", "example", "EXAMPLE", "xEXAMPLx", "eeeeEEEexample", "EeEeExAmPlE!", "exampl", "ex ample",
		"YOUR_KEY", "yoyoyour", "1234567", "x1234567", "12345678", "abc"}
	for _, s := range texts {
		for _, n := range []string{"example", "your", "1234567", "e", "xxxx"} {
			if got, want := containsFold(s, n), plain(s, n); got != want {
				t.Errorf("containsFold(%q, %q) = %v, want %v", s, n, got, want)
			}
		}
	}
}
