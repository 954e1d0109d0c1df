package evaluation

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// cardNetwork is an issuer identification range (from the networks' public
// IIN tables) with the PAN lengths the network issues.
type cardNetwork struct {
	name     string
	prefixes []string // single prefixes or "lo-hi" ranges of equal width
	lengths  []int
}

var cardNetworks = []cardNetwork{
	{"visa", []string{"4"}, []int{16, 16, 16, 13, 19}},
	{"mastercard", []string{"51-55", "2221-2720"}, []int{16}},
	{"amex", []string{"34", "37"}, []int{15}},
	{"discover", []string{"6011", "644-649", "65"}, []int{16, 19}},
	{"jcb", []string{"3528-3589"}, []int{16, 17, 18, 19}},
	{"diners", []string{"300-305", "36"}, []int{14}},
	{"diners-16", []string{"38", "39"}, []int{16}},
	{"maestro", []string{"5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"}, []int{12, 13, 15, 16, 18, 19}},
	{"unionpay", []string{"62"}, []int{16, 17, 18, 19}},
	{"mir", []string{"2200-2204"}, []int{16}},
	{"rupay", []string{"60", "6521", "6522"}, []int{16}},
	{"uatp", []string{"1"}, []int{15}},
	{"verve", []string{"506099-506198"}, []int{16, 19}},
}

// Published test numbers (payment providers' test-mode documentation); the
// engine must report them as credit_card with the test-number attribute.
var testCardNumbers = []string{
	"4242424242424242", "4000056655665556", "4111111111111111", "4012888888881881",
	"5555555555554444", "5105105105105100", "2223003122003222", "5200828282828210",
	"378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
	"3056930009020004", "36227206271667", "3566002020360505", "6200000000000005",
	"4000002500003155", "4000000000003220", "4000000000009995",
}

func (n cardNetwork) prefix(r *rand.Rand) string {
	p := pick(r, n.prefixes)
	lo, hi, ok := strings.Cut(p, "-")
	if !ok {
		return p
	}
	a, _ := strconv.Atoi(lo)
	b, _ := strconv.Atoi(hi)
	s := strconv.Itoa(a + r.IntN(b-a+1))
	return strings.Repeat("0", len(lo)-len(s)) + s
}

func (n cardNetwork) matches(pan string) bool {
	ok := false
	for _, l := range n.lengths {
		ok = ok || l == len(pan)
	}
	if !ok {
		return false
	}
	for _, p := range n.prefixes {
		lo, hi, isRange := strings.Cut(p, "-")
		if !isRange {
			if strings.HasPrefix(pan, p) {
				return true
			}
			continue
		}
		v, _ := strconv.Atoi(pan[:len(lo)])
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		if v >= a && v <= b {
			return true
		}
	}
	return false
}

// formatPAN groups the digits the way cards are printed or typed.
func formatPAN(r *rand.Rand, pan string) string {
	switch r.IntN(4) {
	case 0, 1:
		return pan
	case 2:
		if len(pan) == 15 {
			return pan[:4] + " " + pan[4:10] + " " + pan[10:]
		}
		if len(pan) == 14 {
			return pan[:4] + " " + pan[4:10] + " " + pan[10:]
		}
		return groupBy(pan, 4, " ")
	default:
		return groupBy(pan, 4, "-")
	}
}

func cardFormats() []*Format {
	keys := []string{"card_number", "cc", "pan", "CardNumber"}
	says := []string{"charge it to my card %s", "card number %s exp 09/29", "the customer paid with %s", "use %s for the refund"}
	var fs []*Format
	for _, n := range cardNetworks {
		n := n
		fs = append(fs, &Format{
			Name: "card-" + n.name, Type: "credit_card", Keys: keys, Says: says, Place: piiShape,
			Gen: func(r *rand.Rand) string {
				l := pick(r, n.lengths)
				p := n.prefix(r)
				payload := p + digits(r, l-len(p)-1)
				return formatPAN(r, payload+string(luhnDigit(payload)))
			},
			Valid: func(s string) bool {
				d := onlyDigits(s)
				return luhnValid(d) && n.matches(d)
			},
		})
	}
	fs = append(fs, &Format{
		Name: "card-test-number", Type: "credit_card", Keys: keys, Says: says, Place: piiShape, Attrs: []string{"test-number"},
		Gen:   func(r *rand.Rand) string { return formatPAN(r, pick(r, testCardNumbers)) },
		Valid: func(s string) bool { return luhnValid(onlyDigits(s)) },
	})
	return fs
}
