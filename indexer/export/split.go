package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// splitter yields the elements of a top-level JSON array one at a time, so a
// file of any size is read with one record in memory.
//
// It only tracks strings and brackets; the full syntax of an element is left
// to the JSON decoder. That is what makes damage survivable: a record with a
// bad field, an oversized string or absurd nesting is reported as one bad
// element and the splitter carries on with the next, which a streaming JSON
// decoder (goccy's or encoding/json's) cannot do once it has failed.
type splitter struct {
	r       io.Reader
	buf     []byte
	pos     int   // next unread byte in buf
	end     int   // end of valid data in buf
	base    int64 // file offset of buf[0]
	eof     bool
	readErr error

	maxRecord int // bytes; a larger element is skipped, not buffered
	maxDepth  int

	state int   // stateStart, stateInArray, stateDone
	index int   // index of the next element
	start int64 // file offset of the element being scanned
	rec   []byte
	stack []byte // open brackets of the element being scanned, up to maxDepth
}

const (
	stateStart = iota
	stateInArray
	stateDone
)

// element is one member of the array. Data is only valid until the next call
// to Next and is nil when Err is set.
type element struct {
	Index  int
	Offset int64 // file offset of the element's first byte
	End    int64 // file offset just past its last byte
	Data   []byte
	UUID   string // value of the element's top-level "uuid" key, when seen
	Kind   byte   // first byte: '{', '[', '"', a digit, '-', 't', 'f' or 'n'
	Err    error  // why the element cannot be decoded; the stream goes on
}

// streamError ends the stream: the file is truncated, is not an array, or has
// junk between elements, so nothing after Offset can be trusted.
type streamError struct {
	Offset int64
	Index  int    // element being read, or -1 outside any element
	Start  int64  // file offset where that element starts
	UUID   string // of that element, when seen before the damage
	Msg    string
}

func (e *streamError) Error() string { return e.Msg }

// errTruncated marks a stream that ended early; wrapped by streamError users.
var errTruncated = errors.New("file is truncated")

func newSplitter(r io.Reader, maxRecord, maxDepth int) *splitter {
	return &splitter{r: r, buf: make([]byte, 64<<10), maxRecord: maxRecord, maxDepth: maxDepth}
}

// offset is the file offset of the next unread byte.
func (s *splitter) offset() int64 { return s.base + int64(s.pos) }

// fill makes sure at least one unread byte is buffered; false at end of input.
func (s *splitter) fill() bool {
	if s.pos < s.end {
		return true
	}
	if s.eof {
		return false
	}
	s.base += int64(s.end)
	s.pos, s.end = 0, 0
	for s.end == 0 {
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
			break
		}
	}
	return s.pos < s.end
}

// skipSpace skips JSON whitespace and reports whether a byte follows.
func (s *splitter) skipSpace() bool {
	for s.fill() {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return true
		}
	}
	return false
}

func (s *splitter) skipBOM() {
	bom := []byte{0xEF, 0xBB, 0xBF}
	for s.fill() && s.end-s.pos < len(bom) && !s.eof {
		// Too few bytes buffered to tell; a reader may return one at a time.
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
		}
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], bom) {
		s.pos += len(bom)
	}
}

func (s *splitter) fail(index int, uuid, format string, args ...any) error {
	s.state = stateDone
	return &streamError{Offset: s.offset(), Index: index, Start: s.start, UUID: uuid, Msg: fmt.Sprintf(format, args...)}
}

func (s *splitter) endOfInput(index int, uuid, what string) error {
	if s.readErr != nil {
		return s.fail(index, uuid, "read error at byte %d %s: %v", s.offset(), what, s.readErr)
	}
	return s.fail(index, uuid, "%v: input ends at byte %d %s", errTruncated, s.offset(), what)
}

// Next returns the next element, io.EOF after the closing bracket, or a
// *streamError.
func (s *splitter) Next() (element, error) {
	switch s.state {
	case stateDone:
		return element{}, io.EOF
	case stateStart:
		s.skipBOM() // some Windows tools prepend one; it is not JSON
		if !s.skipSpace() {
			return element{}, s.endOfInput(-1, "", "before the opening [ (empty file)")
		}
		if c := s.buf[s.pos]; c != '[' {
			return element{}, s.fail(-1, "", "top level is %s at byte %d, want an array", describe(c), s.offset())
		}
		s.pos++
		s.state = stateInArray
		if !s.skipSpace() {
			return element{}, s.endOfInput(-1, "", "after the opening [")
		}
		if s.buf[s.pos] == ']' {
			s.pos++
			return element{}, s.finish()
		}
	default:
		if !s.skipSpace() {
			return element{}, s.endOfInput(-1, "", fmt.Sprintf("after element %d (missing ])", s.index-1))
		}
		switch s.buf[s.pos] {
		case ']':
			s.pos++
			return element{}, s.finish()
		case ',':
			s.pos++
		default:
			return element{}, s.fail(-1, "", "%s at byte %d after element %d, want , or ]",
				describe(s.buf[s.pos]), s.offset(), s.index-1)
		}
		if !s.skipSpace() {
			return element{}, s.endOfInput(-1, "", fmt.Sprintf("after the comma following element %d", s.index-1))
		}
		if s.buf[s.pos] == ']' {
			return element{}, s.fail(-1, "", "trailing comma before ] at byte %d", s.offset())
		}
	}
	e, err := s.element()
	s.index++
	return e, err
}

