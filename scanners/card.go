package scanners

import "github.com/ccsync/ccsync/model"

// scanCard finds payment card numbers: 13–19 digits, contiguous or in groups
// joined by one kind of separator, that pass the Luhn check and belong to an
// issuer range whose length rules they meet.
func scanCard(c *collector, g *numGroups, i int) int {
	text := c.text
	for k := g.n; k >= 1; k-- {
		nd := g.digits(k)
		if nd < 13 || nd > 19 {
			continue
		}
		if k > 1 && !(g.sameSep(k, ' ') || g.sameSep(k, '-')) {
			continue
		}
		if !cardGrouping(g, k) || !g.endsClean(text, k) {
			continue
		}
		var d [19]byte
		n := 0
		for j := 0; j < k; j++ {
			for p := g.start[j]; p < g.end[j]; p++ {
				d[n] = text[p] - '0'
				n++
			}
		}
		digits := d[:n]
		if !luhn(digits) || !cardIssuer(digits) {
			continue
		}
		end := g.end[k-1]
		why := ""
		if testCard(digits) {
			why = "placeholder:test-card"
		} else if allSame(digits) {
			why = "placeholder:repeated-char"
		}
		c.add("credit_card", model.SeverityCritical, "credit-card", i, end, prioSpecific, preview{kind: pvDigits}, why)
		return end
	}
	return i
}

// cardGrouping accepts the ways cards are printed: contiguous, groups of
// four with a shorter last group, and the 4-6-5 / 4-6-4 layouts of American
// Express and Diners Club.
func cardGrouping(g *numGroups, k int) bool {
	if k == 1 {
		return true
	}
	if k == 3 && (g.shape(4, 6, 5) || g.shape(4, 6, 4)) {
		return true
	}
	for j := 0; j < k-1; j++ {
		if g.len(j) != 4 {
			return false
		}
	}
	return g.len(k-1) <= 4
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for j := len(d) - 1; j >= 0; j-- {
		v := int(d[j])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

func prefixNum(d []byte, n int) int {
	v := 0
	for j := 0; j < n && j < len(d); j++ {
		v = v*10 + int(d[j])
	}
	return v
}

// cardIssuer checks the issuer identification number ranges and lengths of
// the major networks (ISO/IEC 7812 as published by the networks).
func cardIssuer(d []byte) bool {
	l := len(d)
	p1, p2, p3, p4, p6 := prefixNum(d, 1), prefixNum(d, 2), prefixNum(d, 3), prefixNum(d, 4), prefixNum(d, 6)
	switch {
	case p1 == 4: // Visa
		return l == 13 || l == 16 || l == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return l == 16
	case p2 == 34 || p2 == 37: // American Express
		return l == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return l >= 16 && l <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return l >= 16 && l <= 19
	case p3 >= 300 && p3 <= 305, p4 == 3095, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return l >= 14 && l <= 19
	case p2 == 62: // UnionPay
		return l >= 16 && l <= 19
	case p4 >= 2200 && p4 <= 2204: // Mir
		return l >= 16 && l <= 19
	case p2 == 50, p2 >= 56 && p2 <= 58, p2 == 67: // Maestro
		return l >= 13 && l <= 19
	}
	return false
}

// testCards are the numbers payment providers publish for test mode; they
// appear in every integration tutorial and are not card data.
var testCards = map[string]bool{
	"4111111111111111": true, "4242424242424242": true, "4000056655665556": true,
	"5555555555554444": true, "5200828282828210": true, "5105105105105100": true,
	"378282246310005": true, "371449635398431": true, "6011111111111117": true,
	"6011000990139424": true, "3056930009020004": true, "36227206271667": true,
	"3566002020360505": true, "6200000000000005": true, "4012888888881881": true,
	"4000000000000002": true, "4000000000009995": true, "4000002500003155": true,
	"2223003122003222": true, "4222222222222": true,
}

func testCard(d []byte) bool {
	var b [19]byte
	for j, v := range d {
		b[j] = v + '0'
	}
	return testCards[string(b[:len(d)])]
}

func allSame(d []byte) bool {
	for _, v := range d[1:] {
		if v != d[0] {
			return false
		}
	}
	return true
}
