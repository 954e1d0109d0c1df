package scanners

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ccsync/ccsync/model"
)

// Evasion: a secret with an invisible character inside (zero-width space,
// joiner or non-joiner, word joiner, soft hyphen, BOM), wrapped in bidi
// controls or typed backwards under a right-to-left override, spelled in
// fullwidth ASCII, or written as HTML numeric entities renders like the
// plain secret, and a reader can copy it, but no detector matches it. Such
// text is rare, so the pass itself notes the lead bytes of these characters
// (byte class clsHidden, checked by hiddenAt) at no cost to clean text; when
// it saw one, Scan runs the pass again on a cleaned copy and maps each
// finding back onto the original bytes through an offset map, covering the
// whole obfuscated secret.

// AttrObfuscated marks a finding whose bytes in the original text differ from
// what was matched: it was only found in the cleaned copy.
const AttrObfuscated = "obfuscated"

// Code points removed by the cleaning: they have no glyph.
const (
	runeSoftHyphen = 0x00AD
	runeBOM        = 0xFEFF
	runeRLO        = 0x202E // right-to-left override: what follows is shown reversed
	runePDF        = 0x202C // pop directional formatting: ends an override
)

func invisibleRune(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F: // ZWSP, ZWNJ, ZWJ, LRM, RLM
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2060 && r <= 0x2064: // word joiner, invisible operators
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return r == runeSoftHyphen || r == runeBOM
}

// fullwidthASCII maps U+FF01–U+FF5E to the ASCII character it imitates.
func fullwidthASCII(r rune) (byte, bool) {
	if r >= 0xFF01 && r <= 0xFF5E {
		return byte(r - 0xFEE0), true
	}
	return 0, false
}

// hiddenAt reports whether text[i:] starts a character or entity that the
// cleaning changes. It looks only at the lead bytes the check searches for.
func hiddenAt(text string, i int) bool {
	switch text[i] {
	case '&':
		_, _, ok := htmlNumericEntity(text, i)
		return ok
	case 0xC2, 0xE2, 0xEF:
		r, size := utf8.DecodeRuneInString(text[i:])
		if size < 2 {
			return false
		}
		_, fw := fullwidthASCII(r)
		return fw || invisibleRune(r)
	}
	return false
}

// needsCleaning reports whether text holds a character the cleaning changes.
// The pass does this check itself as it goes; this is for the spans a
// detector consumes whole (a PEM block whose body failed to decode).
// Most hits on 0xE2 (curly quotes, dashes) are rejected by the next two bytes.
func needsCleaning(text string) bool {
	for _, b := range [...]byte{0xE2, 0xC2, 0xEF, '&'} {
		for i := 0; i < len(text); i++ {
			k := strings.IndexByte(text[i:], b)
			if k < 0 {
				break
			}
			i += k
			if hiddenAt(text, i) {
				return true
			}
		}
	}
	return false
}

// htmlNumericEntity decodes `&#65;` or `&#x41;` at text[i] (the semicolon
// may be missing, as browsers accept) into a rune and the entity's length.
func htmlNumericEntity(text string, i int) (rune, int, bool) {
	j := i + 2
	if j >= len(text) || text[i+1] != '#' {
		return 0, 0, false
	}
	hex := text[j] == 'x' || text[j] == 'X'
	if hex {
		j++
	}
	start := j
	var v rune
	for j < len(text) && j-start < 7 {
		ch := text[j]
		var d rune
		switch {
		case isDigit(ch):
			d = rune(ch - '0')
		case hex && ch >= 'a' && ch <= 'f':
			d = rune(ch-'a') + 10
		case hex && ch >= 'A' && ch <= 'F':
			d = rune(ch-'A') + 10
		default:
			d = -1
		}
		if d < 0 {
			break
		}
		if hex {
			v = v*16 + d
		} else {
			v = v*10 + d
		}
		j++
	}
	if j == start || v == 0 || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0, false
	}
	if j < len(text) && text[j] == ';' {
		j++
	}
	return v, j - i, true
}

// cleanText is the cleaned copy of a text with, for each of its bytes, the
// span of the original bytes it came from.
type cleanText struct {
	text   string
	src    []int32 // original offset of the unit that produced each byte
	srcLen []uint8 // length of that unit in the original
}

