package scanners

import (
	"slices"
	"strings"
	"testing"
)

// piiCase is a text and the single finding expected in it ("" type: none).
type piiCase struct {
	text, typ, value, rule string
}

func checkPII(t *testing.T, cases []piiCase) {
	t.Helper()
	for _, tc := range cases {
		fs := Default().Scan(tc.text)
		if tc.typ == "" {
			if len(fs) != 0 {
				t.Errorf("%q: unexpected %+v", tc.text, fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Type != tc.typ || tc.text[fs[0].Start:fs[0].End] != tc.value ||
			(tc.rule != "" && fs[0].Rule != tc.rule) {
			t.Errorf("%q: got %+v, want %s %q %s", tc.text, fs, tc.typ, tc.value, tc.rule)
		}
	}
}

func TestCardNetworks(t *testing.T) {
	checkPII(t, []piiCase{
		{"card 3541 9458 0730 2159", "credit_card", "3541 9458 0730 2159", "credit-card"}, // JCB
		{"card 3541 9458 0730 2158", "", "", ""},                                          // Luhn fails
		{"pan=6759736819303644", "credit_card", "6759736819303644", "credit-card"},        // Maestro
		{"pan=3682 262129 9721", "credit_card", "3682 262129 9721", "credit-card"},        // Diners 4-6-4
		{"pan=6221 2003 3224 5386", "credit_card", "6221 2003 3224 5386", "credit-card"},  // Discover co-brand
		{"pan=2202 3236 4056 2243", "credit_card", "2202 3236 4056 2243", "credit-card"},  // Mir
		{"pan 135615499095142", "credit_card", "135615499095142", "credit-card"},          // UATP
		{"pan 9792 5475 2772 0406", "credit_card", "9792 5475 2772 0406", "credit-card"},  // Troy
		{"pan 8120 5608 6569 0706", "credit_card", "8120 5608 6569 0706", "credit-card"},  // UnionPay 81
		{"pan 4571 2931 3758 5847 199", "credit_card", "4571 2931 3758 5847 199", ""},     // Visa 19
		{"ts 1717171717171", "", "", ""},                                                  // ms timestamp
		{"id 6759540613580 in the table", "", "", ""},                                     // Maestro 13, no context
		{"Maestro card 6759540613580", "credit_card", "6759540613580", "credit-card"},     // with context
		{"id 5212345678901238", "", "", ""},                                               // Luhn-invalid Mastercard
		{"pan 9792 5475 2772 0407", "", "", ""},                                           // no phone inside a failed card
		{"sku 12345678901234567890123", "", "", ""},                                       // digits beyond 19
		{"Use 4111 1111 1111 1111 in test mode", "credit_card", "4111 1111 1111 1111", "credit-card-test-number"},
		{"Use 4000000000003220 for 3DS", "credit_card", "4000000000003220", "credit-card-test-number"},
		{"pan:3541952548145426", "credit_card", "3541952548145426", ""},
		{"Ana,3541952548145426", "credit_card", "3541952548145426", ""},
		{"1001,3541952548145426,12/27", "credit_card", "3541952548145426", ""},
		{"total 1,354,195,254,814,542", "", "", ""},
	})
	fs := Default().Scan("4242 4242 4242 4242")
	if len(fs) != 1 || fs[0].Severity != "low" || !slices.Equal(fs[0].Attrs, []string{"test-number"}) {
		t.Errorf("test card: %+v, want low severity with the test-number attribute", fs)
	}
}

// Cards listed one after another with spaces between them are each found;
// the tail of a run that failed as a whole still is not.
func TestCardLists(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"cards: 4663923321468814 4663-9233-2146-8814 4663 9233 2146 8814",
			[]string{"4663923321468814", "4663-9233-2146-8814", "4663 9233 2146 8814"}},
		{"on file 5197 3699 3563 2720 4951 8175 6048 0632", []string{"5197 3699 3563 2720", "4951 8175 6048 0632"}},
		{"ref 3580 6965 5120 1515", nil},
		{"ref 12 4663 9233 2146 8814", nil},
	} {
		var got []string
		for _, f := range Default().Scan(tc.text) {
			got = append(got, tc.text[f.Start:f.End])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: found %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestIINTable(t *testing.T) {
	for _, tc := range []struct {
		prefix     string
		length     int
		net        string
		borderline bool
	}{
		{"4", 16, "visa", false}, {"4", 15, "", false}, {"4", 13, "visa", true}, {"51", 16, "mastercard", false}, {"2720", 16, "mastercard", false},
		{"2721", 16, "", false}, {"34", 15, "amex", false}, {"37", 16, "", false}, {"6011", 19, "discover", false},
		{"622126", 16, "discover", false}, {"622925", 17, "discover", true}, {"3528", 16, "jcb", false},
		{"3589", 18, "jcb", true}, {"36", 14, "diners", false}, {"3095", 17, "diners", true}, {"62", 16, "unionpay", false},
		{"5018", 12, "maestro", true}, {"6763", 19, "maestro", false}, {"2204", 16, "mir", false}, {"9792", 16, "troy", false},
		{"1", 15, "uatp", false}, {"1", 16, "", false}, {"5019", 16, "dankort", false}, {"508", 16, "rupay", false},
		{"7", 16, "", false}, {"0", 16, "", false}, {"3130", 19, "china-t-union", false}, {"3088", 16, "jcb", false}, {"3112", 16, "jcb", false}, {"3112", 19, "", false},
	} {
		d := digitValues(tc.prefix)
		for len(d) < tc.length {
			d = append(d, 0)
		}
		net, border := cardNetwork(d)
		if net != tc.net || (net != "" && border != tc.borderline) {
			t.Errorf("%s… (%d digits): %q borderline %v, want %q %v", tc.prefix, tc.length, net, border, tc.net, tc.borderline)
		}
	}
}

func TestSSNAndITIN(t *testing.T) {
	checkPII(t, []piiCase{
		{"SSN 536-22-8791", "ssn", "536-22-8791", "us-ssn"},
		{"ssn 536.22.8791", "ssn", "536.22.8791", ""},
		{"12,536-22-8791", "ssn", "536-22-8791", ""}, // CSV cell after a numeric one
		{"ssn: 536228791", "ssn", "536228791", ""},
		{"id 536228791", "", "", ""},
		{"classname 536228791", "", "", ""}, // "ssn" inside a word is no context
		{"customerSSN=536228791", "ssn", "536228791", ""},
		{"social_security_number: 536228791", "ssn", "536228791", ""},
		{"ITIN 912-71-2345", "itin", "912-71-2345", "us-itin"},
		{"tax id 912712345", "itin", "912712345", ""},
		{"ITIN 912-89-2345", "", "", ""},
		{"SSN 912-45-2345", "", "", ""}, // 9xx outside the ITIN groups
		{"SSN 666-12-3456", "", "", ""},
		{"SSN 536-00-8791", "", "", ""},
		{"SSN 536-22-0000", "", "", ""},
		{"SSN 536-22 8791", "", "", ""}, // mixed separators
	})
	_, sup := defaultEngine.ScanVerbose("SSN 123-45-6789")
	if len(sup) != 1 || sup[0].By != "placeholder:sample-ssn" {
		t.Errorf("sample SSN: suppressed %+v", sup)
	}
}

func TestSIN(t *testing.T) {
	checkPII(t, []piiCase{
		{"SIN 046 454 286", "", "", ""}, // starts with 0
		{"SIN 130 692 544", "ca_sin", "130 692 544", "ca-sin"},
		{"sin: 130-692-544", "ca_sin", "130-692-544", ""},
		{"SIN 130692544", "ca_sin", "130692544", ""},
		{"single 130692544", "", "", ""},
		{"SIN 130 692 545", "", "", ""},
		{"SIN 130-692 544", "", "", ""},
		{"SIN 1306925440", "", "", ""},
		// Field names in any casing, and the nearest name wins.
		{`{"social_insurance_number": "252601810"}`, "ca_sin", "252601810", "ca-sin"},
		{"<SocialInsuranceNumber>459083010</SocialInsuranceNumber>", "ca_sin", "459083010", ""},
		{"social-insurance-number=766131866", "ca_sin", "766131866", ""},
		{"employeeSin: 909139099", "ca_sin", "909139099", ""},
		{"ssn,social_insurance_number\n252601810", "ca_sin", "252601810", ""},
		{"SIN on file, SSN 252601810", "ssn", "252601810", "us-ssn"},
		{"my cousin 252601810", "", "", ""},
		{"unsinkable 252601810", "", "", ""},
	})
}

func TestIBAN(t *testing.T) {
	checkPII(t, []piiCase{
		{"IBAN DE89370400440532013000.", "iban", "DE89370400440532013000", "iban"},
		{"iban: GB82 WEST 1234 5698 7654 32", "iban", "GB82 WEST 1234 5698 7654 32", ""},
		{"NO9386011117947 ok", "iban", "NO9386011117947", ""},
		{"DE89370400440532013001", "", "", ""},  // checksum
		{"DE893704004405320130000", "", "", ""}, // too long
		{"DE8937040044053201300", "", "", ""},   // too short
		{"DE89 3704 00440532 0130 00", "", "", ""},
		{"QQ89370400440532013000", "", "", ""}, // no such country
		{"de89370400440532013000", "", "", ""},
		// Zero-padded bank, branch and account numbers are ordinary BBANs.
		{"IBAN AD3200012030000017421809", "iban", "AD3200012030000017421809", ""},
		{"iban: GR24 0110 1250 0000 0006 7929 081", "iban", "GR24 0110 1250 0000 0006 7929 081", ""},
		{"SA0280000000787789328792", "iban", "SA0280000000787789328792", ""},
		{"IBAN SA02-8000-0000-7877-8932-8792.", "iban", "SA02-8000-0000-7877-8932-8792", ""},
		{"IBAN SA02-8000 0000-7877-8932-8792", "", "", ""}, // separators mixed
		{"IBAN SA028-000-0000-7877-8932-8792", "", "", ""},
	})
	for v, why := range map[string]string{
		"DE36000000000000000000": "placeholder:repeated-char",
		"GB09WEST00000000000000": "placeholder:repeated-char", // a bank code and no account
		"DE43123456789012345678": "placeholder:sequential",
	} {
		if fs, sup := defaultEngine.ScanVerbose("IBAN " + v); len(fs) != 0 || len(sup) != 1 || sup[0].By != why {
			t.Errorf("%s: found %+v, suppressed %+v; want suppressed by %s", v, fs, sup, why)
		}
	}
	_, sup := defaultEngine.ScanVerbose("IBAN DE89370400440532013001")
	if len(sup) != 1 || sup[0].By != "invalid:iban-checksum" {
		t.Errorf("bad checksum: suppressed %+v", sup)
	}
}

func TestNINO(t *testing.T) {
	checkPII(t, []piiCase{
		{"NINO AB123456C", "uk_nino", "AB123456C", "uk-nino"},
		{"NI: JG 10 37 95 A", "uk_nino", "JG 10 37 95 A", ""},
		{"QQ123456C", "", "", ""}, // HMRC specimen
		{"DA123456C", "", "", ""},
		{"AO123456C", "", "", ""}, // O second
		{"GB123456A", "", "", ""},
		{"AB123456E", "", "", ""},
		{"AB123456CD", "", "", ""},
		{"AB12345C", "", "", ""},
		{"ni: jg 10 37 95 a", "uk_nino", "jg 10 37 95 a", ""},
		{"ni: jg 10 37 95 A", "", "", ""}, // mixed case
		{"aojg 10 37 95 a", "", "", ""},
		{"we 10 37 95 a", "uk_nino", "we 10 37 95 a", ""},
		{"at 10 37 95 e", "", "", ""},
	})
}

func TestPassport(t *testing.T) {
	checkPII(t, []piiCase{
		{"Passport number: 548213907", "passport", "548213907", "passport-number"},
		{"passport no. K28471953 (UK)", "passport", "K28471953", ""},
		{`{"passportNumber": "XH482915"}`, "passport", "XH482915", ""},
		{"Numéro de passeport : 14AB58213", "passport", "14AB58213", ""},
		{"Reisepassnummer C47X29T81", "passport", "C47X29T81", ""},
		{"my passport is 548213907", "passport", "548213907", ""},
		{"ticket 548213907", "", "", ""},
		{"passport expires 2031-05-01", "", "", ""},
		{"passport photo 12x", "", "", ""},
		{"Passport number: 999999999", "", "", ""},
		{"passport number: 5482139071234", "", "", ""},
		// Nine characters led by a letter, letters and digits alike (DE, NL).
		{"Reisepass: C7HKR4T2X", "passport", "C7HKR4T2X", ""},
		{"<PassportNumber>FJ9LMT2P0</PassportNumber>", "passport", "FJ9LMT2P0", ""},
		{"passport_no=CXRNV81ZT latency_ms=42", "passport", "CXRNV81ZT", ""},
		{"passport: CHECKEDIN", "", "", ""}, // no digit
		{"passport no. 7C4HKR2TX", "", "", ""},
		{"passport: CHECKED1IN2", "", "", ""}, // ten characters
		// Keys of config shapes.
		{`<add key="passport_number" value="48CK71093" />`, "passport", "48CK71093", ""},
		{`{"content":"{\"passport_no\": \"K4183992\"}"}`, "passport", "K4183992", ""},
		{`- **passport_no**: C8N4T7PX2`, "passport", "C8N4T7PX2", ""},
	})
	_, sup := defaultEngine.ScanVerbose("Paspoort: SPECI2014")
	if len(sup) != 1 || sup[0].By != "placeholder:specimen" {
		t.Errorf("specimen passport: suppressed %+v", sup)
	}
}

// Values in a table's rows take their name from the header line.
func TestTableColumns(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // type:value
	}{
		{"name,passport_number,email\nsven,274175745,sven@tyrell.io\nana,K4183992,ana@tyrell.io\n",
			[]string{"passport:274175745", "email:sven@tyrell.io", "passport:K4183992", "email:ana@tyrell.io"}},
		{"User name;Passport Number\r\nwen;\"FJ9LMT2P0\"\r\n", []string{"passport:FJ9LMT2P0"}},
		{"id\tpassport\n1\t548213907\n\n2\t548213908\n", []string{"passport:548213907"}}, // the block ends
		{"name,ticket\nsven,274175745\n", nil},
		{"name,social_insurance_number\nyusuf,252601810\n", []string{"ca_sin:252601810"}},
		{"name,social_security_number,social_insurance_number\nyusuf,536228791,252601810\n",
			[]string{"ssn:536228791", "ca_sin:252601810"}},
		{"name,card_number,rev\npriya,4398259791907,a36788f\n", []string{"credit_card:4398259791907"}},
		{"name,order,rev\npriya,4398259791907,a36788f\n", nil},
		{"name,passport\nsven,ticket 274175745\n", nil},
		// A sentence with a comma above the header is not part of the table.
		{"hey, see below\nname,mail,card_number,rev\npriya,priya@tyrell.io,4398259791907,a36788f\n",
			[]string{"email:priya@tyrell.io", "credit_card:4398259791907"}},
		// A row is not a header: its cells name nothing below them.
		{"a,b\npassport,x\nq,548213907\n", nil},
	} {
		var got []string
		for _, f := range Default().Scan(tc.text) {
			got = append(got, f.Type+":"+tc.text[f.Start:f.End])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: found %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestPhones(t *testing.T) {
	checkPII(t, []piiCase{
		{"call +44 20 7946 0958", "phone", "+44 20 7946 0958", "phone-e164"},
		{"call +44 (0)20 7946 0958", "phone", "+44 (0)20 7946 0958", "phone-e164"},
		{"call 020 7946 0958", "phone", "020 7946 0958", "phone-national"},
		{"call (020) 7946 0958", "phone", "(020) 7946 0958", "phone-national"},
		{"mobile 07700 900461", "phone", "07700 900461", "phone-national"},
		{"tél 01 23 45 67 89", "phone", "01 23 45 67 89", "phone-national"},
		{"call (415) 555-2671", "phone", "(415) 555-2671", "phone-nanp"},
		{"call 415.555.2671", "phone", "415.555.2671", "phone-nanp"},
		{"call +14155552671", "phone", "+14155552671", "phone-e164"},
		{"date 2024-03-15", "", "", ""},
		{"v 1.12.3", "", "", ""},
		{"range 100-250", "", "", ""},
		{"price $1,204.55", "", "", ""},
		{"id 0012 3456 7890", "", "", ""},
		{"date 01.02.2024", "", "", ""},
		{"call 1234567890", "", "", ""},
	})
}

func TestIPv6(t *testing.T) {
	checkPII(t, []piiCase{
		{"host 2607:f8b0:4005:80a::200e up", "ip_address", "2607:f8b0:4005:80a::200e", "ipv6"},
		{"[2a01:4f8:c17:b8f::2]:443", "ip_address", "2a01:4f8:c17:b8f::2", "ipv6"},
		{"fe80::1c2b:3dff:fe4a:92%eth0", "ip_address", "fe80::1c2b:3dff:fe4a:92%eth0", "ipv6"},
		{"FE80::1", "ip_address", "FE80::1", "ipv6"},
		{"::ffff:81.17.42.9", "ip_address", "::ffff:81.17.42.9", "ipv6"},
		{"2600:1700:abcd:1230:4d1f:9b2e:77a0:15c3", "ip_address", "2600:1700:abcd:1230:4d1f:9b2e:77a0:15c3", "ipv6"},
		{"64:ff9b::81.17.42.9", "ip_address", "64:ff9b::81.17.42.9", "ipv6"},
		{"link fe80:0000:0000:0000:0202:b3ff:fe1e:8329 up", "ip_address", "fe80:0000:0000:0000:0202:b3ff:fe1e:8329", "ipv6"},
		{"ula fd12:3456:789a:1::1", "ip_address", "fd12:3456:789a:1::1", "ipv6"},
		{"abcd:ef01:2345:6789:abcd:ef01:2345:6789", "ip_address", "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "ipv6"},
		{"ff02::1", "ip_address", "ff02::1", "ipv6"},
		{"x = a::1 + b::2", "", "", ""},
		{"text::ffff:10.9.8.7", "ip_address", "10.9.8.7", "ipv4"},
		{"::", "", "", ""},
		{"at 12:30:45", "", "", ""},
		{"mac 3c:22:fb:91:0e:7d", "", "", ""},
		{"std::vector and abc::def", "", "", ""},
		{"43:51:43:a1:b5:fc:8b:b7:0a:3a:a9:b1:0f:66:73:a8", "", "", ""},
		{"aa:bb:cc:dd:ee:ff:00:11", "", "", ""},
		{"1:2:3:4:5:6:7:8:9", "", "", ""},
		{"2001:db8::1:2:3:4:5:6:7", "", "", ""}, // nine groups
		{"2001::db8::1", "", "", ""},            // two "::"
		{"12345::1", "", "", ""},
	})
	for text, by := range map[string]string{"::1": "placeholder:reserved-ip", "2001:db8::10": "placeholder:documentation-ip"} {
		_, sup := defaultEngine.ScanVerbose(text)
		if len(sup) != 1 || sup[0].By != by {
			t.Errorf("%s: suppressed %+v, want %s", text, sup, by)
		}
	}
}

// FuzzPIIParsers runs each letter-led PII parser at every offset of arbitrary
// text: none may panic or report a span outside the text. Seeds run in plain
// `go test`.
//
//	go test ./scanners -run '^$' -fuzz FuzzPIIParsers -fuzztime 60s
func FuzzPIIParsers(f *testing.F) {
	for _, s := range []string{
		"DE89370400440532013000", "GB82 WEST 1234 5698 7654 3", "AB 12 34 56 C", "AB12345", "passport no. ",
		"passport", "Reisepass Nr.", "fe80::1%", "::ffff:1.2.3.", "::", ":::", "1::2::3", "2001:db8:", "(0", "(020) ",
		"+44 (0)", "+44 (0", "SIN 130 692 5", "ITIN 912-7", "4111 1111 1111 1111 111", "f:", "n°", "+7 (4", "+7 ()",
		"1,234,", "12,536-22-8791", "0", "09-", "(0)", "pas", "PASSPORT", "Reis", "FE80::", "::ffff:256.1.1.1",
		// Tables whose header names a column (column.go).
		"a,passport\n1,", "x,sin\r\n1,130692544\r\n", "passport;\n;\n;K4183992", "\n,\n,", "passport,\n",
		"id\tcard\n\t4398259791907\n", "hh 01 02 03 d", " 01", "ab 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i := 0; i < len(text); i++ {
			c := collector{e: defaultEngine, text: text, verbose: true}
			ends := []int{scanIBAN(&c, i), scanNINO(&c, i), scanPassport(&c, i), scanIPv6(&c, i), scanTrunkParen(&c, i),
				scanPhonePrefix(&c, i), scanWordPII(&c, i)}
			if isDigit(text[i]) {
				ends = append(ends, scanNumber(&c, i))
			}
			for _, end := range ends {
				if end < i || end > len(text) {
					t.Fatalf("end %d at %d in %q", end, i, text)
				}
			}
			for _, x := range c.found {
				if x.Start < 0 || x.End > len(text) || x.Start >= x.End {
					t.Fatalf("bad span %+v in %q", x.Finding, text)
				}
			}
		}
		checkSpans(t, text, Default().Scan(text))
	})
}

func TestPhoneForms(t *testing.T) {
	checkPII(t, []piiCase{
		{"My Israeli number is 09-7625400", "phone", "09-7625400", "phone-national"},
		{"reach me on 425 8829090", "phone", "425 8829090", "phone-nanp"},
		{"phone: 4258829090", "phone", "4258829090", "phone-nanp"},
		{"order 4258829090", "", "", ""},
		{"mobile 07700900461", "phone", "07700900461", "phone-national"},
		{"ref 07700900461", "", "", ""},
		{"code 12-3456789", "", "", ""},
		{"(425) 882 9090", "phone", "(425) 882 9090", "phone-nanp"},
		{"_: +55 11 98456 5666", "phone", "+55 11 98456 5666", "phone-e164"},
		{"office +7 (495) 123-45-67", "phone", "+7 (495) 123-45-67", "phone-e164"},
		{"tel +49 (0)30 4920 7788", "phone", "+49 (0)30 4920 7788", "phone-e164"},
		{"+44 (0) 1234", "", "", ""},
		// Country and area codes set apart by spaces, the subscriber number
		// by hyphens.
		{"1. phone = +55 21 97314-2268", "phone", "+55 21 97314-2268", "phone-e164"},
		{"mobile=+81 80-4417-9023 latency_ms=42", "phone", "+81 80-4417-9023", "phone-e164"},
		{"office +7 812 447-31-09", "phone", "+7 812 447-31-09", "phone-e164"},
		{"+1 646 732-4419", "phone", "+1 646 732-4419", "phone-nanp"},
		{"+1-646-732-4419 at the start", "phone", "+1-646-732-4419", "phone-nanp"},
		{"+1 2024-05-07 works for me", "", "", ""}, // a reaction and a date
		{"+49 30.4920-7788", "", "", ""},
		// The digit groups of an IBAN that failed its checksum.
		{"NL27 QWRT 0592 7731 06", "", "", ""},
		{"G T41 KPLZ 0733 0000 0091 4406 2217", "", "", ""},
		{"CALL 020 7946 0958", "phone", "020 7946 0958", "phone-national"},
		// The country code in parentheses, or dialled with 00.
		{"call (+44) 20 7946 0958", "phone", "(+44) 20 7946 0958", "phone-e164"},
		{"tel (+49) 30-4920-7788", "phone", "(+49) 30-4920-7788", "phone-e164"},
		{"ref (+3) 12", "", "", ""},
		{"call 0049 30 49207788", "phone", "0049 30 49207788", "phone-e164"},
		{"phone: 0033 6 12 34 56 78", "phone", "0033 6 12 34 56 78", "phone-e164"},
		{"id 0049 30 49207788", "", "", ""}, // 00 needs a phone word
		{"call 0004 30 49207788", "", "", ""},
	})
}

// TestPIISuppressedBy: candidates that have the shape but fail validation
// are explained by ScanVerbose.
func TestPIISuppressedBy(t *testing.T) {
	for _, tc := range []struct{ text, typ, by string }{
		{"card 4012 8888 8888 1882", "credit_card", "invalid:luhn"},
		{"SSN 666-12-3456", "ssn", "invalid:ssn-never-issued"},
		{"ITIN 912-89-2345", "itin", "invalid:itin-group"},
		{"SIN 130692545", "ca_sin", "invalid:sin"},
		{"IBAN GB82 WEST 1234 5698 7654 33", "iban", "invalid:iban-checksum"},
		{"::1", "ip_address", "placeholder:reserved-ip"},
		{"Passport number: 999999999", "passport", "placeholder:repeated-char"},
		{"SSN 078-05-1120", "ssn", "placeholder:sample-ssn"},
	} {
		fs, sup := defaultEngine.ScanVerbose(tc.text)
		if len(fs) != 0 || len(sup) != 1 || sup[0].Type != tc.typ || sup[0].By != tc.by {
			t.Errorf("%q: findings %+v suppressed %+v, want %s by %s", tc.text, fs, sup, tc.typ, tc.by)
		}
	}
}

func TestEmailAddressLiteral(t *testing.T) {
	checkPII(t, []piiCase{
		{"write to postmaster@[198.18.40.7] today", "email", "postmaster@[198.18.40.7]", "email"},
		{"ops@[198.18.40.7", "ip_address", "198.18.40.7", "ipv4"},
		{"ops@[300.1.1.1]", "", "", ""},
	})
	_, sup := defaultEngine.ScanVerbose("example.user@acme-corp.com")
	if len(sup) != 1 || sup[0].By != "placeholder:word:example" {
		t.Errorf("example local part: suppressed %+v", sup)
	}
}

func TestIPv4Sanity(t *testing.T) {
	checkPII(t, []piiCase{
		{"db at 10.0.0.12:5432", "ip_address", "10.0.0.12", "ipv4"},
		{"gateway 192.168.1.1,", "ip_address", "192.168.1.1", "ipv4"},
		{"Python 3.12.1.0 installed", "", "", ""},
		{"netmask 255.255.255.0", "", "", ""},
		{"OID 1.3.6.1.4.1", "", "", ""},
		{"release 10.2.3.4", "", "", ""},
		{"192.168.1.1.1", "", "", ""},
		{"256.1.1.1", "", "", ""},
		{"text192.168.1.1", "", "", ""},
	})
}

// Private addresses map an internal network and are reported (low
// severity); addresses that name no host are suppressed, with the reason.
func TestIPPolicy(t *testing.T) {
	checkPII(t, []piiCase{
		{"db 10.24.7.3:5432", "ip_address", "10.24.7.3", "ipv4"},
		{"lb 172.20.14.9 down", "ip_address", "172.20.14.9", "ipv4"},
		{"router 192.168.40.2", "ip_address", "192.168.40.2", "ipv4"},
		{"via 2a02:c7c:85a3::8a2e:10.40.7.1", "ip_address", "2a02:c7c:85a3::8a2e:10.40.7.1", "ipv6"},
		{"via 2a02:c7c:0:0:0:0:172.20.14.9", "ip_address", "2a02:c7c:0:0:0:0:172.20.14.9", "ipv6"},
	})
	for text, by := range map[string]string{
		"bind 0.0.0.0":                        "placeholder:reserved-ip",
		"localhost 127.0.0.1":                 "placeholder:reserved-ip",
		"Broadcast 255.255.255.255":           "placeholder:reserved-ip",
		"doc 198.51.100.23":                   "placeholder:documentation-ip",
		"tunnel 2001:db8:85a3::8a2e:10.0.0.1": "placeholder:documentation-ip",
		"mapped ::ffff:127.0.0.1":             "placeholder:reserved-ip",
	} {
		fs, sup := defaultEngine.ScanVerbose(text)
		if len(fs) != 0 || len(sup) != 1 || sup[0].Type != "ip_address" || sup[0].By != by {
			t.Errorf("%q: found %+v, suppressed %+v; want suppressed by %s", text, fs, sup, by)
		}
	}
	if fs := Default().Scan("router 192.168.40.2"); len(fs) != 1 || fs[0].Severity != "low" {
		t.Errorf("private address: %+v, want one low-severity finding", fs)
	}
}

// adversarialPII are hostile texts for the PII parsers: long runs of what
// they start on. Each must scan at a throughput comparable to prose:
//
//	go test ./scanners -run '^$' -bench 'BenchmarkAdversarial|BenchmarkScan$/engine/5MB'
var adversarialPII = map[string]string{
	"ipv6-colons":     strings.Repeat("fe80:", 1<<17),
	"ipv6-compressed": strings.Repeat("::1:", 1<<17),
	"ipv6-hex-words":  strings.Repeat("f:fe:fed:feed:", 1<<15),
	"ipv6-lookback":   strings.Repeat("abcd:1:", 1<<16),
	"iban-prefixes":   strings.Repeat("DE89 3704 ", 1<<16),
	"nino-prefixes":   strings.Repeat("AB 12 34 ", 1<<16),
	"passport-words":  strings.Repeat("passport no. ", 1<<15),
	"passport-header": strings.Repeat("passport,", 1<<16),
	"passport-tables": strings.Repeat("passport,"+strings.Repeat("x,", 200)+"\n", 1<<10),
	"table-rows":      "name,ssn,sin\n" + strings.Repeat(strings.Repeat("252601810,", 40)+"\n", 1<<11),
	"table-headers":   strings.Repeat("\nname,sin\n"+strings.Repeat("252601810,", 40), 1<<11),
	"card-groups":     strings.Repeat("6759 ", 1<<17),
	"context-words":   strings.Repeat("card cc ssn sin tel 1 ", 1<<15),
	"trunk-parens":    strings.Repeat("(020) ", 1<<17),
	"upper-words":     strings.Repeat("AB CD EF GH ", 1<<16),
}

func TestPIIPreviews(t *testing.T) {
	for _, tc := range []struct{ text, preview string }{
		{"IBAN GB82 WEST 1234 5698 7654 32", "GB" + strings.Repeat("•", 16) + "4 32"},
		{"NINO AB123456C", "•••••••••"},
		{"ITIN 912-71-2345", "•••-••-2345"},
		{"host 2607:f8b0:4005:80a::200e", "2607:f8b0:" + strings.Repeat("•", 10) + "200e"},
	} {
		fs := Default().Scan(tc.text)
		if len(fs) != 1 || fs[0].Preview != tc.preview {
			t.Errorf("%q: findings %+v, want preview %q", tc.text, fs, tc.preview)
		}
	}
}

// TestLabelHashBeforeNumber: "SSN#…" and "Acct#…" label the number after
// them; a lone "#1234" is an issue reference, not a value.
func TestLabelHashBeforeNumber(t *testing.T) {
	for _, tc := range []struct {
		text, typ string
	}{
		{"SSN#561-06-1540", "ssn"},
		{"Acct#4111 1111 1111 1111", "credit_card"},
		{"see #4111111111111111 in the tracker", ""}, // a card without the "#"
	} {
		fs := defaultEngine.Scan(tc.text)
		switch {
		case tc.typ == "" && len(fs) != 0:
			t.Errorf("%q: findings %+v, want none", tc.text, fs)
		case tc.typ != "" && (len(fs) != 1 || fs[0].Type != tc.typ):
			t.Errorf("%q: findings %+v, want one %s", tc.text, fs, tc.typ)
		}
	}
}
