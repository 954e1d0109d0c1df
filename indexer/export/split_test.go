package export

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

type splitResult struct {
	elems    []element // Data copied
	streamEr *streamError
}

func splitAll(t testing.TB, r io.Reader, maxRecord, maxDepth int) splitResult {
	t.Helper()
	sp := newSplitter(r, maxRecord, maxDepth)
	var res splitResult
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("splitter does not terminate")
		}
		e, err := sp.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			if !errors.As(err, &res.streamEr) {
				t.Fatalf("Next: error %v is not a *streamError", err)
			}
			if _, err := sp.Next(); err != io.EOF {
				t.Fatalf("Next after a stream error = %v, want io.EOF", err)
			}
			return res
		}
		e.Data = append([]byte(nil), e.Data...)
		res.elems = append(res.elems, e)
	}
}

func TestSplitter(t *testing.T) {
	type want struct {
		data   string // element data, or "ERR:substring" for an element error
		offset int64
		uuid   string
	}
	tests := []struct {
		name      string
		in        string
		maxRecord int
		maxDepth  int
		want      []want
		streamErr string // substring; "" for none
		errOffset int64
		errIndex  int
	}{
		{name: "empty array", in: "[]"},
		{name: "empty array with space and BOM", in: "\xEF\xBB\xBF \n[ \t]\n"},
		{name: "objects", in: `[{"uuid":"a","x":[1,{"y":"}]"}]},{"uuid":"b"}]`,
			want: []want{{`{"uuid":"a","x":[1,{"y":"}]"}]}`, 1, "a"}, {`{"uuid":"b"}`, 33, "b"}}},
		{name: "uuid only at top level", in: `[{"m":{"uuid":"inner"},"uuid":"outer"}]`,
			want: []want{{`{"m":{"uuid":"inner"},"uuid":"outer"}`, 1, "outer"}}},
		{name: "uuid value is not taken from a key", in: `[{"name":"uuid","uuid":"u"}]`,
			want: []want{{`{"name":"uuid","uuid":"u"}`, 1, "u"}}},
		{name: "escaped quotes and backslashes", in: `[{"uuid":"a\"b\\","t":"\\\""} , {}]`,
			want: []want{{`{"uuid":"a\"b\\","t":"\\\""}`, 1, `a"b\`}, {`{}`, 32, ""}}},
		{name: "scalars are elements", in: `[1, "s,]", true ,null,-2.5e3]`,
			want: []want{{"1", 1, ""}, {`"s,]"`, 4, ""}, {"true", 11, ""}, {"null", 17, ""}, {"-2.5e3", 22, ""}}},
		{name: "unicode", in: `[{"uuid":"é","t":"日本語 🚀"}]`,
			want: []want{{`{"uuid":"é","t":"日本語 🚀"}`, 1, "é"}}},

		{name: "empty file", in: "", streamErr: "truncated", errIndex: -1},
		{name: "only spaces", in: "  \n", streamErr: "truncated", errOffset: 3, errIndex: -1},
		{name: "top level object", in: ` {"conversations":[]}`, streamErr: "top level is an object at byte 1, want an array", errOffset: 1, errIndex: -1},
		{name: "top level string", in: `"x"`, streamErr: "top level is a string", errIndex: -1},
		{name: "top level junk", in: "\x00\x01", streamErr: "top level is byte 0x00", errIndex: -1},
		{name: "truncated inside element", in: `[{"uuid":"a"},{"uuid":"b","t":"abc`,
			want:      []want{{`{"uuid":"a"}`, 1, "a"}},
			streamErr: "truncated: input ends at byte 34 inside element 1, which starts at byte 14", errOffset: 34, errIndex: 1},
		{name: "truncated after element", in: `[{"uuid":"a"}`, want: []want{{`{"uuid":"a"}`, 1, "a"}},
			streamErr: "missing ]", errOffset: 13, errIndex: -1},
		{name: "truncated after comma", in: `[{},`, want: []want{{`{}`, 1, ""}},
			streamErr: "truncated", errOffset: 4, errIndex: -1},
		{name: "junk between elements", in: `[{} x {}]`, want: []want{{`{}`, 1, ""}},
			streamErr: `'x' at byte 4 after element 0, want , or ]`, errOffset: 4, errIndex: -1},
		{name: "trailing comma", in: `[{},]`, want: []want{{`{}`, 1, ""}},
			streamErr: "trailing comma", errOffset: 4, errIndex: -1},
		{name: "junk after array", in: `[{}] ]`, want: []want{{`{}`, 1, ""}},
			streamErr: "after the closing ]", errOffset: 5, errIndex: -1},
		{name: "bad element start", in: `[{}, :]`, want: []want{{`{}`, 1, ""}},
			streamErr: "':' at byte 5, want a value", errOffset: 5, errIndex: 1},

		{name: "oversized element is skipped", in: `[{"uuid":"big","t":"` + strings.Repeat("x", 300) + `"},{"uuid":"ok"}]`,
			maxRecord: 100,
			want:      []want{{"ERR:larger than", 1, "big"}, {`{"uuid":"ok"}`, 323, "ok"}}},
		{name: "deep nesting is skipped", in: `[{"uuid":"deep","a":` + strings.Repeat("[", 50) + strings.Repeat("]", 50) + `},{"uuid":"ok"}]`,
			maxDepth: 10,
			want:     []want{{"ERR:nesting deeper than 10 levels at byte 29", 1, "deep"}, {`{"uuid":"ok"}`, 122, "ok"}}},
		{name: "invalid UTF-8 is reported at its byte", in: "[{\"uuid\":\"u\",\"t\":\"ab\xff\"},{}]",
			want: []want{{"ERR:invalid UTF-8 at byte 20", 1, "u"}, {`{}`, 24, ""}}},
		{name: "mismatched brackets", in: `[{"a":[}]},{}]`,
			want: []want{{"ERR:mismatched } at byte 7", 1, ""}, {`{}`, 11, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxRecord, maxDepth := tt.maxRecord, tt.maxDepth
			if maxRecord == 0 {
				maxRecord = 1 << 20
			}
			if maxDepth == 0 {
				maxDepth = 64
			}
			// One byte per Read exercises every buffer boundary.
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				res := splitAll(t, r, maxRecord, maxDepth)
				if len(res.elems) != len(tt.want) {
					t.Fatalf("got %d elements %+v, want %d", len(res.elems), res.elems, len(tt.want))
				}
				for i, w := range tt.want {
					e := res.elems[i]
					if e.Index != i || e.Offset != w.offset || e.UUID != w.uuid {
						t.Errorf("element %d: index %d offset %d uuid %q, want %d %d %q", i, e.Index, e.Offset, e.UUID, i, w.offset, w.uuid)
					}
					if sub, ok := strings.CutPrefix(w.data, "ERR:"); ok {
						if e.Err == nil || !strings.Contains(e.Err.Error(), sub) || e.Data != nil {
							t.Errorf("element %d: err %v data %q, want error containing %q", i, e.Err, e.Data, sub)
						}
					} else if e.Err != nil || string(e.Data) != w.data {
						t.Errorf("element %d: %q (err %v), want %q", i, e.Data, e.Err, w.data)
					}
				}
				se := res.streamEr
				switch {
				case tt.streamErr == "" && se != nil:
					t.Errorf("unexpected stream error %v", se)
				case tt.streamErr != "" && se == nil:
					t.Errorf("no stream error, want %q", tt.streamErr)
				case se != nil && (!strings.Contains(se.Msg, tt.streamErr) || se.Offset != tt.errOffset || se.Index != tt.errIndex):
					t.Errorf("stream error %q at %d index %d, want %q at %d index %d", se.Msg, se.Offset, se.Index, tt.streamErr, tt.errOffset, tt.errIndex)
				}
			}
		})
	}
}

// TestSplitterHugeString streams a string larger than the record limit
// without buffering it; with CCSYNC_BIG_TESTS=1 it uses the 200 MB
// string against the default limit.
func TestSplitterHugeString(t *testing.T) {
	size, limit := int64(8<<20), 1<<20
	if bigTests() {
		size, limit = 200<<20, DefaultLimits.MaxRecordBytes
	}
	r := io.MultiReader(strings.NewReader(`[{"uuid":"huge","text":"`), repeatReader('a', size),
		strings.NewReader(`"},{"uuid":"after"}]`))
	res := splitAll(t, r, limit, 64)
	if res.streamEr != nil || len(res.elems) != 2 {
		t.Fatalf("got %+v", res)
	}
	if e := res.elems[0]; e.Err == nil || e.UUID != "huge" || e.Data != nil {
		t.Errorf("huge element: %+v", e)
	}
	if e := res.elems[1]; e.Err != nil || e.UUID != "after" {
		t.Errorf("element after: %+v", e)
	}
}

// TestSplitterDeepJunk checks that nesting far past the limit costs no memory
// and that the element after it is still found.
func TestSplitterDeepJunk(t *testing.T) {
	const depth = 1 << 20
	r := io.MultiReader(strings.NewReader(`[`), repeatReader('[', depth), repeatReader(']', depth),
		strings.NewReader(`,{"uuid":"after"}]`))
	res := splitAll(t, r, 1<<20, 64)
	if res.streamEr != nil || len(res.elems) != 2 || res.elems[0].Err == nil || res.elems[1].UUID != "after" {
		t.Fatalf("got %+v", res)
	}
}

func bigTests() bool { return strings.TrimSpace(os.Getenv("CCSYNC_BIG_TESTS")) == "1" }

// repeatReader yields n copies of c.
func repeatReader(c byte, n int64) io.Reader {
	return io.LimitReader(byteRepeater(c), n)
}

type byteRepeater byte

func (b byteRepeater) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
