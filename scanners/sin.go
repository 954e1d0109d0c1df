package scanners

import "github.com/ccsync/ccsync/model"

// scanSIN finds Canadian Social Insurance Numbers: nine digits in 3-3-3
// groups joined by ' ' or '-', or contiguous after a context word, passing
// the Luhn check. Service Canada never issues numbers starting with 0 or 8.
func scanSIN(c *collector, g *numGroups, i int) int {
	text := c.text
	if continuesGroups(c, i) {
		return i
	}
	var k int
	switch {
	case g.shape(3, 3, 3) && (g.sameSep(3, ' ') || g.sameSep(3, '-')) && g.endsClean(text, 3):
		k = 3
	case g.shape(9) && g.endsClean(text, 1) && (contextWord(text, i, 48, sinWords) ||
		isCell(text, i, g.end[0]) && columnNamed(c, i, sinWords)):
		k = 1
	default:
		return i
	}
	end := g.end[k-1]
	d := nineDigits(text, i, end)
	if d[0] == 0 || d[0] == 8 || !luhn(d[:]) {
		if c.verbose && k == 1 {
			c.add("ca_sin", model.SeverityCritical, "ca-sin", i, end, prioSpecific, preview{kind: pvDigits}, "invalid:sin")
		}
		return i
	}
	why := ""
	if allSame(d[:]) {
		why = "placeholder:repeated-char"
	} else if k == 3 && i > 0 && text[i-1] == '+' {
		return i // an international phone number in 3-3-3 groups
	}
	c.add("ca_sin", model.SeverityCritical, "ca-sin", i, end, prioSpecific, preview{kind: pvDigits}, why)
	return end
}

// sinWords name a SIN in English and French (numéro d'assurance sociale).
var sinWords = []string{"sin", "social insurance", "nas", "assurance sociale"}
