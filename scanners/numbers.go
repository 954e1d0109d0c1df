package scanners

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// numGroups is a run of digit groups separated by single separators, the
// shape shared by cards, SSNs, phone numbers and IPv4 addresses. Parsing it
// once lets each validator look at group lengths instead of re-reading bytes.
type numGroups struct {
	n     int
	start [maxGroups]int
	end   [maxGroups]int
	sep   [maxGroups]byte // sep[k] follows group k; 0 for the last
}

const maxGroups = 8

func parseGroups(text string, i int) numGroups {
	var g numGroups
	j := i
	for g.n < maxGroups {
		s := j
		for j < len(text) && isDigit(text[j]) && j-s < 20 {
			j++
		}
		if j == s {
			break
		}
		g.start[g.n], g.end[g.n] = s, j
		g.n++
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-' || text[j] == '.') && isDigit(text[j+1]) {
			g.sep[g.n-1] = text[j]
			j++
			continue
		}
		break
	}
	return g
}

func (g *numGroups) len(k int) int { return g.end[k] - g.start[k] }

// digits returns the total number of digits in the first k groups.
func (g *numGroups) digits(k int) int {
	n := 0
	for j := 0; j < k; j++ {
		n += g.len(j)
	}
	return n
}

// sameSep reports whether the first k groups are joined by sep alone.
func (g *numGroups) sameSep(k int, sep byte) bool {
	for j := 0; j < k-1; j++ {
		if g.sep[j] != sep {
			return false
		}
	}
	return true
}

// shape reports whether the first k groups have exactly the given lengths.
func (g *numGroups) shape(lens ...int) bool {
	if len(lens) > g.n {
		return false
	}
	for j, l := range lens {
		if g.len(j) != l {
			return false
		}
	}
	return true
}

// endsClean reports whether a match ending after group k-1 is not glued to
// more text: the next byte is not a letter, and more digits may follow only
// after a space (`4111 1111 1111 1111 exp 12/25` but not `415-555-2671-99`).
func (g *numGroups) endsClean(text string, k int) bool {
	e := g.end[k-1]
	if e < len(text) && (setWord[text[e]] || letterOrDigitAt(text, e)) {
		return false
	}
	if k < g.n && g.sep[k-1] != ' ' {
		return false
	}
	if e+1 < len(text) && text[e] == '.' && isDigit(text[e+1]) {
		return false
	}
	return true
}

