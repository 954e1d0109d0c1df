package scanners

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	json "github.com/goccy/go-json"
)

// MaxJSONLLine bounds one input line of ScanJSONL; longer lines get an
// error line and are skipped, so one bad record cannot exhaust memory.
const MaxJSONLLine = 64 << 20

// jsonlFinding is the wire form of a finding in `ccsync scan --jsonl`, with
// the fields in the order the issue specifies. The preview is left out: the
// output goes to files and pipes where even a masked value is not needed.
type jsonlFinding struct {
	Type     string `json:"type"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	// Attrs qualify the finding: "test-number", "checksum-invalid", "obfuscated".
	Attrs []string `json:"attrs,omitempty"`
}

type jsonlResult struct {
	Findings []jsonlFinding `json:"findings"`
}

type jsonlError struct {
	Error string `json:"error"`
}

type jsonlInput struct {
	Text *string `json:"text"`
}

// ScanJSONL reads one JSON object per line with a "text" string field and
// writes exactly one line per input line: {"findings":[…]} with byte offsets
// into text, or {"error":"…"} for a line that is not such an object. Bad
// lines do not stop the run; only I/O errors and ctx do.
func ScanJSONL(ctx context.Context, s Scanner, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var tooLong bool
		var err error
		var raw int
		line, raw, tooLong, err = readLine(br, line[:0])
		if err == io.EOF && raw == 0 {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		var out []byte
		if tooLong {
			out, _ = json.Marshal(jsonlError{Error: fmt.Sprintf("line %d: longer than %d bytes", n, MaxJSONLLine)})
		} else {
			out = scanJSONLLine(s, n, line)
		}
		bw.Write(out)
		bw.WriteByte('\n')
		// Flush when no more input is buffered, so interactive and piped
		// use sees each result promptly without a syscall per line in bulk.
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// readLine appends the next line (without its line ending) to buf and
// reports how many bytes it consumed. A line over MaxJSONLLine is consumed
// but not returned.
func readLine(br *bufio.Reader, buf []byte) (line []byte, raw int, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		raw += len(chunk)
		if !tooLong {
			if len(buf)+len(chunk) > MaxJSONLLine+2 {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, raw, tooLong, err
	}
}

func scanJSONLLine(s Scanner, n int, line []byte) []byte {
	fail := func(format string, args ...any) []byte {
		out, _ := json.Marshal(jsonlError{Error: fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, args...)})
		return out
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return fail("empty line")
	}
	var in jsonlInput
	if err := json.Unmarshal(line, &in); err != nil {
		// The decoder's message can quote the input, which may hold a
		// secret; report only where the problem is.
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fail("invalid JSON near byte offset %d", syn.Offset)
		case errors.As(err, &typ):
			if typ.Field == "text" {
				return fail(`field "text" is %s, want a string`, typ.Value)
			}
			return fail("want a JSON object with a \"text\" string, got %s", typ.Value)
		}
		return fail("invalid JSON")
	}
	if in.Text == nil {
		return fail(`missing "text" string field`)
	}
	fs := s.Scan(*in.Text)
	res := jsonlResult{Findings: make([]jsonlFinding, len(fs))}
	for k, f := range fs {
		res.Findings[k] = jsonlFinding{Type: f.Type, Start: f.Start, End: f.End, Severity: string(f.Severity), Rule: f.Rule, Attrs: f.Attrs}
	}
	out, err := json.Marshal(res)
	if err != nil {
		return fail("encode result: %v", err)
	}
	return out
}
