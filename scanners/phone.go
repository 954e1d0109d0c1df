package scanners

import "github.com/ccsync/ccsync/model"

// scanPhoneNANP matches North American numbers written with separators:
// 415-555-2671, 415.555.2671, 415 555 2671, 1-415-555-2671. Contiguous digit
// runs are not phones: order numbers and ids look the same. from is where the
// reported span starts (a '+' or '(' already consumed by the caller, which
// may be at offset 0), or -1 for i.
func scanPhoneNANP(c *collector, g *numGroups, i, from int) int {
	text := c.text
	if from < 0 {
		from = i
	}
	k := 0
	switch {
	case g.shape(3, 3, 4) && (g.sameSep(3, '-') || g.sameSep(3, '.') || g.sameSep(3, ' ')):
		k = 3
	case g.shape(1, 3, 3, 4) && text[g.start[0]] == '1' && (g.sameSep(4, '-') || g.sameSep(4, '.') || g.sameSep(4, ' ') ||
		from < i && intlSeps(g, 4, false)): // +1 415 555-2671
		k = 4
	case g.shape(3, 7) && (g.sep[0] == ' ' || g.sep[0] == '-') && g.endsClean(text, 2):
		// 425 882-9090's looser cousin, 425 8829090.
		a, e := g.start[0], g.start[1]
		return addNANP(c, from, g.end[1], text[a:a+3], text[e:e+3], text[e+3:e+7])
	case g.shape(10) && g.endsClean(text, 1) && from == i && phoneContext(text, i):
		// Ten bare digits are an id unless the text calls them a number to dial.
		return addNANP(c, i, g.end[0], text[i:i+3], text[i+3:i+6], text[i+6:i+10])
	default:
		return i
	}
	if !g.endsClean(text, k) {
		return i
	}
	area, exch := g.start[k-3], g.start[k-2]
	return addNANP(c, from, g.end[k-1], text[area:area+3], text[exch:exch+3], text[g.start[k-1]:g.end[k-1]])
}

// phoneContext reports whether a word naming a phone number precedes i.
func phoneContext(text string, i int) bool {
	return contextWord(text, i, 40, phoneWords)
}

var phoneWords = []string{"phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "sms", "text me",
	"dial", "ring", "contact", "téléphone", "telefon", "teléfono", "handy", "portable", "móvil"}

// addNANP validates the North American Numbering Plan: area code and
// exchange start with 2–9 and are not N11 service codes.
func addNANP(c *collector, start, end int, area, exch, line string) int {
	if !nanpPart(area) || !nanpPart(exch) {
		return start
	}
	why := ""
	if exch == "555" && line[0] == '0' && line[1] == '1' {
		why = "placeholder:fictional-phone" // 555-0100..0199 are reserved for fiction
	}
	c.add("phone", model.SeverityMedium, "phone-nanp", start, end, prioSpecific, preview{kind: pvDigits}, why)
	return end
}

func nanpPart(p string) bool {
	return p[0] >= '2' && p[0] <= '9' && !(p[1] == '1' && p[2] == '1')
}

// scanPhonePrefix handles numbers that start with '+' (E.164 international
// form) or '(' (a parenthesised area code).
func scanPhonePrefix(c *collector, i int) int {
	text := c.text
	if i+1 >= len(text) {
		return i
	}
	if i > 0 && (isAlnum(text[i-1]) || text[i-1] == '+') {
		return i
	}
	if text[i] == '(' {
		if i+2 < len(text) && text[i+1] == '0' {
			return scanTrunkParen(c, i)
		}
		if i+2 < len(text) && text[i+1] == '+' {
			return scanParenCC(c, i)
		}
		return scanParenPhone(c, i, i)
	}
	if !isDigit(text[i+1]) || text[i+1] == '0' {
		return i
	}
	// +1 (415) 555-2671
	if text[i+1] == '1' && i+4 < len(text) && text[i+2] == ' ' && text[i+3] == '(' {
		return scanParenPhone(c, i+3, i)
	}
	g := parseGroups(text, i+1)
	if text[i+1] == '1' {
		if end := scanPhoneNANP(c, &g, i+1, i); end > i+1 {
			return end
		}
	}
	// +44 (0)20 7946 0958, +7 (495) 123-45-67.
	if g.n == 1 && g.len(0) <= 3 {
		if end := scanParenArea(c, i, g.end[0]); end > i {
			return end
		}
	}
	// International: country code then groups, 8 to 15 digits in all (E.164).
	for k := g.n; k >= 1; k-- {
		nd := g.digits(k)
		if nd < 8 || nd > 15 || (k == 1 && nd < 10) || !g.endsClean(text, k) {
			continue
		}
		if k > 1 && !intlSeps(&g, k, g.len(0) == 1 && text[i+1] == '1') {
			continue
		}
		end := g.end[k-1]
		c.add("phone", model.SeverityMedium, "phone-e164", i, end, prioSpecific, preview{kind: pvDigits}, "")
		return end
	}
	return i
}

