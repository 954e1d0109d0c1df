package scanners

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// vendorRule is a credential format with a literal prefix. The body after
// the prefix is a run of bytes from set whose length must lie in [min, max];
// shape, when set, is the exact structure the body must have (segments and
// separators); check, when set, validates the whole token and returns why it
// is invalid. The rule tables live in vendor_*.go, one file per family.
type vendorRule struct {
	prefix   string
	rule     string
	set      *charset
	min, max int
	shape    []seg
	// keepPrefix is how much of the token the preview may show; the vendor
	// tag is not secret and tells the auditor which system is exposed.
	keepPrefix int
	check      func(tok, body string) string
	// soft, when set, is a validation whose failure lowers the severity and
	// adds attr instead of dropping the finding (see checkGitHub).
	soft func(tok, body string) bool
	attr string
	sev  model.Severity
	// loose marks prefixes that ordinary values also start with ("s.",
	// "pat"): the generic rule may still report a value this rule rejects.
	loose bool
	// lead is the length of an alphanumeric id and '.' that come before the
	// prefix and belong to the token (Terraform's "<id>.atlasv1.<secret>").
	lead int
	// encoded marks bodies that are base64 of binary data, where runs of
	// one character are data (see placeholderEncoded).
	encoded bool
	// standalone prefixes also end file names and paths ("video.ico-…"):
	// the token must not follow '.', '/' or '-'.
	standalone bool
	// secretTail: the placeholder stage looks only at the part after the
	// last '-' (Slack tokens: numeric workspace and user ids, then the
	// secret; "511111111" is an id, not filler).
	secretTail bool
	// head and headMask are the prefix's first four bytes as a
	// little-endian word, so that most words that share a rule's first two
	// bytes ("api" vs "api_org_") are rejected with one compare.
	head, headMask uint32
}

// seg is one part of a body's shape: a literal, or a run of [min, max]
// bytes from set. Shapes are matched greedily without backtracking, so a
// run's set must not contain the literal that follows it.
type seg struct {
	lit      string
	set      *charset
	min, max int
}

func lit(s string) seg                   { return seg{lit: s} }
func run(set *charset, min, max int) seg { return seg{set: set, min: min, max: max} }
func exactly(set *charset, n int) seg    { return seg{set: set, min: n, max: n} }
func fixed(prefix, rule string, set *charset, n int) *vendorRule {
	return &vendorRule{prefix: prefix, rule: rule, set: set, min: n, max: n, keepPrefix: len(prefix)}
}

func ranged(prefix, rule string, set *charset, min, max int) *vendorRule {
	return &vendorRule{prefix: prefix, rule: rule, set: set, min: min, max: max, keepPrefix: len(prefix)}
}

// shaped builds a rule from its body's segments; the body alphabet and the
// length bounds follow from them.
func shaped(prefix, rule string, segs ...seg) *vendorRule {
	r := &vendorRule{prefix: prefix, rule: rule, shape: segs, keepPrefix: len(prefix)}
	var set charset
	for _, s := range segs {
		if s.set == nil {
			for k := 0; k < len(s.lit); k++ {
				set[s.lit[k]] = true
			}
			r.min += len(s.lit)
			r.max += len(s.lit)
			continue
		}
		for b, ok := range s.set {
			set[b] = set[b] || ok
		}
		r.min += s.min
		r.max += s.max
	}
	r.set = &set
	return r
}

func (r *vendorRule) withCheck(f func(tok, body string) string) *vendorRule { r.check = f; return r }
func (r *vendorRule) asLoose() *vendorRule                                  { r.loose = true; return r }
func (r *vendorRule) withSeverity(s model.Severity) *vendorRule             { r.sev = s; return r }
func (r *vendorRule) asEncoded() *vendorRule                                { r.encoded = true; return r }
func (r *vendorRule) asStandalone() *vendorRule                             { r.standalone = true; return r }

