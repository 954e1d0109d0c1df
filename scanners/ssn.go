package scanners

import "github.com/ccsync/ccsync/model"

// scanSSN finds US Social Security numbers: 3-2-4 digits joined by '-' or
// ' ', or nine contiguous digits when an SSN context word precedes them
// (random nine-digit numbers are everywhere). SSA never issues area 000, 666
// or 900–999, group 00 or serial 0000.
func scanSSN(c *collector, g *numGroups, i int) int {
	text := c.text
	var k int
	switch {
	case g.shape(3, 2, 4) && (g.sameSep(3, '-') || g.sameSep(3, ' ')) && g.endsClean(text, 3):
		k = 3
	case g.shape(9) && g.endsClean(text, 1) && ssnContext(text, i):
		k = 1
	default:
		return i
	}
	end := g.end[k-1]
	var d [9]byte
	n := 0
	for p := i; p < end; p++ {
		if isDigit(text[p]) {
			d[n] = text[p] - '0'
			n++
		}
	}
	area, group, serial := prefixNum(d[:], 3), prefixNum(d[3:], 2), prefixNum(d[5:], 4)
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return i
	}
	why := ""
	switch {
	case allSame(d[:]):
		why = "placeholder:repeated-char"
	case area == 78 && group == 5 && serial == 1120, area == 219 && group == 9 && serial == 9999,
		area == 123 && group == 45 && serial == 6789:
		// The Woolworth wallet card, the 1940s SSA pamphlet sample, and the
		// sequential number every form example uses.
		why = "placeholder:sample-ssn"
	}
	c.add("ssn", model.SeverityCritical, "us-ssn", i, end, prioSpecific, preview{kind: pvDigits}, why)
	return end
}

// ssnContext reports whether an SSN keyword appears shortly before i.
func ssnContext(text string, i int) bool {
	lo := i - 48
	if lo < 0 {
		lo = 0
	}
	w := text[lo:i]
	return containsFold(w, "ssn") || containsFold(w, "social security") || containsFold(w, "ss#") ||
		containsFold(w, "taxpayer id")
}
