package scanners

import "github.com/ccsync/ccsync/model"

// scanNINO finds UK National Insurance numbers: two prefix letters, six
// digits and a suffix A–D, written together or spaced as "AB 12 34 56 C". HMRC
// never uses D, F, I, Q, U or V in the prefix, nor O as its second letter,
// nor the prefixes BG, GB, NK, KN, TN, NT and ZZ (so the HMRC specimen
// QQ 12 34 56 C is not matched). Returns the end of a match or i.
func scanNINO(c *collector, i int) int {
	text := c.text
	if i+9 > len(text) {
		return i
	}
	upper := text[i] >= 'A' && text[i] <= 'Z'
	a, b := text[i]|0x20, text[i+1]|0x20
	if !isLetterByte(text[i+1]) || (text[i+1] >= 'A' && text[i+1] <= 'Z') != upper {
		return i
	}
	if ninoBadLetter(a) || ninoBadLetter(b) || b == 'o' {
		return i
	}
	for _, bad := range [...]string{"bg", "gb", "nk", "kn", "tn", "nt", "zz"} {
		if a == bad[0] && b == bad[1] {
			return i
		}
	}
	p := i + 2
	for pair := 0; pair < 3; pair++ {
		if p < len(text) && text[p] == ' ' {
			p++
		}
		if p+2 > len(text) || !isDigit(text[p]) || !isDigit(text[p+1]) {
			return i
		}
		p += 2
	}
	if p < len(text) && text[p] == ' ' {
		p++
	}
	if p >= len(text) {
		return i
	}
	s := text[p]
	if upper && !(s >= 'A' && s <= 'D') || !upper && !(s >= 'a' && s <= 'd') {
		return i
	}
	end := p + 1
	if end < len(text) && (setWord[text[end]] || letterOrDigitAt(text, end)) {
		return i
	}
	c.add("uk_nino", model.SeverityCritical, "uk-nino", i, end, prioSpecific, preview{}, "")
	return end
}

func ninoBadLetter(l byte) bool {
	switch l {
	case 'd', 'f', 'i', 'q', 'u', 'v':
		return true
	}
	return false
}
