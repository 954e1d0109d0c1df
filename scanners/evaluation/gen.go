// Package evaluation is a second, independent test of the detectors: a
// seeded generator of labelled chat messages built from the formats that
// vendors and standards bodies publish (prefixes, lengths, alphabets,
// checksums), hard negatives that look like them, and a scorer that reports
// precision and recall per finding type.
//
// It is written without looking at the detectors: every format here comes
// from vendor documentation and public rule lists, so that the figures it
// produces say how the engine does on data it was not tuned to.
package evaluation

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Label is one span the engine is expected to report.
type Label struct {
	Type     string   `json:"type"`
	Start    int      `json:"start"`
	End      int      `json:"end"`
	RuleHint string   `json:"rule_hint"`
	Attrs    []string `json:"attrs,omitempty"`
}

// NegSpan marks a hard negative placed in a message: text that resembles a
// finding and must not be reported. Findings on it are false positives, as
// are findings anywhere else that no label covers.
type NegSpan struct {
	Format string `json:"format"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
}

// Message is one generated chat message.
type Message struct {
	Text      string    `json:"text"`
	Want      []Label   `json:"want"`
	Shape     string    `json:"shape"`
	Negatives []NegSpan `json:"negatives,omitempty"`
}

// Format is one kind of generated value, positive (Type set) or hard
// negative (Type empty).
type Format struct {
	Name string // rule hint for positives, format name for negatives
	Type string // taxonomy type; "" for a hard negative
	Gen  func(r *rand.Rand) string
	// Valid checks a generated value by the format's own published rule
	// (checksum, ranges, alphabet); it is written apart from Gen so that the
	// generator cannot drift from the format unnoticed.
	Valid func(string) bool
	// Keys are variable names the value is usually assigned to.
	Keys []string
	// Says are prose phrases with one %s for the value.
	Says []string
	// Place limits the shapes the value is put in.
	Place placement
	// Attrs the engine should attach (test-number cards).
	Attrs []string
	// Span, if set, locates the labelled part inside a generated value
	// (the key inside a connection string, the password inside a URL).
	Span func(v string) (start, end int)
}

// placement says which shapes can carry a value.
type placement uint8

const (
	anyShape  placement = iota // single-token secret: every shape
	keyed                      // recognisable only with a key name: no bare prose
	multiline                  // PEM and the like
	piiShape                   // PII: prose, lists, CSV, JSON, YAML, XML, logs
	urlShape                   // a whole URL (webhooks, connection strings)
	pairShape                  // rendered by a pair generator (AWS id + secret)
	negShape                   // hard negative: anywhere a value can go
)

// Charset classes of the token templates used by the vendor table.
var classes = map[byte]string{
	'A': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	'a': "abcdefghijklmnopqrstuvwxyz0123456789",
	'U': "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	'h': "0123456789abcdef",
	'H': "0123456789ABCDEF",
	'd': "0123456789",
	'w': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
	'x': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_",
	'b': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	'l': "abcdefghijklmnopqrstuvwxyz",
	'L': "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	'2': "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
	'C': "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}

// tmpl expands a token template: literal text with {C:n} or {C:n-m} runs of
// random characters from class C.
func tmpl(r *rand.Rand, t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '{' {
			b.WriteByte(t[i])
			continue
		}
		end := strings.IndexByte(t[i:], '}') + i
		spec := t[i+1 : end]
		set := classes[spec[0]]
		if set == "" || spec[1] != ':' {
			panic("evaluation: bad template " + t)
		}
		lo, hi := spec[2:], spec[2:]
		if k := strings.IndexByte(lo, '-'); k >= 0 {
			lo, hi = lo[:k], lo[k+1:]
		}
		n0, err0 := strconv.Atoi(lo)
		n1, err1 := strconv.Atoi(hi)
		if err0 != nil || err1 != nil {
			panic("evaluation: bad template " + t)
		}
		n := n0 + r.IntN(n1-n0+1)
		b.WriteString(randFrom(r, set, n))
		i = end
	}
	return b.String()
}

func randFrom(r *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func digits(r *rand.Rand, n int) string { return randFrom(r, classes['d'], n) }

// randBytes draws n bytes from r, so that binary bodies are seeded too.
func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func must(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf(format, args...))
	}
}