// matchShape reports whether body consists exactly of the segments.
func matchShape(body string, segs []seg) bool {
	k := 0
	for _, s := range segs {
		if s.set == nil {
			if !strings.HasPrefix(body[k:], s.lit) {
				return false
			}
			k += len(s.lit)
			continue
		}
		e := span(body, k, s.set, s.max)
		if e-k < s.min {
			return false
		}
		k = e
	}
	return k == len(body)
}

// Alphabets of the vendor formats.
var (
	setDigits     = makeSet("0-9")
	setLetters    = makeSet("a-z", "A-Z")
	setUpperAlnum = makeSet("A-Z", "0-9")
	setLowerAlnum = makeSet("a-z", "0-9")
	setBase64Pad  = makeSet("a-z", "A-Z", "0-9", "+/=")
	setTokenEq    = makeSet("a-z", "A-Z", "0-9", "_-=")
	setTokenDot   = makeSet("a-z", "A-Z", "0-9", "_-.=")
	setSlack      = makeSet("a-z", "A-Z", "0-9", "-")
	setSendGrid   = makeSet("a-z", "A-Z", "0-9", "_-.=")
	setBearer     = makeSet("a-z", "A-Z", "0-9", "-._~+/=")
)

// vendorRules is every prefix rule, family by family.
var vendorRules = concatRules(aiRules, cloudRules, sourceRules, chatRules, paymentRules, observabilityRules)

func concatRules(lists ...[]*vendorRule) []*vendorRule {
	var out []*vendorRule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// VendorRules lists the rule names of the vendor credential formats the
// engine recognises, sorted and without duplicates, for documentation.
func VendorRules() []string {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, r := range vendorRules {
		add(r.rule)
	}
	for _, n := range extraVendorRuleNames {
		add(n)
	}
	sort.Strings(names)
	return names
}

// extraVendorRuleNames are rules implemented outside the prefix table
// (URL-shaped webhooks, variable Anthropic kinds).
var extraVendorRuleNames = []string{"asana-personal-access-token", "facebook-access-token", "slack-webhook-url", "microsoft-teams-webhook", "discord-webhook-url", "azure-storage-account-key",
	"azure-ad-client-secret"}

// vendorIndex maps the first two bytes of a word to the rules whose prefix
// starts with them, longest prefix first so that "sk-ant-" is tried before
// "sk-". Two bytes rule out nearly every ordinary word ("sk" but not "so",
// "gh" but not "go") with one table load. strictLists holds the same lists
// without loose rules: the prefixes a specific detector owns.
var vendorIndex, vendorLists, strictLists = func() (idx [1 << 16]uint8, lists, strict [][]*vendorRule) {
	lists = append(lists, nil) // 0 means no rules
	strict = append(strict, nil)
	for _, r := range vendorRules {
		k := uint16(r.prefix[0])<<8 | uint16(r.prefix[1])
		if idx[k] == 0 {
			if len(lists) == 255 {
				panic("scanners: too many vendor prefix pairs")
			}
			idx[k] = uint8(len(lists))
			lists = append(lists, nil)
			strict = append(strict, nil)
		}
		for b := 0; b < 4 && b < len(r.prefix); b++ {
			r.head |= uint32(r.prefix[b]) << (8 * b)
			r.headMask |= 0xff << (8 * b)
		}
		lists[idx[k]] = append(lists[idx[k]], r)
		if !r.loose {
			strict[idx[k]] = append(strict[idx[k]], r)
		}
	}
	for _, l := range [][][]*vendorRule{lists, strict} {
		for _, rs := range l {
			sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].prefix) > len(rs[j].prefix) })
		}
	}
	return idx, lists, strict
}()

// vendorRulesFor returns the rules that own values starting like text (used
// by the generic rule to leave such values to them).
func vendorRulesFor(text string) []*vendorRule {
	if len(text) < 2 {
		return nil
	}
	return strictLists[vendorIndex[uint16(text[0])<<8|uint16(text[1])]]
}

// wordRulesFor returns every rule that may match a word starting text.
func wordRulesFor(text string) []*vendorRule {
	if len(text) < 2 {
		return nil
	}
	return vendorLists[vendorIndex[uint16(text[0])<<8|uint16(text[1])]]
}

