package scanners

import "github.com/ccsync/ccsync/model"

// scanIBAN finds International Bank Account Numbers: a country code, two
// check digits and the country's BBAN, with the total length the SWIFT IBAN
// registry gives for that country, written contiguously or in groups of four
// separated by single spaces (or hyphens), whose ISO 7064 mod-97 remainder
// is 1.
func scanIBAN(c *collector, i int) int {
	text := c.text
	if i+15 > len(text) {
		return i
	}
	want := ibanLength(text[i], text[i+1])
	if want == 0 || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
		return i
	}
	var buf [34]byte
	n := 0
	p := i
	var sep byte // ' ' or '-' between groups of four, once the first is seen
	for n < want && p < len(text) {
		ch := text[p]
		if (ch == ' ' || ch == '-') && n > 0 && n%4 == 0 && p+1 < len(text) && ibanChar(text[p+1]) &&
			(n == 4 && sep == 0 || ch == sep) {
			sep = ch
			p++
			continue
		}
		if !ibanChar(ch) {
			break
		}
		if sep != 0 && n%4 == 0 && text[p-1] != sep {
			return i // groups of four, then one unseparated: not a printed IBAN
		}
		buf[n] = ch
		n++
		p++
	}
	if n != want || (p < len(text) && (ibanChar(text[p]) || setWord[text[p]] || letterOrDigitAt(text, p))) {
		return i
	}
	if !ibanChecksum(buf[:n]) {
		if c.verbose {
			c.add("iban", model.SeverityHigh, "iban", i, p, prioSpecific, ibanPreview, "invalid:iban-checksum")
		}
		return i
	}
	c.add("iban", model.SeverityHigh, "iban", i, p, prioSpecific, ibanPreview, ibanPlaceholder(buf[4:n]))
	return p
}

// ibanPlaceholder reports a BBAN that carries no account: its digits one
// digit repeated (GB..WEST00000000000000) or a counting run (1234567890…) as
// in form examples. Long runs of zeros among other digits are not filler in
// an IBAN: BBANs pad bank, branch and account numbers with zeros to fixed
// widths, and a valid mod-97 check already says that the digits were not
// typed at random.
func ibanPlaceholder(bban []byte) string {
	same, counting := true, true
	var first, prev byte
	n := 0
	for _, ch := range bban {
		if !isDigit(ch) {
			if n > 0 {
				counting = false // a counting run is all digits
			}
			continue
		}
		if n == 0 {
			first = ch
		} else {
			if ch != first {
				same = false
			}
			if (prev-'0'+1)%10 != ch-'0' {
				counting = false
			}
		}
		prev = ch
		n++
	}
	switch {
	case n < 8:
		return ""
	case same:
		return "placeholder:repeated-char"
	case counting:
		return "placeholder:sequential"
	}
	return ""
}

func ibanChar(ch byte) bool { return ch >= 'A' && ch <= 'Z' || isDigit(ch) }

// ibanChecksum moves the first four characters to the end, reads letters as
// 10–35, and checks the number mod 97 is 1 (ISO 13616).
func ibanChecksum(s []byte) bool {
	r := 0
	for k := 0; k < len(s); k++ {
		ch := s[(k+4)%len(s)]
		if isDigit(ch) {
			r = (r*10 + int(ch-'0')) % 97
		} else {
			r = (r*100 + int(ch-'A'+10)) % 97
		}
	}
	return r == 1
}

// ibanLength is the IBAN length for a country code, or 0 for a code that has
// none: the SWIFT IBAN registry, plus the countries whose banks print IBANs
// outside it (mostly francophone Africa).
func ibanLength(a, b byte) int {
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0
	}
	return int(ibanLengths[int(a-'A')*26+int(b-'A')])
}

var ibanLengths = func() (t [26 * 26]uint8) {
	for _, e := range []struct {
		cc string
		n  uint8
	}{
		{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
		{"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
		{"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
		{"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
		{"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
		{"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
		{"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
		{"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
		{"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
		{"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
		{"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
		{"YE", 30},
		// Outside the registry, in use by their banks.
		{"AO", 25}, {"BF", 28}, {"BJ", 28}, {"CF", 27}, {"CG", 27}, {"CI", 28}, {"CM", 27}, {"CV", 25},
		{"DZ", 26}, {"GA", 27}, {"GQ", 27}, {"GW", 25}, {"IR", 26}, {"KM", 27}, {"MA", 28}, {"MG", 27},
		{"ML", 28}, {"MZ", 25}, {"NE", 28}, {"SN", 28}, {"TD", 27}, {"TG", 28},
	} {
		t[int(e.cc[0]-'A')*26+int(e.cc[1]-'A')] = e.n
	}
	return t
}()

// ibanPreview keeps the country code and the last four characters: the
// bank code inside the BBAN may hold letters that digit masking would show.
var ibanPreview = preview{kind: pvSecret, prefix: 2}
