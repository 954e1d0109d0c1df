package evaluation

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

var (
	firstNames = []string{"Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Grace", "Hiro", "Ingrid", "Jonas", "Kavya", "Liam", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yusuf", "Zoe"}
	lastNames  = []string{"Anders", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Wojcik", "Yilmaz", "Zhang"}
	companies  = []string{"acme", "northwind", "globex", "initech", "umbrella", "hooli", "vandelay", "wonka", "stark", "tyrell", "cyberdyne", "soylent", "monarch", "oscorp", "aperture"}
	tlds       = []string{"com", "io", "co.uk", "de", "org", "dev", "net", "fr", "ca", "com.au"}
)

func piiFormat(name, typ string, gen func(*rand.Rand) string, valid func(string) bool, keys, says []string) *Format {
	return &Format{Name: name, Type: typ, Gen: gen, Valid: valid, Keys: keys, Says: says, Place: piiShape}
}

func piiFormats() []*Format {
	fs := []*Format{
		piiFormat("email", "email", genEmail, reValid(`[a-z0-9._+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+`),
			[]string{"email", "Email", "contact_email", "user_email"},
			[]string{"you can reach me at %s", "please cc %s on the thread", "her address is %s, send the contract there", "Email from %s bounced"}),
		piiFormat("ssn", "ssn", genSSN, validSSN, []string{"ssn", "SSN", "social_security_number"},
			[]string{"my SSN is %s", "Social Security Number: %s", "employee SSN %s needs to be corrected in payroll"}),
		piiFormat("itin", "itin", genITIN, validITIN, []string{"itin", "ITIN", "taxpayer_id"},
			[]string{"his ITIN is %s", "ITIN: %s (issued by the IRS)", "the W-7 came back with ITIN %s"}),
		piiFormat("iban", "iban", genIBAN, validIBAN, []string{"iban", "IBAN", "account_iban"},
			[]string{"please wire it to IBAN %s", "IBAN: %s", "our bank details: %s (BIC on the invoice)"}),
		piiFormat("uk-nino", "uk_nino", genNINO, validNINO, []string{"ni_number", "NINO", "national_insurance_number"},
			[]string{"my National Insurance number is %s", "NI number: %s", "NINO %s on the P60"}),
		piiFormat("ca-sin", "ca_sin", genSIN, validSIN, []string{"sin", "SIN", "social_insurance_number"},
			[]string{"my SIN is %s", "Social Insurance Number: %s", "SIN %s for the T4 slip"}),
		piiFormat("passport", "passport", genPassport, validPassport, []string{"passport_number", "passport_no", "PassportNumber"},
			[]string{"passport number: %s", "Passport No. %s, expires 2031", "my passport # is %s"}),
		piiFormat("phone-e164", "phone", genPhoneE164, validPhoneE164, []string{"phone", "mobile", "tel", "phone_number"},
			[]string{"call me on %s", "my mobile is %s", "Phone: %s", "text %s when you land"}),
		piiFormat("phone-national", "phone", genPhoneNational, validPhoneNational, []string{"phone", "mobile", "tel"},
			[]string{"call me on %s", "office line: %s", "Phone: %s"}),
		piiFormat("ipv4", "ip_address", genIPv4, validIPv4, []string{"host", "ip", "remote_addr", "server_ip"},
			[]string{"the box is at %s", "connection refused from %s", "whitelist %s in the security group"}),
		piiFormat("ipv6", "ip_address", genIPv6, validIPv6, []string{"host", "ipv6", "remote_addr"},
			[]string{"the box is at %s", "got a request from %s", "AAAA record points to %s"}),
	}
	fs = append(fs, cardFormats()...)
	return fs
}

func genEmail(r *rand.Rand) string {
	f, l := strings.ToLower(pick(r, firstNames)), strings.ToLower(pick(r, lastNames))
	local := pick(r, []string{f + "." + l, f + l + digits(r, 2), f[:1] + "." + l, f + "_" + l, f + "+" + pick(r, []string{"billing", "test", "news"}), l})
	domain := pick(r, companies) + pick(r, []string{"", "-corp", "mail", "-labs"})
	if r.IntN(4) == 0 {
		domain = pick(r, []string{"mail", "eu", "corp"}) + "." + domain
	}
	return local + "@" + domain + "." + pick(r, tlds)
}

// SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999.
func genSSN(r *rand.Rand) string {
	area := 1 + r.IntN(899)
	for area == 666 {
		area = 1 + r.IntN(899)
	}
	g, s := 1+r.IntN(99), 1+r.IntN(9999)
	sep := pick(r, []string{"-", "-", "-", " "})
	return fmt.Sprintf("%03d%s%02d%s%04d", area, sep, g, sep, s)
}

func ssnParts(s string) (a, g, n int, ok bool) {
	m := regexp.MustCompile(`^([0-9]{3})[- ]?([0-9]{2})[- ]?([0-9]{4})$`).FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, false
	}
	a, _ = strconv.Atoi(m[1])
	g, _ = strconv.Atoi(m[2])
	n, _ = strconv.Atoi(m[3])
	return a, g, n, true
}

func validSSN(s string) bool {
	a, g, n, ok := ssnParts(s)
	return ok && a != 0 && a != 666 && a < 900 && g != 0 && n != 0
}

// IRS ITIN: area 9xx, group 50-65, 70-88, 90-92 or 94-99.
var itinGroups = func() []int {
	var gs []int
	for g := 50; g <= 99; g++ {
		if validITINGroup(g) {
			gs = append(gs, g)
		}
	}
	return gs
}()

func validITINGroup(g int) bool {
	return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99)
}

