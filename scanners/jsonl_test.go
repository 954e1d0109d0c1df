package scanners

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestScanJSONLGolden pins the --jsonl wire format: one output line per input
// line, findings with byte offsets into the decoded text, and error lines for
// malformed input that do not stop the run.
func TestScanJSONLGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/scan_input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := ScanJSONL(context.Background(), Default(), bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/scan_output.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, out.String())
	}
	inLines := strings.Count(string(in), "\n") + 1 // the last line has no newline
	if got := strings.Count(out.String(), "\n"); got != inLines {
		t.Errorf("%d output lines for %d input lines", got, inLines)
	}
}

func TestScanJSONLErrorsDoNotLeakInput(t *testing.T) {
	secret := "sk-ant-api03-" + strings.Repeat("Ab3x", 24)
	in := `{"text": "` + secret + `" oops}` + "\n" + `{"text": ["` + secret + `"]}` + "\n"
	var out bytes.Buffer
	if err := ScanJSONL(context.Background(), Default(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Ab3x") || strings.Count(out.String(), `{"error":`) != 2 {
		t.Errorf("error lines quote the input or are missing:\n%s", out.String())
	}
}

func TestScanJSONLLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	long := `{"text": "` + strings.Repeat("a", MaxJSONLLine) + `"}`
	in := long + "\n" + `{"text": "x@acme-corp.com"}` + "\n"
	var out bytes.Buffer
	if err := ScanJSONL(context.Background(), Default(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "line 1: longer than") || !strings.Contains(lines[1], `"type":"email"`) {
		t.Errorf("got %q", lines)
	}
}

func TestScanJSONLCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ScanJSONL(ctx, Default(), strings.NewReader(`{"text":"a"}`+"\n"), &bytes.Buffer{})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