// letterOrDigitAt reports whether a non-ASCII letter or digit starts at e; a
// number may end at a non-breaking space or an em dash but not inside a word.
func letterOrDigitAt(text string, e int) bool {
	if text[e] < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[e:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanNumber runs at the first digit of a word and tries, in order of
// specificity, IPv4, card, SSN and phone shapes.
func scanNumber(c *collector, i int) int {
	text := c.text
	if i > 1 {
		// Part of a larger token: a version (1.2.3.4.5), date, time, path or
		// id whose earlier part was already passed over.
		switch p := text[i-1]; p {
		case '.', '-', '/':
			if isAlnum(text[i-2]) {
				return i
			}
		case ':':
			// 12:30:45 continues a time, unless it is the digit-led hextet
			// of a letter-led IPv6 address (abcd:ef01:2345::1); after a
			// letter the colon is a field's (`card:4111…`) and a new value
			// starts.
			if isDigit(text[i-2]) {
				if s, ok := ipv6Start(text, i); ok {
					if end := scanIPv6(c, s); end > s {
						return end
					}
				}
				return i
			}
		case ',':
			// 1,234,567 continues a number; anything else after a comma is a
			// new value (a CSV cell, even after a numeric one: `1001,4111…`).
			if isDigit(text[i-2]) && thousandsGroup(text, i) {
				return i
			}
		case '#':
			// "#1234" is an issue or a colour; "SSN#…", "Acct#…" label a
			// value.
			if !isAlnum(text[i-2]) {
				return i
			}
		case '+', '(', '$':
			return i
		}
	}
	if i >= 3 && text[i-1] == ' ' && text[i-2] >= 'a' && text[i-2] <= 'z' && text[i-3] >= 'a' && text[i-3] <= 'z' &&
		(i == 3 || !isAlnum(text[i-4])) {
		// A National Insurance number typed in lower case, "hh 01 02 03 d":
		// lower-case words do not reach scanWordPII, so its digits look back.
		if end := scanNINO(c, i-3); end > i {
			return end
		}
	}
	g := parseGroups(text, i)
	if e := g.end[0]; e < len(text) && text[e] == ':' {
		if end := scanTelegramBotToken(c, i, e); end > i {
			return end
		}
	}
	if e := g.end[0]; e < len(text) && (text[e] == ':' || setHex[text[e]] && !isDigit(text[e])) || i >= 2 && text[i-1] == ':' {
		if s, ok := ipv6Start(text, i); ok {
			if end := scanIPv6(c, s); end > s {
				return end
			}
		}
	}
	if end := scanIPv4(c, &g, i); end > i {
		return end
	}
	if end := scanCard(c, &g, i); end > i {
		return end
	}
	if end := scanSSN(c, &g, i); end > i {
		return end
	}
	if l := g.len(0); l == 3 && g.n >= 3 || l == 9 {
		if end := scanSIN(c, &g, i); end > i {
			return end
		}
	}
	if end := scanPhoneNANP(c, &g, i, -1); end > i {
		return end
	}
	if text[i] == '0' {
		if end := scanPhoneNational(c, &g, i); end > i {
			return end
		}
	}
	return i
}

// piiTrigger marks the first bytes of words that can start a PII finding:
// upper-case letters (IBAN country codes, National Insurance prefixes) and
// the 'p' of the passport keywords (Reisepass is capitalised). Other
// lower-case letters stay off the slow path, which is most of English prose;
// IPv6 addresses that start with a letter are found from their digits (see
// ipv6Start).
var piiTrigger = func() (t [256]bool) {
	for b := 'A'; b <= 'Z'; b++ {
		t[b] = true
	}
	for _, b := range []byte("p") {
		t[b] = true
	}
	return t
}()

// piiPair marks the first two bytes of words that can start a PII finding
// (see piiTrigger), so that an ordinary word costs one load from an 8 KiB
// bit set that stays in cache.
var piiPair = func() (t [256][4]uint64) {
	set := func(a, b byte) { t[a][b>>6] |= 1 << (b & 63) }
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			set(a, b)
		}
	}
	// "re" is left out: it starts too many English words, and German
	// capitalises Reisepass.
	for _, p := range []string{"pa", "Pa", "PA", "Re", "RE"} {
		set(p[0], p[1])
	}
	return t
}()

func piiPairAt(a, b byte) bool { return piiPair[a][b>>6]&(1<<(b&63)) != 0 }

// scanWordPII runs at the first byte of a word whose first two bytes are in
// piiPair and returns the end of a PII finding starting there, or i.
func scanWordPII(c *collector, i int) int {
	text := c.text
	if i+3 >= len(text) {
		return i
	}
	b0 := text[i]
	if b0 >= 'A' && b0 <= 'Z' && text[i+1] >= 'A' && text[i+1] <= 'Z' {
		if isDigit(text[i+2]) {
			if end := scanIBAN(c, i); end > i {
				return end
			}
		}
		if isDigit(text[i+2]) || text[i+2] == ' ' && isDigit(text[i+3]) {
			if end := scanNINO(c, i); end > i {
				return end
			}
		}
	}
	b1, b2 := text[i+1]|0x20, text[i+2]|0x20
	switch b0 | 0x20 {
	case 'p':
		// pass(port|eport|aport…), pasaporte, paspoort, paszport; not password.
		if b1 == 'a' && b2 == 's' && strings.IndexByte("spaz", text[i+3]|0x20) >= 0 &&
			(text[i+3]|0x20 != 's' || i+4 < len(text) && strings.IndexByte("pea", text[i+4]|0x20) >= 0) {
			return scanPassport(c, i)
		}
	case 'r':
		if b1 == 'e' && b2 == 'i' {
			return scanPassport(c, i)
		}
	}
	return i
}