func genITIN(r *rand.Rand) string {
	return fmt.Sprintf("9%02d-%02d-%04d", r.IntN(100), pick(r, itinGroups), 1+r.IntN(9999))
}

func validITIN(s string) bool {
	a, g, _, ok := ssnParts(s)
	return ok && a >= 900 && validITINGroup(g)
}

// IBAN registry: country, total length, BBAN template.
var ibanCountries = []struct{ cc, bban string }{
	{"DE", "{d:18}"}, {"GB", "{C:4}{d:14}"}, {"FR", "{d:10}{U:11}{d:2}"}, {"ES", "{d:20}"},
	{"IT", "{C:1}{d:10}{U:12}"}, {"NL", "{C:4}{d:10}"}, {"BE", "{d:12}"}, {"CH", "{d:5}{U:12}"},
	{"AT", "{d:16}"}, {"PL", "{d:24}"}, {"SE", "{d:20}"}, {"IE", "{C:4}{d:14}"},
	{"PT", "{d:21}"}, {"NO", "{d:11}"}, {"DK", "{d:14}"}, {"FI", "{d:14}"}, {"LU", "{d:3}{U:13}"},
}

var ibanLengths = map[string]int{"DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21,
	"AT": 20, "PL": 28, "SE": 24, "IE": 22, "PT": 25, "NO": 15, "DK": 18, "FI": 18, "LU": 20}

func ibanCheck(cc, bban string) string {
	n := ibanMod97(bban + cc + "00")
	return fmt.Sprintf("%02d", 98-n)
}

func ibanMod97(s string) int {
	m := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			m = (m*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			m = (m*100 + int(c-'A'+10)) % 97
		}
	}
	return m
}

func genIBAN(r *rand.Rand) string {
	c := pick(r, ibanCountries)
	bban := tmpl(r, c.bban)
	iban := c.cc + ibanCheck(c.cc, bban) + bban
	if r.IntN(2) == 0 {
		return groupBy(iban, 4, " ")
	}
	return iban
}

func groupBy(s string, n int, sep string) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), sep)
}

