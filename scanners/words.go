package scanners

import "strings"

// wordSpecialPrefixes start the formats scanWord dispatches itself
// (AccountKey, age keys and AWS key ids and context, "secret" near AWS
// words, JWTs in any header layout and base64-wrapped, Bearer/Basic, PuTTY
// and base64 PEM, webhook URLs). Only their first four bytes count; "A"
// lets any word starting with 'A' through, "ey"/"ew" any JWT header.
var wordSpecialPrefixes = []string{"A", "ey", "ew", "Bearer ", "bearer ", "Basic ", "basic ",
	"sec", "Sec", "SEC", "ZXlK", "ZXdv", puttyPrefix, "LS0tLS1CRUdJTi", slackHooksHost, "https://"}

// wordFilter holds, for each pair of first bytes, which third bytes (bit
// 1), fourth bytes (bit 2) and fifth bytes (bit 4) a word may have to start
// a finding. The
// vendor prefixes start with most letters of the alphabet but with few
// pairs and fewer triples ("sk-", "ghp", "xox"), and the fourth byte rules
// out the common words that remain ("api" for "api_org_", "key" for
// "key-"), so the engine calls scanWord for few words. wordFilterIdx maps a
// pair to its table (0: none).
var wordFilterIdx, wordFilter = func() (idx [1 << 16]uint8, tabs [][256]uint8) {
	tabs = append(tabs, [256]uint8{}) // 0: nothing starts with this pair
	var any [256]uint8
	for t := range any {
		any[t] = 7
	}
	tabs = append(tabs, any) // 1: anything may follow
	for _, p := range wordSpecialPrefixes {
		if len(p) == 1 {
			for b := 0; b < 256; b++ {
				idx[uint16(p[0])<<8|uint16(b)] = 1
			}
		}
	}
	// A byte past a vendor prefix must belong to the rule's body ("path="
	// is not Airtable's "pat…"); past a special prefix anything may follow.
	type trigger struct {
		prefix string
		body   *charset
	}
	var prefixes []trigger
	for _, p := range wordSpecialPrefixes {
		prefixes = append(prefixes, trigger{p, nil})
	}
	for _, r := range vendorRules {
		prefixes = append(prefixes, trigger{r.prefix, r.set})
	}
	for _, tr := range prefixes {
		p := tr.prefix
		if len(p) < 2 {
			continue
		}
		k := uint16(p[0])<<8 | uint16(p[1])
		switch idx[k] {
		case 1:
			continue
		case 0:
			if len(tabs) == 256 {
				panic("scanners: too many word trigger pairs")
			}
			idx[k] = uint8(len(tabs))
			tabs = append(tabs, [256]uint8{})
		}
		tab := &tabs[idx[k]]
		for pos, bit := range [...]uint8{2: 1, 3: 2, 4: 4} {
			if bit == 0 {
				continue
			}
			for t := 0; t < 256; t++ {
				if len(p) > pos && t == int(p[pos]) || len(p) <= pos && (tr.body == nil || tr.body[t]) {
					tab[t] |= bit
				}
			}
		}
	}
	return idx, tabs
}()

// wordMayMatch reports whether the word at text[i] may start a finding;
// other words are skipped without a call. The third and fourth bytes are
// checked independently, and the fifth against the rules' bodies, which is
// looser than the prefixes but cheap.
func wordMayMatch(text string, i int) bool {
	if i+3 < len(text) && piiTrigger[text[i]] && piiPairAt(text[i], text[i+1]) {
		return true // IBAN, UK NINO, passport keywords (numbers.go)
	}
	if i+5 >= len(text) {
		return false // every format is longer than six bytes
	}
	w := text[i : i+6]
	tab := &wordFilter[wordFilterIdx[uint16(w[0])<<8|uint16(w[1])]]
	return tab[w[2]]&(tab[w[3]]>>1)&(tab[w[4]]>>2)&1 != 0
}

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
		if strings.HasPrefix(text, "eyJrIjoi") {
			if end := scanVendorRules(c, i, wordRulesFor(text), false); end > i {
				return end
			}
		}
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
		if strings.HasPrefix(text, slackHooksHost) {
			return scanSlackWebhook(c, i)
		}
		if strings.HasPrefix(text, "https://") {
			if end := scanTeamsWebhook(c, i); end > i {
				return end
			}
			if end := scanDiscordWebhook(c, i); end > i {
				return end
			}
		}
	}
	if rules := wordRulesFor(text); rules != nil {
		return scanVendorRules(c, i, rules, true)
	}
	return i
}
