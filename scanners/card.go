package scanners

import "github.com/ccsync/ccsync/model"

// scanCard finds payment card numbers: 12–19 digits, contiguous or in the
// groupings cards are printed in, that pass the Luhn check and fall in an
// issuer range whose lengths they meet. Published test numbers are reported
// too, with low severity and the "test-number" attribute: they are still card
// numbers to an auditor, just not a customer's.
func scanCard(c *collector, g *numGroups, i int) int {
	text := c.text
	if continuesGroups(c, i) {
		return i
	}
	for k := g.n; k >= 1; k-- {
		nd := g.digits(k)
		if nd < 12 || nd > 19 {
			continue
		}
		if k > 1 && !(g.sameSep(k, ' ') || g.sameSep(k, '-') || (g.sameSep(k, '.') && g.shape(4, 4, 4, 4) && k == 4)) {
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
		net, borderline := cardNetwork(digits)
		if net == "" {
			continue
		}
		if !luhn(digits) {
			if c.verbose && (k >= 4 || cardContext(text, i)) {
				c.add("credit_card", model.SeverityCritical, "credit-card", i, g.end[k-1], prioSpecific, preview{kind: pvDigits}, "invalid:luhn")
			}
			continue
		}
		// Lengths a network allows but rarely issues look like any other id
		// (4-4-4 is also an Aadhaar number) unless printed in four or more
		// card groups; otherwise they need a card word nearby.
		if borderline && k < 4 && !cardContext(text, i) && !testCard(digits) &&
			!(isCell(text, i, g.end[k-1]) && columnNamed(c, i, cardWords)) {
			continue
		}
		end := g.end[k-1]
		switch {
		case allSame(digits):
			c.add("credit_card", model.SeverityCritical, "credit-card", i, end, prioSpecific, preview{kind: pvDigits}, "placeholder:repeated-char")
		case testCard(digits):
			c.addAttrs("credit_card", model.SeverityLow, "credit-card-test-number", i, end, prioSpecific, preview{kind: pvDigits}, "", attrsTestNumber...)
		default:
			c.add("credit_card", model.SeverityCritical, "credit-card", i, end, prioSpecific, preview{kind: pvDigits}, "")
		}
		return end
	}
	return i
}

var attrsTestNumber = []string{"test-number"}

// cardGrouping accepts the ways cards are printed: contiguous; groups of four
// with a shorter or (19 digits) three-digit last group; 4-6-5 (American
// Express, UATP) and 4-6-4 (Diners Club); 4-5-6 (UATP); 4-4-5 (13 digits).
func cardGrouping(g *numGroups, k int) bool {
	if k == 1 {
		return true
	}
	if k == 3 && (g.shape(4, 6, 5) || g.shape(4, 6, 4) || g.shape(4, 5, 6) || g.shape(4, 4, 5)) {
		return true
	}
	if k < 3 {
		return false
	}
	for j := 0; j < k-1; j++ {
		if g.len(j) != 4 {
			return false
		}
	}
	return g.len(k-1) >= 1 && g.len(k-1) <= 4
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

// lens is a set of card lengths as a bit mask.
type lens uint32

func lengths(ls ...int) (m lens) {
	for _, l := range ls {
		m |= 1 << l
	}
	return m
}

func lengthRange(lo, hi int) (m lens) {
	for l := lo; l <= hi; l++ {
		m |= 1 << l
	}
	return m
}

func (m lens) has(l int) bool { return m&(1<<l) != 0 }

// iinRange is a range of issuer identification numbers, as six-digit
// prefixes, with the lengths the network issues there: valid ones, and the
// common ones among them (the others need a card word nearby when written
// without separators).
type iinRange struct {
	lo, hi int
	net    string
	valid  lens
	common lens
}

// iinTable lists the ranges of the card networks as they publish them (ISO/IEC
// 7812 issuer identification numbers), most specific first: the first range
// that contains a number's prefix decides.
var iinTable = func() []iinRange {
	l16 := lengths(16)
	l1619 := lengthRange(16, 19)
	c1619 := lengths(16, 19)
	maestro := lengthRange(12, 19)
	return []iinRange{
		{220000, 220499, "mir", l1619, c1619},
		{220500, 220599, "borica", l16, l16},
		{222100, 272099, "mastercard", l16, l16},
		{979200, 979299, "troy", l16, l16},
		{860000, 860099, "uzcard", l16, l16},
		{986000, 986099, "humo", l16, l16},
		{506099, 506198, "verve", lengths(16, 18, 19), c1619},
		{507865, 507964, "verve", lengths(16, 18, 19), c1619},
		{650002, 650027, "verve", lengths(16, 18, 19), c1619},
		{501900, 501999, "dankort", l16, l16},
		{501800, 501899, "maestro", maestro, c1619},
		{502000, 502099, "maestro", maestro, c1619},
		{503800, 503899, "maestro", maestro, c1619},
		{589300, 589399, "maestro", maestro, c1619},
		{630400, 630499, "maestro", maestro, c1619}, // also Laser
		{675900, 675999, "maestro", maestro, c1619},
		{676100, 676399, "maestro", maestro, c1619},
		{508000, 508999, "rupay", l16, l16},
		{340000, 349999, "amex", lengths(15), lengths(15)},
		{370000, 379999, "amex", lengths(15), lengths(15)},
		{300000, 305999, "diners", lengthRange(14, 19), lengths(14, 16)},
		{309500, 309599, "diners", lengthRange(14, 19), lengths(14, 16)},
		{360000, 369999, "diners", lengthRange(14, 19), lengths(14, 16)},
		{380000, 399999, "diners", lengthRange(14, 19), lengths(14, 16)}, // also Hipercard 3841
		{352800, 358999, "jcb", l1619, c1619},
		// JCB's ranges from before 3528–3589, still in test-card lists.
		{308800, 309499, "jcb", l16, l16},
		{309600, 310299, "jcb", l16, l16},
		{311200, 312099, "jcb", l16, l16},
		{315800, 315999, "jcb", l16, l16},
		{333700, 334999, "jcb", l16, l16},
		{310000, 319999, "china-t-union", lengths(19), lengths(19)},
		{601100, 601199, "discover", l1619, c1619},
		{622126, 622925, "discover", l1619, c1619}, // co-branded with UnionPay
		{644000, 659999, "discover", l1619, c1619}, // 65 is also RuPay and Elo
		{620000, 629999, "unionpay", l1619, c1619},
		{810000, 817199, "unionpay", l1619, c1619},
		{817200, 829999, "rupay", l16, l16},
		{510000, 559999, "mastercard", l16, l16},
		// Maestro's wide ranges also hold InstaPayment (637–639), Laser,
		// RuPay (60), Hipercard (606282), Elo and InterPayment (636).
		{500000, 509999, "maestro", maestro, c1619},
		{560000, 699999, "maestro", maestro, c1619},
		// Visa stopped issuing 13 digits long ago; 13 bare digits starting
		// with 4 are far more often an EAN-13 barcode (German prefixes 400–440).
		{400000, 499999, "visa", lengths(13, 16, 19), lengths(16, 19)},
		{213100, 213199, "jcb", lengths(15), lengths(15)}, // the original JCB ranges
		{180000, 180099, "jcb", lengths(15), lengths(15)},
		{100000, 199999, "uatp", lengths(15), lengths(15)},
	}
}()

// cardIssuer reports whether a number meets the ranges and lengths of a network.
func cardIssuer(d []byte) bool {
	net, _ := cardNetwork(d)
	return net != ""
}

// cardNetwork returns the network whose ranges and lengths a number meets, or
// "", and whether its length is one that network rarely issues.
func cardNetwork(d []byte) (net string, borderline bool) {
	p6 := prefixNum(d, 6)
	l := len(d)
	for k := range iinTable {
		r := &iinTable[k]
		if p6 < r.lo || p6 > r.hi {
			continue
		}
		if !r.valid.has(l) {
			return "", false
		}
		return r.net, !r.common.has(l)
	}
	return "", false
}

// cardContext reports whether a payment word precedes i closely.
func cardContext(text string, i int) bool {
	return contextWord(text, i, 48, cardWords)
}

var cardWords = []string{"card", "visa", "cc", "cvv", "cvc", "expiry", "exp", "amex", "mastercard",
	"maestro", "credit", "debit", "pan", "payment", "kreditkarte", "carte", "tarjeta", "jcb", "unionpay",
	"diners", "discover"}

// testCards are the numbers payment providers publish for test mode (Stripe,
// Adyen, Braintree, PayPal, Worldpay, Datatrans and the networks' own
// samples); they appear in every integration tutorial.
var testCards = map[string]bool{
	// Visa
	"4111111111111111": true, "4242424242424242": true, "4000056655665556": true, "4012888888881881": true,
	"4222222222222": true, "4012000033330026": true, "4012000077777777": true, "4005519200000004": true,
	"4009348888881881": true, "4217651111111119": true, "4500600000000061": true, "4917300800000000": true,
	"4484070000000000": true, "4444333322221111": true, "4988438843884305": true, "4035501000000008": true,
	"4360000001000005": true, "4000002500001001": true, "4000000760000002": true, "4000001240000000": true,
	"4000004840008001": true, "4000000000003220": true, "4000000000000002": true, "4000000000009995": true,
	"4000000000009987": true, "4000000000009979": true, "4000000000000069": true, "4000000000000127": true,
	"4000000000000119": true, "4000002500003155": true, "4000002760003184": true, "4000000000003063": true,
	"4000000000000077": true, "4000000000000341": true, "4100000000000019": true, "4000000000000101": true,
	"4111111111111111111": true, "4012001037141112": true, "4916909992637469": true,
	// Mastercard
	"5555555555554444": true, "5200828282828210": true, "5105105105105100": true, "2223003122003222": true,
	"5454545454545454": true, "5101180000000007": true, "2222400070000005": true, "5500000000000004": true,
	"2223000048400011": true, "5431111111111111": true, "5404000000000001": true,
	// American Express
	"378282246310005": true, "371449635398431": true, "378734493671000": true, "370000000000002": true,
	"340000000000009": true, "341111111111111": true,
	// Discover, Diners, JCB, UnionPay, Maestro, UATP
	"6011111111111117": true, "6011000990139424": true, "6011981111111113": true, "6011000400000000": true,
	"6011601160116611": true, "6555900000604105": true, "3056930009020004": true, "36227206271667": true,
	"30569309025904": true, "38520000023237": true, "36259600000004": true, "36006666333344": true,
	"3566002020360505": true, "3530111333300000": true, "3528000700000000": true, "3569990010095841": true,
	"6200000000000005": true, "6200000000000047": true, "6205500000000000004": true, "6250946000000016": true,
	"6759649826438453": true, "6304000000000000": true, "5019717010103742": true, "6703444444444449": true,
	"6331101999990016": true, "122000000000003": true, "135410014004955": true,
}

// testCard reports published test numbers, and numbers that are mostly one
// digit (4000 0000 0000 0002), the way test numbers are built.
func testCard(d []byte) bool {
	var b [19]byte
	for j, v := range d {
		b[j] = v + '0'
	}
	if testCards[string(b[:len(d)])] {
		return true
	}
	var counts [10]int
	for _, v := range d {
		counts[v]++
	}
	for _, n := range counts {
		if 4*n >= 3*len(d) {
			return true
		}
	}
	return false
}

func allSame(d []byte) bool {
	for _, v := range d[1:] {
		if v != d[0] {
			return false
		}
	}
	return true
}
