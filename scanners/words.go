package scanners

import "strings"

// wordTrigger marks the first bytes scanWord handles; other words are
// skipped without a call.
var wordTrigger = func() (t [256]bool) {
	for _, b := range []byte("AebBLhPsSZ") {
		t[b] = true
	}
	for _, r := range vendorRules {
		t[r.prefix[0]] = true
	}
	return t
}()

// scanWord runs at the first byte of every word. It dispatches on that byte
// to the few vendor formats that can start with it and returns the end of a
// match, or i when nothing starts here. Most words fall through the switch's
// default case, which is why the pass stays fast on prose.
func scanWord(c *collector, i int) int {
	text := c.text[i:]
	switch text[0] {
	case 'A':
		if strings.HasPrefix(text, "AccountKey=") {
			return scanAzureKey(c, i)
		}
		if strings.HasPrefix(text, agePrefix) {
			return scanAgeKey(c, i)
		}
		if end := scanAWSKeyID(c, i); end > i {
			return end
		}
		if len(text) > 3 && lower(text[1]) == 'w' {
			scanAWSContext(c, i)
		}
	case 's', 'S':
		if len(text) > 6 && lower(text[1]) == 'e' && lower(text[2]) == 'c' {
			scanAWSContext(c, i)
		}
	case 'e':
		if len(text) > 10 && (text[1] == 'y' || text[1] == 'w') {
			if end := scanJWT(c, i); end > i {
				return end
			}
		}
	case 'B', 'b':
		if len(text) > 7 && text[1:7] == "earer " {
			return scanBearer(c, i)
		}
		if len(text) > 6 && text[1:6] == "asic " {
			return scanBasicAuth(c, i)
		}
	case 'Z':
		if strings.HasPrefix(text, "ZXlK") || strings.HasPrefix(text, "ZXdv") {
			return scanJWTBase64(c, i)
		}
	case 'P':
		if strings.HasPrefix(text, puttyPrefix) {
			return scanPuTTY(c, i)
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