// clean builds the cleaned copy: invisible characters removed, fullwidth
// ASCII and numeric entities decoded, runs under a right-to-left override
// reversed to the order a reader sees.
func clean(text string) cleanText {
	var b strings.Builder
	b.Grow(len(text))
	c := cleanText{src: make([]int32, 0, len(text)), srcLen: make([]uint8, 0, len(text))}
	emit := func(s string, at, n int) {
		b.WriteString(s)
		for k := 0; k < len(s); k++ {
			c.src = append(c.src, int32(at))
			c.srcLen = append(c.srcLen, uint8(n))
		}
	}
	var rtl []cleanUnit // units under an override, emitted reversed at its end
	flush := func() {
		for k := len(rtl) - 1; k >= 0; k-- {
			u := rtl[k]
			emit(u.out, u.at, u.n)
		}
		rtl = rtl[:0]
	}
	override := false
	for i := 0; i < len(text); {
		u := nextUnit(text, i)
		i += u.n
		switch {
		case u.r == runeRLO:
			flush()
			override = true
			continue
		case u.r == runePDF || u.out == "\n":
			flush()
			override = false
		}
		if u.out == "" {
			continue
		}
		if override {
			rtl = append(rtl, u)
			continue
		}
		if u.passthrough {
			// Byte by byte, so that every byte maps onto itself.
			for k := 0; k < len(u.out); k++ {
				emit(u.out[k:k+1], u.at+k, 1)
			}
			continue
		}
		emit(u.out, u.at, u.n)
	}
	flush()
	c.text = b.String()
	return c
}

// cleanUnit is one character of the original: a rune, an invalid byte or an
// entity, and what it becomes.
type cleanUnit struct {
	at, n       int
	r           rune
	out         string
	passthrough bool // out is the original bytes
}

func nextUnit(text string, i int) cleanUnit {
	ch := text[i]
	if ch < utf8.RuneSelf && ch != '&' {
		return cleanUnit{at: i, n: 1, r: rune(ch), out: text[i : i+1], passthrough: true}
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	if ch == '&' {
		if v, en, ok := htmlNumericEntity(text, i); ok {
			r, n = v, en
		}
	}
	u := cleanUnit{at: i, n: n, r: r}
	switch fw, isFW := fullwidthASCII(r); {
	case invisibleRune(r):
	case isFW:
		u.out = asciiString(fw)
	case n == 1:
		u.out, u.passthrough = text[i:i+1], true
	case ch == '&':
		u.out = string(r)
	default:
		u.out, u.passthrough = text[i:i+n], true
	}
	return u
}

var asciiStrings = func() (t [128]string) {
	for k := range t {
		t[k] = string(rune(k))
	}
	return t
}()

func asciiString(b byte) string { return asciiStrings[b&0x7f] }

// origSpan maps the cleaned span [s, e) onto the original text: the smallest
// original span covering every unit the cleaned bytes came from (reversed
// runs make the map non-monotonic).
func (c *cleanText) origSpan(s, e int) (int, int) {
	lo, hi := int(c.src[s]), int(c.src[s])+int(c.srcLen[s])
	for k := s + 1; k < e; k++ {
		if a := int(c.src[k]); a < lo {
			lo = a
		}
		if z := int(c.src[k]) + int(c.srcLen[k]); z > hi {
			hi = z
		}
	}
	return lo, hi
}

// scanCleaned runs the pass on the cleaned copy of text and maps the
// findings (and, verbose, the suppressed candidates) back onto text.
func (e *Engine) scanCleaned(text string, verbose bool) ([]model.Finding, []Suppressed) {
	ct := clean(text)
	c := collector{e: e, text: ct.text, verbose: verbose}
	e.scan(&c)
	fs := c.result()
	out := fs[:0]
	for _, f := range fs {
		out = append(out, ct.mapFinding(text, f))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	// Reversed runs can make a finding that straddles one overlap another.
	kept := out[:0]
	for _, f := range out {
		if len(kept) > 0 && f.Start < kept[len(kept)-1].End {
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		kept = nil
	}
	for k := range c.suppressed {
		c.suppressed[k].Finding = ct.mapFinding(text, c.suppressed[k].Finding)
	}
	return kept, c.suppressed
}

func (c *cleanText) mapFinding(text string, f model.Finding) model.Finding {
	s, e := c.origSpan(f.Start, f.End)
	if text[s:e] != c.text[f.Start:f.End] {
		f.Attrs = append(f.Attrs[:len(f.Attrs):len(f.Attrs)], AttrObfuscated)
	}
	f.Start, f.End = s, e
	return f
}