// scanVendorRules tries the rules for the word at i. When a strict prefix
// matched but no rule's length or shape did, the candidate is recorded as
// suppressed (placeholder or wrong format) so that ScanVerbose explains it,
// and, if consume is set, skipped whole: the digit runs of a malformed
// Slack token are not card or phone numbers.
func scanVendorRules(c *collector, i int, rules []*vendorRule, consume bool) int {
	text := c.text[i:]
	var head uint32
	if len(text) >= 4 {
		head = uint32(text[0]) | uint32(text[1])<<8 | uint32(text[2])<<16 | uint32(text[3])<<24
	}
	var near *vendorRule
	for _, r := range rules {
		if (len(text) >= 4 && head&r.headMask != r.head) || !strings.HasPrefix(text, r.prefix) {
			continue
		}
		if end := scanVendor(c, i, r); end > i {
			return end
		}
		if near == nil && !r.loose {
			near = r
		}
	}
	if near == nil {
		return i
	}
	// Only a prefix followed by token-like material is a candidate ("SKU"
	// and "API-FIRST" are words).
	end := span(c.text, i+len(near.prefix), near.set, 512)
	if end-i-len(near.prefix) < 8 {
		return i
	}
	if c.verbose {
		body := c.text[i+len(near.prefix) : end]
		why := placeholder(body)
		if why == "" {
			why = "invalid:" + near.rule + "-format"
		}
		c.add("api_key", model.SeverityCritical, near.rule, i, end, prioSpecific, preview{prefix: near.keepPrefix}, why)
	}
	if consume {
		return end
	}
	return i
}

// scanVendor matches rule r at i. A wrong length or shape is not a match
// (another rule may still apply); a placeholder or failed check is recorded
// as suppressed and consumes the token so that no weaker rule reports it.
func scanVendor(c *collector, i int, r *vendorRule) int {
	text := c.text
	if r.standalone && i > 0 && (text[i-1] == '.' || text[i-1] == '/' || text[i-1] == '-') {
		return i
	}
	bodyStart := i + len(r.prefix)
	end := span(text, bodyStart, r.set, r.max+1)
	if end-bodyStart > r.max || (end < len(text) && setToken[text[end]] && !r.set[text[end]]) {
		return i
	}
	// Trailing dots, dashes and '=' may be sentence punctuation or a
	// separator rather than key material: try the longest body first.
	ok := false
	for k := 0; k < 3 && end >= bodyStart; k++ {
		if r.fits(text[bodyStart:end]) {
			ok = true
			break
		}
		if end == bodyStart || (text[end-1] != '.' && text[end-1] != '-' && text[end-1] != '=') {
			break
		}
		end--
	}
	if !ok {
		return i
	}
	start := i
	if r.lead > 0 {
		start = i - r.lead - 1
		if start < 0 || text[i-1] != '.' || !allIn(text[start:i-1], &setAlnum) || (start > 0 && setToken[text[start-1]]) {
			return i
		}
	}
	tok, body := text[start:end], text[bodyStart:end]
	why := ""
	switch {
	case body == "": // the prefix alone is the format (a fixed marker)
	case r.encoded:
		why = placeholderEncoded(body)
	case r.secretTail:
		why = placeholderRandom(body[strings.LastIndexByte(body, '-')+1:])
	default:
		why = placeholderRandom(body)
	}
	if why == "" && r.check != nil {
		why = r.check(tok, body)
	}
	sev, attr := model.SeverityCritical, ""
	if r.sev != "" {
		sev = r.sev
	}
	if why == "" && r.soft != nil && !r.soft(tok, body) {
		sev, attr = model.SeverityHigh, r.attr
	}
	addVendor(c, sev, r.rule, start, end, preview{prefix: r.keepPrefix}, why, attr)
	return end
}

