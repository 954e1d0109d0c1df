package scanners

import "github.com/ccsync/ccsync/model"

// scanSSN finds US Social Security numbers and Individual Taxpayer
// Identification Numbers, which share the 3-2-4 shape: separated by '-', ' '
// or '.', or nine contiguous digits when a context word precedes them (random
// nine-digit numbers are everywhere). SSA never issues area 000, 666 or
// 900–999, group 00 or serial 0000; area 9xx is the IRS's ITIN space.
func scanSSN(c *collector, g *numGroups, i int) int {
	text := c.text
	var k int
	switch {
	case g.shape(3, 2, 4) && (g.sameSep(3, '-') || g.sameSep(3, ' ') || g.sameSep(3, '.')) && g.endsClean(text, 3):
		k = 3
	case g.shape(9) && g.endsClean(text, 1) && ssnNamed(c, i, g.end[0]):
		k = 1
	default:
		return i
	}
	end := g.end[k-1]
	d := nineDigits(text, i, end)
	area, group, serial := prefixNum(d[:], 3), prefixNum(d[3:], 2), prefixNum(d[5:], 4)
	if area >= 900 {
		return scanITIN(c, i, end, group)
	}
	if area == 0 || area == 666 || group == 0 || serial == 0 {
		if c.verbose {
			c.add("ssn", model.SeverityCritical, "us-ssn", i, end, prioSpecific, preview{kind: pvDigits}, "invalid:ssn-never-issued")
		}
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

// ssnWords name an SSN or ITIN; nine bare digits are one only after them.
var ssnWords = []string{"ssn", "social security", "ss#", "ss no", "taxpayer", "tax id", "tin", "itin",
	"sozialversicherungsnummer"}

// ssnNamed reports whether nine bare digits at [i, end) are named an SSN or
// ITIN: by the header of their table column, or else an SSN word precedes
// them and no SIN word comes between it and them (a form naming both: "SSN
// …, SIN 130692544").
func ssnNamed(c *collector, i, end int) bool {
	text := c.text
	if isCell(text, i, end) {
		if columnNamed(c, i, ssnWords) {
			return true
		}
		if columnNamed(c, i, sinWords) {
			return false
		}
	}
	at := lastContextWord(text, i, 48, ssnWords)
	return at >= 0 && at > lastContextWord(text, i, 48, sinWords)
}

// nineDigits reads the nine digits of an SSN, ITIN or SIN printed between i
// and end, skipping its separators.
func nineDigits(text string, i, end int) (d [9]byte) {
	n := 0
	for p := i; p < end && n < 9; p++ {
		if isDigit(text[p]) {
			d[n] = text[p] - '0'
			n++
		}
	}
	return d
}
