package scanners

import "github.com/ccsync/ccsync/model"

// Passport numbers have no checksum and no shape shared across countries
// (US and UK 9 digits, CA two letters and six digits, DE nine characters, FR
// 2-2-5, IN a letter and seven digits), so a number is only a passport
// number right after a word that says so. scanPassport runs at such a word
// and looks ahead, over "number", "no.", '#', ':' and quotes, for the value.

// passportWords are "passport" in English, French, German, Spanish,
// Italian, Dutch, Polish and Portuguese.
var passportWords = []string{"passport", "passeport", "reisepass", "pasaporte", "passaporto", "paspoort",
	"paszport", "passaporte"}

// passportFillers may stand between the keyword and the value.
// "value" is the attribute of .NET config entries: <add key="passport_no"
// value="…"/>.
var passportFillers = []string{"no", "nr", "num", "number", "numbers", "numero", "número", "nummer", "numer",
	"is", "id", "#", "n°", "nº", "of", "my", "the", "was", "de", "du", "del", "di", "van", "value"}

func scanPassport(c *collector, i int) int {
	text := c.text
	kw := 0
	for _, w := range passportWords {
		if hasPrefixFold(text[i:], w) {
			kw = len(w)
			break
		}
	}
	if kw == 0 {
		return i
	}
	p := i + kw
	// The rest of a compound: passport_number, passportNo, Reisepassnummer.
	for p < len(text) && p-i < 24 && (isLetterByte(text[p]) || text[p] == '_') {
		p++
	}
	// A table's header: the values are in the rows below, in the same
	// column. The name may run on over spaces ("Passport Number").
	cell := p
	for cell < len(text) && cell-i < 40 && (isLetterByte(text[cell]) || text[cell] == ' ' || text[cell] == '_' || text[cell] == '.' || text[cell] == '#') {
		cell++
	}
	if col, ok := headerCellAt(c, i, cell); ok {
		columnCells(c, col, func(cs, ce int) { addPassport(c, cs, cs) })
		return p
	}
	limit := p + 40
	for fillers := 0; p < len(text) && p < limit; {
		switch text[p] {
		// '\\' for keys and values in JSON escaped inside JSON.
		case ' ', '\t', ':', '=', '#', '.', '"', '\'', '`', '*', '(', ')', ',', '-', '>', '\\':
			p++
			continue
		}
		if isLetterByte(text[p]) || text[p] >= 0x80 {
			f := passportFiller(text, p)
			if f == 0 || fillers == 4 {
				break
			}
			fillers++
			p += f
			continue
		}
		break
	}
	return addPassport(c, i, p)
}

// passportFiller returns the length of a filler word at p, or 0.
func passportFiller(text string, p int) int {
	for _, f := range passportFillers {
		e := p + len(f)
		if hasPrefixFold(text[p:], f) && (e == len(text) || !isLetterByte(text[e]) && text[e] < 0x80) {
			return e - p
		}
	}
	return 0
}

// addPassport reports the value at p: 6–10 upper-case letters and digits,
// ending the word, that are either mostly digits (at least five digits, at
// most three letters: US, UK, FR, IN, CA and most other books) or nine
// characters led by a letter and holding a digit (German and Dutch books,
// drawn from letters and digits alike). It returns the end of what was
// consumed from the keyword at i.
func addPassport(c *collector, i, p int) int {
	text := c.text
	e, digits, letters := p, 0, 0
	for e < len(text) && e-p <= 10 {
		ch := text[e]
		if isDigit(ch) {
			digits++
		} else if ch >= 'A' && ch <= 'Z' {
			letters++
		} else {
			break
		}
		e++
	}
	n := e - p
	mostlyDigits := digits >= 5 && letters <= 3
	alnum9 := n == 9 && digits >= 1 && !isDigit(text[p])
	if n < 6 || n > 10 || !mostlyDigits && !alnum9 {
		return i
	}
	if e < len(text) && (setWord[text[e]] || letterOrDigitAt(text, e) || text[e] == '-' && e+1 < len(text) && isAlnum(text[e+1])) {
		return i
	}
	why := ""
	v := text[p:e]
	switch {
	case dominantChar(v), repeatedRun(v, 5):
		why = "placeholder:repeated-char"
	case hasPrefixFold(v, "speci"), hasPrefixFold(v, "sample"), hasPrefixFold(v, "exampl"):
		// Specimen books print SPECI2014 and the like.
		why = "placeholder:specimen"
	default:
		for _, run := range sequentialRuns {
			if containsFold(v, run) {
				why = "placeholder:sequential"
			}
		}
	}
	c.add("passport", model.SeverityHigh, "passport-number", p, e, prioContext, preview{}, why)
	return e
}
