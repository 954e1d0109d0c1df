package scanners

import (
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
		case '.', '-', '/', ':', ',':
			if isAlnum(text[i-2]) {
				return i
			}
		case '+', '(', '$', '#':
			return i
		}
	}
	g := parseGroups(text, i)
	if end := scanIPv4(c, &g, i); end > i {
		return end
	}
	if end := scanCard(c, &g, i); end > i {
		return end
	}
	if end := scanSSN(c, &g, i); end > i {
		return end
	}
	if end := scanPhoneNANP(c, &g, i, 0); end > i {
		return end
	}
	return i
}