// validIBAN uses big-integer arithmetic, unlike the generator.
func validIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 4 || ibanLengths[s[:2]] != len(s) {
		return false
	}
	var digits strings.Builder
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			digits.WriteString(strconv.Itoa(int(c-'A') + 10))
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// HMRC NINO: two prefix letters (first not D F I Q U V; second not D F I O
// Q U V; not BG GB KN NK NT TN ZZ), six digits, suffix A-D.
func genNINO(r *rand.Rand) string {
	first := "ABCEGHJKLMNOPRSTWXYZ"
	second := "ABCEGHJKLMNPRSTWXYZ"
	var p string
	for {
		p = string(first[r.IntN(len(first))]) + string(second[r.IntN(len(second))])
		if !strings.Contains("BG GB KN NK NT TN ZZ", p) {
			break
		}
	}
	d := digits(r, 6)
	s := string("ABCD"[r.IntN(4)])
	if r.IntN(2) == 0 {
		return p + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + s
	}
	return p + d + s
}

func validNINO(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if !regexp.MustCompile(`^[A-Z]{2}[0-9]{6}[A-D]$`).MatchString(s) {
		return false
	}
	if strings.ContainsAny(s[:1], "DFIQUV") || strings.ContainsAny(s[1:2], "DFIOQUV") {
		return false
	}
	switch s[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// luhnDigit is the check digit that makes payload+digit pass Luhn.
func luhnDigit(payload string) byte {
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if (len(payload)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// luhnValid is the textbook check over the whole number, written apart from
// luhnDigit.
func luhnValid(num string) bool {
	sum, alt := 0, false
	for i := len(num) - 1; i >= 0; i-- {
		c := num[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if alt {
			if d = d * 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		alt = !alt
	}
	return len(num) > 1 && sum%10 == 0
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Canadian SIN: nine digits, Luhn; first digit 1-7 (provinces) or 9
// (temporary residents).
func genSIN(r *rand.Rand) string {
	p := string("12345679"[r.IntN(8)]) + digits(r, 7)
	n := p + string(luhnDigit(p))
	sep := pick(r, []string{" ", "-", ""})
	return n[:3] + sep + n[3:6] + sep + n[6:]
}

func validSIN(s string) bool {
	d := onlyDigits(s)
	return len(d) == 9 && d[0] != '0' && d[0] != '8' && luhnValid(d) && !strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz")
}

func genPassport(r *rand.Rand) string {
	return tmpl(r, pick(r, []string{
		"{d:9}",           // US (legacy), UK
		"{C:1}{d:8}",      // US next generation
		"C{U:8}",          // DE
		"{d:2}{C:2}{d:5}", // FR
		"{C:1}{d:7}",      // IN
		"{C:2}{d:6}",      // CA
	}))
}

func validPassport(s string) bool {
	return regexp.MustCompile(`^(?:[0-9]{9}|[A-Z][0-9]{8}|C[A-Z0-9]{8}|[0-9]{2}[A-Z]{2}[0-9]{5}|[A-Z][0-9]{7}|[A-Z]{2}[0-9]{6})$`).MatchString(s)
}

// nanp returns area code, exchange and line under the North American
// Numbering Plan: NXX codes, no N11 service codes.
func nanp(r *rand.Rand) (string, string, string) {
	for {
		npa := string("23456789"[r.IntN(8)]) + string("012345678"[r.IntN(9)]) + digits(r, 1)
		nxx := string("23456789"[r.IntN(8)]) + digits(r, 2)
		if npa[1:] != "11" && nxx[1:] != "11" {
			return npa, nxx, digits(r, 4)
		}
	}
}

func genPhoneE164(r *rand.Rand) string {
	switch r.IntN(9) {
	case 0, 1:
		a, b, c := nanp(r)
		return pick(r, []string{"+1" + a + b + c, "+1 " + a + " " + b + " " + c, "+1-" + a + "-" + b + "-" + c, "+1 (" + a + ") " + b + "-" + c})
	case 2:
		return pick(r, []string{"+44 20 " + digits(r, 4) + " " + digits(r, 4), "+44 7" + digits(r, 3) + " " + digits(r, 6), "+447" + digits(r, 9)})
	case 3:
		return pick(r, []string{"+49 30 " + digits(r, 8), "+49 151 " + digits(r, 8), "+4915" + digits(r, 9)})
	case 4:
		return "+33 6 " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2)
	case 5:
		return "+91 " + string("6789"[r.IntN(4)]) + digits(r, 4) + " " + digits(r, 5)
	case 6:
		return "+61 4" + digits(r, 2) + " " + digits(r, 3) + " " + digits(r, 3)
	case 7:
		return "+81 90-" + digits(r, 4) + "-" + digits(r, 4)
	default:
		return "+55 11 9" + digits(r, 4) + "-" + digits(r, 4)
	}
}

// E.164 allows at most 15 digits; the country codes used here have these
// national significant number lengths.
var e164Lengths = map[string][]int{"1": {10}, "44": {10}, "49": {10, 11}, "33": {9}, "91": {10}, "61": {9}, "81": {10}, "55": {11}}

func validPhoneE164(s string) bool {
	if !strings.HasPrefix(s, "+") {
		return false
	}
	d := onlyDigits(s)
	if len(d) > 15 {
		return false
	}
	for cc, lens := range e164Lengths {
		if strings.HasPrefix(d, cc) {
			for _, n := range lens {
				if len(d)-len(cc) == n {
					return true
				}
			}
		}
	}
	return false
}

func genPhoneNational(r *rand.Rand) string {
	a, b, c := nanp(r)
	switch r.IntN(5) {
	case 0:
		return "(" + a + ") " + b + "-" + c
	case 1:
		return a + "-" + b + "-" + c
	case 2:
		return a + "." + b + "." + c
	case 3:
		return "020 " + digits(r, 4) + " " + digits(r, 4)
	default:
		return "07" + digits(r, 3) + " " + digits(r, 6)
	}
}

func validPhoneNational(s string) bool {
	d := onlyDigits(s)
	if strings.HasPrefix(d, "0") {
		return len(d) == 11 // UK national, trunk prefix 0
	}
	return len(d) == 10 && d[0] >= '2' && d[3] >= '2' && d[1:3] != "11" && d[4:6] != "11"
}

func genIPv4(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return pick(r, []string{
			fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			fmt.Sprintf("192.168.%d.%d", r.IntN(256), 1+r.IntN(254)),
			fmt.Sprintf("172.%d.%d.%d", 16+r.IntN(16), r.IntN(256), 1+r.IntN(254)),
		})
	}
	for {
		a := 1 + r.IntN(223)
		switch a {
		case 10, 127, 100, 169, 172, 192, 198, 203:
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
}

func validIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4() && !a.IsLoopback() && !a.IsUnspecified()
}

func genIPv6(r *rand.Rand) string {
	g := make([]string, 8)
	g[0] = pick(r, []string{"2001", "2a00", "2a01", "2a02", "2600", "2603", "2604", "2c0f", "2406"})
	if g[0] == "2001" {
		g[1] = fmt.Sprintf("%x", 0x4000+r.IntN(0xa000)) // outside 2001:db8::/32 documentation space
	} else {
		g[1] = fmt.Sprintf("%x", r.IntN(0x10000))
	}
	for i := 2; i < 8; i++ {
		g[i] = fmt.Sprintf("%x", r.IntN(0x10000))
	}
	switch r.IntN(3) {
	case 0: // full
		return strings.Join(g, ":")
	case 1: // compressed zero run in the middle
		return strings.Join(g[:3], ":") + "::" + strings.Join(g[6:], ":")
	default: // fe80-style link-local or a short global address
		if r.IntN(2) == 0 {
			return fmt.Sprintf("fe80::%x:%x:%x:%x", r.IntN(0x10000), 1+r.IntN(0xffff), 1+r.IntN(0xffff), 1+r.IntN(0xffff))
		}
		return strings.Join(g[:2], ":") + "::" + g[7]
	}
}

func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6() && !strings.HasPrefix(s, "2001:db8")
}
