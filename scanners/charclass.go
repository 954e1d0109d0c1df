package scanners

import "strings"

// Byte classes for the single pass. The main loop looks at each byte once
// through this table and only leaves the fast path for the few classes that can
// start a finding, so clean prose costs one load and one compare per byte.
const (
	clsOther  uint8 = iota // punctuation and bytes that start nothing
	clsWord                // letter or '_': start of a word, dispatched on its first byte
	clsDigit               // start of a number: cards, SSNs, phones, IPs
	clsAt                  // '@': emails and URL userinfo
	clsAssign              // ':' or '=': keyword assignments
	clsDash                // '-': PEM armour
	clsPhone               // '+' or '(': international and parenthesised phones
	clsHidden              // lead byte of an invisible or fullwidth character, or '&' of an entity
	clsEscape              // '\\': a `\n` escape in flattened JSON or logs runs into the next word
	clsArg                 // '>', ',', '|', '~': XML element text, CSV headers, Facebook app tokens, Azure AD secrets
)

var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clsWord
		t[c-'a'+'A'] = clsWord
	}
	t['_'] = clsWord
	for c := '0'; c <= '9'; c++ {
		t[c] = clsDigit
	}
	t['@'] = clsAt
	t[':'] = clsAssign
	t['='] = clsAssign
	t['-'] = clsDash
	t['+'] = clsPhone
	t['('] = clsPhone
	t['\\'] = clsEscape
	t['>'] = clsArg
	t[','] = clsArg
	t['|'] = clsArg
	t['~'] = clsArg
	t['&'] = clsHidden
	t[0xC2] = clsHidden // U+00AD soft hyphen
	t[0xE2] = clsHidden // U+200B–U+206F: zero-width, bidi controls, word joiner
	t[0xEF] = clsHidden // U+FEFF BOM, U+FF01–U+FF5E fullwidth ASCII
	return t
}()

// Character sets used by the validators, as 256-entry tables so that the
// inner loops stay branch-light.
type charset [256]bool

func makeSet(ranges ...string) (s charset) {
	for _, r := range ranges {
		if len(r) == 3 && r[1] == '-' && alnumByte(r[0]) && alnumByte(r[2]) {
			for c := int(r[0]); c <= int(r[2]); c++ {
				s[c] = true
			}
			continue
		}
		for i := 0; i < len(r); i++ {
			s[r[i]] = true
		}
	}
	return s
}

var (
	setAlnum     = makeSet("a-z", "A-Z", "0-9")
	setWord      = makeSet("a-z", "A-Z", "0-9", "_")
	setBase64    = makeSet("a-z", "A-Z", "0-9", "+/")
	setBase64URL = makeSet("a-z", "A-Z", "0-9", "-_")
	setHexLower  = makeSet("a-f", "0-9")
	setHex       = makeSet("a-f", "A-F", "0-9")
	// setToken is what vendor tokens are made of; anything else ends them, so
	// a key followed by `}` `)` `,` `<` `]` or a quote is still found.
	setToken = makeSet("a-z", "A-Z", "0-9", "_-")
	setLocal = makeSet("a-z", "A-Z", "0-9", "._%+-'")
)

func alnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// span returns the end of the run of bytes in set starting at i, looking at
// most max bytes ahead.
func span(text string, i int, set *charset, max int) int {
	end := i + max
	if end > len(text) {
		end = len(text)
	}
	for i < end && set[text[i]] {
		i++
	}
	return i
}

func isAlnum(c byte) bool { return setAlnum[c] }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s starts with the lowercase ASCII prefix p,
// ignoring case, without allocating.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lower(s[i]) != p[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lowercase ASCII needle,
// ignoring case. It jumps between occurrences of the needle's first byte in
// either case with IndexByte: the placeholder stage runs it for twenty-odd
// words over every assigned value, which a text of repeated assignments
// makes a cost per byte of input.
func containsFold(s, needle string) bool {
	if needle == "" {
		return true
	}
	last := len(s) - len(needle) // the last position a match may start
	if last < 0 {
		return false
	}
	lo, up := needle[0], needle[0]
	if lo >= 'a' && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	// next returns the next position ≥ from holding c, or last+1; each
	// case is searched again only once the scan has passed its position,
	// so the whole search stays linear.
	next := func(c byte, from int) int {
		if k := strings.IndexByte(s[from:last+1], c); k >= 0 {
			return from + k
		}
		return last + 1
	}
	jl, ju := next(lo, 0), last+1
	if up != lo {
		ju = next(up, 0)
	}
	for {
		i := min(jl, ju)
		if i > last {
			return false
		}
		if hasPrefixFold(s[i:], needle) {
			return true
		}
		if i == jl {
			jl = next(lo, i+1)
		}
		if i == ju && up != lo {
			ju = next(up, i+1)
		}
	}
}