// contextWord reports whether one of words (lower case) appears in the window
// bytes before i as the start of a word. Words of three letters or fewer
// must also end there ("cc" but not "ccsync", "sin" but not "single").
func contextWord(text string, i, window int, words []string) bool {
	return lastContextWord(text, i, window, words) >= 0
}

// lastContextWord returns where the last of words (see contextWord) starts
// in the window before i, or -1: the nearest name is the one a value
// belongs to ("SSN 536-22-8791, SIN 130692544"). A space in a keyword also
// matches '_', '-', '.' or nothing, so that field names count as well as
// prose (social_insurance_number, SocialInsuranceNumber), and a camel-case
// boundary starts and ends a word (customerSSN, sinNumber).
func lastContextWord(text string, i, window int, words []string) int {
	lo := i - window
	if lo < 0 {
		lo = 0
	}
	w := text[lo:i]
	last := -1
	for p := 0; p < len(w); p++ {
		if !isLetterByte(w[p]) || p > 0 && isLetterByte(w[p-1]) && !camelBoundary(w, p) {
			continue
		}
		for _, kw := range words {
			e := matchPhraseFold(w, p, kw)
			if e < 0 {
				continue
			}
			if len(kw) > 3 || e == len(w) || !isLetterByte(w[e]) || camelBoundary(w, e) {
				last = lo + p
				break
			}
		}
	}
	return last
}

// camelBoundary reports whether a new word starts at p inside an
// identifier: an upper-case letter after a lower-case one.
func camelBoundary(w string, p int) bool {
	return p > 0 && p < len(w) && w[p] >= 'A' && w[p] <= 'Z' && w[p-1] >= 'a' && w[p-1] <= 'z'
}

// matchPhraseFold matches the lower-case phrase kw at w[p:], ignoring case,
// a space in kw matching one of " _-." or nothing, and returns the end of
// the match or -1.
func matchPhraseFold(w string, p int, kw string) int {
	q := p
	for k := 0; k < len(kw); k++ {
		if kw[k] == ' ' {
			if q < len(w) && (w[q] == ' ' || w[q] == '_' || w[q] == '-' || w[q] == '.') {
				q++
			}
			continue
		}
		if q >= len(w) || lower(w[q]) != kw[k] {
			return -1
		}
		q++
	}
	return q
}

// continuesGroups reports whether the number at i follows another group of
// digits and a space: the tail of a longer run that did not validate as a
// whole ("3580 6965 5120 1515"), which must not be matched piecemeal. A
// number that follows a reported one is a new value, as in a list of cards
// separated by spaces.
func continuesGroups(c *collector, i int) bool {
	text := c.text
	return i >= 2 && text[i-1] == ' ' && isDigit(text[i-2]) && !reportedEndsAt(c, i-1)
}

// reportedEndsAt reports whether one of the last findings ends at e.
// Findings are recorded in text order, except for the few that context
// rules add ahead of the scan, hence the short look back.
func reportedEndsAt(c *collector, e int) bool {
	for k := len(c.found) - 1; k >= 0 && k >= len(c.found)-4; k-- {
		if c.found[k].End == e {
			return true
		}
	}
	return false
}

// thousandsGroup reports whether exactly three digits start at i and are not
// followed by a separator that would make them part of a longer grouping.
func thousandsGroup(text string, i int) bool {
	if i+3 > len(text) || !isDigit(text[i+1]) || !isDigit(text[i+2]) {
		return false
	}
	return i+3 == len(text) || !isDigit(text[i+3]) && text[i+3] != '-' && text[i+3] != ' '
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
