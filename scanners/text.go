package scanners

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Plain-text scanning streams its input in windows so that memory stays
// bounded on large files. Windows overlap so that a finding straddling a
// window edge is seen whole in the next window, and keep some context before
// the edge for detectors that look backwards (SSN context words, AWS keys).
const (
	textWindow  = 1 << 20
	textOverlap = maxPEM + 16<<10 // longer than any built-in finding
	textContext = 1 << 10
)

// TextFinding is a finding in a plain-text stream: byte offsets are from the
// start of the stream; Line and Col (1-based, Col in bytes) locate Start.
type TextFinding struct {
	Finding
	Line, Col int
}

// ScanText scans r as UTF-8 text and calls emit for each finding in order.
func ScanText(ctx context.Context, s Scanner, r io.Reader, emit func(TextFinding) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	buf := make([]byte, 0, textWindow+textOverlap)
	base := 0     // stream offset of buf[0]
	reported := 0 // findings starting before this stream offset were handled
	line, lineStart, counted := 1, 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(br, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("read at byte %d: %w", base+len(buf), err)
		}
		text := string(buf)
		claim := len(text)
		if !eof {
			claim = len(text) - textOverlap
		}
		for _, f := range s.Scan(text) {
			abs := base + f.Start
			if abs < reported || f.Start >= claim {
				continue
			}
			// Advance the line counter to the finding.
			for ; counted < abs; counted++ {
				if text[counted-base] == '\n' {
					line++
					lineStart = counted + 1
				}
			}
			f.Start, f.End = abs, base+f.End
			if err := emit(TextFinding{Finding: f, Line: line, Col: abs - lineStart + 1}); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
		// Count newlines up to the claim edge, then slide the window.
		for ; counted < base+claim; counted++ {
			if text[counted-base] == '\n' {
				line++
				lineStart = counted + 1
			}
		}
		reported = base + claim
		keep := claim - textContext
		copy(buf, buf[keep:])
		buf = buf[:len(buf)-keep]
		base += keep
	}
}

// FormatTextFinding renders a finding for `ccsync scan` output:
// NAME:LINE:COL: SEVERITY TYPE RULE PREVIEW (bytes START-END).
func FormatTextFinding(name string, f TextFinding) string {
	return fmt.Sprintf("%s:%d:%d: %s %s %s %s (bytes %d-%d)", name, f.Line, f.Col, f.Severity, f.Type, f.Rule,
		strings.ReplaceAll(f.Preview, "\n", " "), f.Start, f.End)
}