// intlSeps accepts the separators of the first k groups of an international
// number: one kind throughout, or spaces that give way to hyphens once, the
// way a country code and area code are set apart from a subscriber number
// written with hyphens (+55 11 99945-1984, +81 90-8030-2086, +7 495
// 123-45-67). Dots do not mix: 1.2.3-4 is a version or a date.
// North American numbers have their own forms (scanPhoneNANP), so "+1" then
// mixed separators is a reaction and a date (+1 2024-05-07), not a number.
func intlSeps(g *numGroups, k int, cc1 bool) bool {
	if g.sameSep(k, ' ') || g.sameSep(k, '-') || g.sameSep(k, '.') {
		return true
	}
	if cc1 {
		return false
	}
	hyphen := false
	for j := 0; j < k-1; j++ {
		switch g.sep[j] {
		case '-':
			hyphen = true
		case ' ':
			if hyphen {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// scanParenPhone matches (415) 555-2671 with '(' at p; the span starts at from.
func scanParenPhone(c *collector, p, from int) int {
	text := c.text
	if p+14 > len(text) {
		return from
	}
	area := text[p+1 : p+4]
	if !allDigits(area) || text[p+4] != ')' {
		return from
	}
	j := p + 5
	if text[j] == ' ' {
		j++
	}
	if j+8 > len(text) {
		return from
	}
	exch, sep, line := text[j:j+3], text[j+3], text[j+4:j+8]
	if !allDigits(exch) || !(sep == '-' || sep == '.' || sep == ' ') || !allDigits(line) {
		return from
	}
	end := j + 8
	if end < len(text) && (setWord[text[end]] || text[end] == '-' && end+1 < len(text) && isDigit(text[end+1])) {
		return from
	}
	return addNANP(c, from, end, area, exch, line)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// scanPhoneNational matches numbers in the national form of countries that
// dial a trunk 0 (UK 020 7946 0958 and 07700 900123, FR 01 23 45 67 89, DE
// 030 12345678, IN 098765 43210): a first group of 2–5 digits starting with 0
// then a non-zero digit, one kind of separator, groups of at least two
// digits, 10–12 digits in all (nine as 0X-XXXXXXX). Without separators a
// leading-zero number is an id as often as a phone, so it needs a phone word
// before it.
func scanPhoneNational(c *collector, g *numGroups, i int) int {
	text := c.text
	if i+2 < len(text) && text[i+1] == '0' {
		return scanPhone00(c, g, i)
	}
	if g.n == 1 && g.len(0) >= 10 && g.len(0) <= 11 && text[i] == '0' && text[i+1] != '0' && g.endsClean(text, 1) &&
		phoneContext(text, i) {
		c.add("phone", model.SeverityMedium, "phone-national", i, g.end[0], prioSpecific, preview{kind: pvDigits}, "")
		return g.end[0]
	}
	if g.n < 2 || text[i] != '0' || g.len(0) < 2 || g.len(0) > 5 || text[i+1] == '0' {
		return i
	}
	if continuesGroups(c, i) || continuesCode(text, i) {
		return i
	}
	for k := g.n; k >= 2; k-- {
		nd := g.digits(k)
		// Nine digits only as 0X-XXXXXXX, the form of Israeli and other
		// two-digit area codes; a longer first group makes a date or id.
		if nd < 9 || nd > 12 || nd == 9 && (g.len(0) != 2 || k != 2) || !(g.sameSep(k, ' ') || g.sameSep(k, '-') || g.sameSep(k, '.')) {
			continue
		}
		short := false
		for j := 1; j < k; j++ {
			if g.len(j) < 2 || g.len(j) > 8 {
				short = true
			}
		}
		if short || !g.endsClean(text, k) {
			continue
		}
		end := g.end[k-1]
		c.add("phone", model.SeverityMedium, "phone-national", i, end, prioSpecific, preview{kind: pvDigits}, "")
		return end
	}
	return i
}

// scanParenCC matches an international number whose country code is in
// parentheses, (+44) 20 7946 0958, with '(' at p.
func scanParenCC(c *collector, p int) int {
	text := c.text
	q := p + 2
	for q < len(text) && isDigit(text[q]) && q-p-2 < 3 {
		q++
	}
	cc := q - p - 2
	if cc == 0 || text[p+2] == '0' || q >= len(text) || text[q] != ')' {
		return p
	}
	j := q + 1
	if j < len(text) && (text[j] == ' ' || text[j] == '-') {
		j++
	}
	if j >= len(text) || !isDigit(text[j]) {
		return p
	}
	g := parseGroups(text, j)
	return addIntlGroups(c, &g, p, cc, cc == 1 && text[p+2] == '1')
}

// scanPhone00 matches an international number dialled with the 00 prefix
// most of the world uses instead of '+': 0049 30 4920 7788. "0012 3456 7890"
// is as often an id, so a phone word must precede it.
func scanPhone00(c *collector, g *numGroups, i int) int {
	text := c.text
	cc := g.len(0) - 2
	if cc < 1 || cc > 3 || text[i+2] == '0' || g.n < 2 || !phoneContext(text, i) {
		return i
	}
	// The country code may run on into the number (004930 4920 7788): count
	// the digits after 00 as the E.164 number.
	return addIntlGroups(c, g, i, 0, cc == 1 && text[i+2] == '1')
}

// addIntlGroups reports the longest run of the groups g that makes an E.164
// number of 8–15 digits with pre digits before them (a country code already
// read), starting at start; it returns the end, or start. The 00 prefix of
// the first group is not counted.
func addIntlGroups(c *collector, g *numGroups, start, pre int, cc1 bool) int {
	text := c.text
	for k := g.n; k >= 1; k-- {
		nd := pre + g.digits(k)
		if text[g.start[0]] == '0' && g.len(0) > 2 && text[g.start[0]+1] == '0' {
			nd -= 2
		}
		if nd < 8 || nd > 15 || k == 1 && nd < 10 || k > 1 && !intlSeps(g, k, cc1) || !g.endsClean(text, k) {
			continue
		}
		end := g.end[k-1]
		c.add("phone", model.SeverityMedium, "phone-e164", start, end, prioSpecific, preview{kind: pvDigits}, "")
		return end
	}
	return start
}

// continuesCode reports whether the number at i follows the groups of an
// IBAN or BBAN printed in fours that did not validate as a whole (NL91 ABNA
// 0417 1643 00): a four-character group of capitals and digits holding a
// letter, which holds a digit itself or follows a group that mixes letters
// and digits. Its digit groups are not a phone number; "CALL 020 7946 0958"
// still is.
func continuesCode(text string, i int) bool {
	s, letter, digit := codeGroupBefore(text, i)
	if s != i-5 || !letter {
		return false
	}
	if digit {
		return true
	}
	_, letter, digit = codeGroupBefore(text, s)
	return letter && digit
}

// codeGroupBefore reads the group of up to four capitals and digits that
// ends one space before i and starts a word, returning its start (or i) and
// whether it holds letters and digits.
func codeGroupBefore(text string, i int) (start int, letter, digit bool) {
	if i < 2 || text[i-1] != ' ' {
		return i, false, false
	}
	s := i - 1
	for s > 0 && i-1-s < 4 && (text[s-1] >= 'A' && text[s-1] <= 'Z' || isDigit(text[s-1])) {
		s--
		if isDigit(text[s]) {
			digit = true
		} else {
			letter = true
		}
	}
	if s == i-1 || s > 0 && text[s-1] != ' ' {
		return i, false, false
	}
	return s, letter, digit
}

// scanTrunkParen matches a national number whose trunk-0 area code is in
// parentheses, (020) 7946 0958, with '(' at p; the span starts at p.
func scanTrunkParen(c *collector, p int) int {
	text := c.text
	q := p + 1
	for q < len(text) && isDigit(text[q]) && q-p <= 6 {
		q++
	}
	area := q - p - 1
	if area < 3 || area > 5 || text[p+1] != '0' || text[p+2] == '0' || q >= len(text) || text[q] != ')' {
		return p
	}
	j := q + 1
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j >= len(text) || !isDigit(text[j]) {
		return p
	}
	g := parseGroups(text, j)
	for k := g.n; k >= 1; k-- {
		nd := area + g.digits(k)
		if nd < 10 || nd > 12 || k > 1 && !(g.sameSep(k, ' ') || g.sameSep(k, '-')) || !g.endsClean(text, k) {
			continue
		}
		end := g.end[k-1]
		c.add("phone", model.SeverityMedium, "phone-national", p, end, prioSpecific, preview{kind: pvDigits}, "")
		return end
	}
	return p
}

// scanParenArea matches the rest of an international number whose area code
// is in parentheses: +44 (0)20 7946 0958, where (0) is the trunk prefix
// dropped when dialling from abroad, or +7 (495) 123-45-67. plus is the '+'
// and cc the end of the country code.
func scanParenArea(c *collector, plus, cc int) int {
	text := c.text
	j := cc
	if j < len(text) && text[j] == ' ' {
		j++
	}
	if j >= len(text) || text[j] != '(' {
		return plus
	}
	a := j + 1
	for j = a; j < len(text) && isDigit(text[j]) && j-a < 5; j++ {
	}
	if j == a || j >= len(text) || text[j] != ')' {
		return plus
	}
	area := j - a
	if area == 1 && text[a] == '0' {
		area = 0
	}
	j++
	if j < len(text) && (text[j] == ' ' || text[j] == '-') {
		j++
	}
	if j >= len(text) || !isDigit(text[j]) {
		return plus
	}
	g := parseGroups(text, j)
	for k := g.n; k >= 1; k-- {
		nd := cc - plus - 1 + area + g.digits(k)
		if nd < 8 || nd > 15 || k > 1 && !(g.sameSep(k, ' ') || g.sameSep(k, '-') || g.sameSep(k, '.')) || !g.endsClean(text, k) {
			continue
		}
		end := g.end[k-1]
		c.add("phone", model.SeverityMedium, "phone-e164", plus, end, prioSpecific, preview{kind: pvDigits}, "")
		return end
	}
	return plus
}