// finish checks that only whitespace follows the closing bracket.
func (s *splitter) finish() error {
	if s.skipSpace() {
		return s.fail(-1, "", "%s at byte %d after the closing ]", describe(s.buf[s.pos]), s.offset())
	}
	s.state = stateDone
	if s.readErr != nil {
		return s.fail(-1, "", "read error at byte %d: %v", s.offset(), s.readErr)
	}
	return io.EOF
}

// element scans one element starting at s.pos (a non-space byte).
func (s *splitter) element() (element, error) {
	e := element{Index: s.index, Offset: s.offset(), Kind: s.buf[s.pos]}
	s.start = e.Offset
	s.rec = s.rec[:0]
	s.stack = s.stack[:0]
	oversized := false
	var problem error

	var (
		depth     int
		inString  bool
		escaped   bool
		expectKey bool   // at depth 1 of an object: the next string is a key
		capture   []byte // contents of the current depth-1 string, capped
		capturing bool
		isKey     bool
		uuidNext  bool // the last depth-1 key was "uuid"
	)
	scalar := e.Kind != '{' && e.Kind != '[' && e.Kind != '"'
	if scalar && !isScalarStart(e.Kind) {
		return element{}, s.fail(e.Index, "", "%s at byte %d, want a value", describe(e.Kind), e.Offset)
	}

	for {
		if !s.fill() {
			if scalar && !inString {
				break // a bare scalar may end at end of input; the caller then finds no ]
			}
			where := fmt.Sprintf("inside element %d, which starts at byte %d", e.Index, e.Offset)
			if problem != nil {
				where += fmt.Sprintf(" (after %v)", problem)
			}
			return element{}, s.endOfInput(e.Index, e.UUID, where)
		}
		start := s.pos
		done := false
		i := s.pos
	scan:
		for ; i < s.end; i++ {
			c := s.buf[i]
			if inString && !escaped && !capturing {
				// Most of an export is string contents: jump to the next quote
				// or backslash with IndexByte rather than a byte at a time.
				rest := s.buf[i:s.end]
				q := bytes.IndexByte(rest, '"')
				seg := rest
				if q >= 0 {
					seg = rest[:q]
				}
				switch b := bytes.IndexByte(seg, '\\'); {
				case b >= 0:
					i += b
				case q >= 0:
					i += q
				default:
					i = s.end - 1
					continue
				}
				c = s.buf[i]
			}
			if inString {
				if escaped {
					escaped = false
					if capturing && len(capture) < 128 {
						capture = append(capture, c)
					}
					continue
				}
				switch c {
				case '\\':
					escaped = true
				case '"':
					inString = false
					if capturing {
						capturing = false
						switch {
						case isKey:
							uuidNext = string(capture) == "uuid"
						case uuidNext && e.UUID == "" && len(capture) <= 64:
							e.UUID = unescape(capture)
						}
					}
					if depth == 0 {
						i++
						done = true
						break scan
					}
					continue
				}
				if capturing && len(capture) < 128 {
					capture = append(capture, c)
				}
				continue
			}
			switch c {
			case '"':
				inString = true
				if depth == 1 && len(s.stack) > 0 && s.stack[0] == '{' {
					capturing, isKey, capture = true, expectKey, capture[:0]
				}
			case '{', '[':
				depth++
				if depth == 1 && c == '{' {
					expectKey = true
				}
				if depth <= s.maxDepth {
					s.stack = append(s.stack, c)
				} else if problem == nil {
					problem = fmt.Errorf("nesting deeper than %d levels at byte %d", s.maxDepth, s.base+int64(i))
				}
			case '}', ']':
				if depth == 0 {
					// A scalar element ends at the array's closing bracket.
					done = true
					break scan
				}
				if depth <= s.maxDepth {
					if open := s.stack[len(s.stack)-1]; (open == '{') != (c == '}') {
						// A stray closer is ignored rather than matched, so
						// the element still ends where its own brackets do.
						if problem == nil {
							problem = fmt.Errorf("mismatched %c at byte %d", c, s.base+int64(i))
						}
						continue
					}
					s.stack = s.stack[:len(s.stack)-1]
				}
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			case ',':
				if depth == 0 {
					done = true
					break scan
				}
				if depth == 1 {
					expectKey = true
				}
			case ':':
				if depth == 1 {
					expectKey = false
				}
			case ' ', '\t', '\n', '\r':
				if depth == 0 {
					done = true
					break scan
				}
			}
		}
		s.pos = i
		// A record already refused (too deep, mismatched) is not kept:
		// buffering it would only cost memory.
		if !oversized && problem == nil {
			if len(s.rec)+(i-start) > s.maxRecord {
				oversized = true
				s.rec = s.rec[:0]
			} else {
				s.rec = append(s.rec, s.buf[start:i]...)
			}
		}
		if done {
			break
		}
	}
	e.End = s.offset()
	switch {
	case oversized:
		e.Err = fmt.Errorf("record is larger than the %d MiB limit (%d bytes)", s.maxRecord>>20, e.End-e.Offset)
	case problem != nil:
		e.Err = problem
	case !utf8.Valid(s.rec):
		e.Err = fmt.Errorf("invalid UTF-8 at byte %d", e.Offset+int64(invalidUTF8At(s.rec)))
	default:
		e.Data = s.rec
	}
	return e, nil
}

// unescape decodes a captured JSON string's escapes; on failure the raw text
// is still a fine name for the record in an error message.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, b...), '"'), &s); err != nil {
		return string(b)
	}
	return s
}

func isScalarStart(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n'
}

// invalidUTF8At returns the index of the first byte that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// describe names a JSON value by its first byte for error messages.
func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