// vendorFormat reports whether v is exactly a token of some vendor rule, so
// that a detector for a generic shape (40-character AWS secrets) leaves it
// to the vendor's rule.
func vendorFormat(v string) bool {
	for _, r := range wordRulesFor(v) {
		if strings.HasPrefix(v, r.prefix) && r.fits(v[len(r.prefix):]) {
			return true
		}
	}
	return false
}

func (r *vendorRule) fits(body string) bool {
	if len(body) < r.min || len(body) > r.max {
		return false
	}
	return r.shape == nil || matchShape(body, r.shape)
}

// addVendor records an api_key finding with an optional attribute.
func addVendor(c *collector, sev model.Severity, rule string, start, end int, pv preview, why, attr string) {
	if attr == "" {
		c.add("api_key", sev, rule, start, end, prioSpecific, pv, why)
		return
	}
	c.addAttrs("api_key", sev, rule, start, end, prioSpecific, pv, why, attr)
}

// requireDigitAndLetter rejects bodies that are words or numbers: formats
// with short or common prefixes need mixed random material.
func requireDigitAndLetter(tok, body string) string {
	if !hasDigitAndLetter(body) {
		return "invalid:not-random"
	}
	return ""
}

// scanAzureKey reports the AccountKey of an Azure storage connection string:
// 64 random bytes in standard base64.
func scanAzureKey(c *collector, i int) int {
	text := c.text
	start := i + len("AccountKey=")
	end := span(text, start, &setBase64, 100)
	for end < len(text) && end-start < 90 && text[end] == '=' {
		end++
	}
	v := text[start:end]
	if len(v) != 88 {
		return i
	}
	why := placeholderRandom(v)
	if why == "" {
		if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != 64 {
			why = "invalid:azure-key-base64"
		}
	}
	c.add("api_key", model.SeverityCritical, "azure-storage-account-key", start, end, prioSpecific, preview{}, why)
	return end
}

// scanBearer reports the token of an HTTP bearer credential. A token that a
// more specific detector recognises (a JWT, a vendor key) is reported by it.
func scanBearer(c *collector, i int) int {
	text := c.text
	start := i + len("Bearer ")
	if start >= len(text) {
		return i
	}
	if end := scanAsanaPAT(c, start); end > start {
		return end
	}
	if byteClass[text[start]] == clsWord && !hasPrefixFold(text[start:], "bearer") {
		if end := scanWord(c, start); end > start {
			return end
		}
	}
	end := span(text, start, &setBearer, 4096)
	for end > start && (text[end-1] == '.' || text[end-1] == '/') {
		end--
	}
	v := text[start:end]
	if len(v) < 20 {
		return i
	}
	why := placeholderRandom(v)
	if why == "" && !hasDigitAndLetter(v) {
		why = "invalid:bearer-not-random"
	}
	c.add("api_key", model.SeverityHigh, "bearer-token", start, end, prioContext, preview{}, why)
	return end
}

// scanBasicAuth reports HTTP Basic credentials (`Basic base64(user:pass)`):
// the value must decode to printable text with a colon and a password.
func scanBasicAuth(c *collector, i int) int {
	text := c.text
	start := i + len("Basic ")
	end := span(text, start, &setBase64, 1024)
	for end < len(text) && end-start < 1024 && text[end] == '=' {
		end++
	}
	v := text[start:end]
	if len(v) < 8 || len(v)%4 != 0 || (end < len(text) && setToken[text[end]]) {
		return i
	}
	dec, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return i
	}
	_, pass, ok := strings.Cut(string(dec), ":")
	if !ok || pass == "" || strings.ContainsFunc(string(dec), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return i
	}
	why := urlPasswordPlaceholder(pass)
	if why == "" && len(pass) < 6 {
		why = "invalid:basic-auth-short" // test fixtures (john:doe), not passwords in use
	}
	c.add("api_key", model.SeverityHigh, "basic-auth", start, end, prioContext, preview{}, why)
	return end
}

func hasDigitAndLetter(v string) bool {
	d, l := false, false
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case isDigit(ch):
			d = true
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			l = true
		}
	}
	return d && l
}
