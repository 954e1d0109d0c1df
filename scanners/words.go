package scanners

import "strings"

// wordTrigger marks the first bytes scanWord handles; other words are
// skipped without a call.
var wordTrigger = func() (t [256]bool) {
	for _, b := range []byte("AebBLh") {
		t[b] = true
	}
	for _, r := range vendorRules {
		t[r.prefix[0]] = true
	}
	for b := range piiTrigger {
		t[b] = t[b] || piiTrigger[b]
	}
	return t
}()

// scanWord runs at the first byte of every word. It dispatches on that byte
// to the few vendor formats that can start with it and returns the end of a
// match, or i when nothing starts here. Most words fall through the switch's
// default case, which is why the pass stays fast on prose.
func scanWord(c *collector, i int) int {
	text := c.text[i:]
	// PII that starts with a letter (IBAN, UK NINO, passport); see numbers.go.
	if piiTrigger[text[0]] && len(text) > 3 && piiPairAt(text[0], text[1]) {
		if end := scanWordPII(c, i); end > i {
			return end
		}
	}
	switch text[0] {
	case 'A':
		if strings.HasPrefix(text, "AccountKey=") {
			return scanAzureKey(c, i)
		}
		if end := scanAWSKeyID(c, i); end > i {
			return end
		}
	case 'e':
		if strings.HasPrefix(text, "eyJ") || strings.HasPrefix(text, "ewog") || strings.HasPrefix(text, "ewoJ") ||
			strings.HasPrefix(text, "ew0K") {
			return scanJWT(c, i)
		}
	case 'B', 'b':
		if len(text) > 7 && text[1:7] == "earer " {
			return scanBearer(c, i)
		}
		if len(text) > 6 && text[1:6] == "asic " {
			return scanBasicAuth(c, i)
		}
	case 'L':
		if strings.HasPrefix(text, "LS0tLS1CRUdJTi") {
			return scanPEMBase64(c, i)
		}
	case 'h':
		if strings.HasPrefix(text, "https://hooks.slack.com/services/") {
			return scanVendor(c, i, &slackWebhook)
		}
	}
	if rules := vendorRulesFor(text); rules != nil {
		for _, r := range rules {
			if strings.HasPrefix(text, r.prefix) {
				if end := scanVendor(c, i, r); end > i {
					return end
				}
			}
		}
	}
	return i
}
