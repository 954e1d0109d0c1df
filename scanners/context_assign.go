package scanners

import (
	"encoding/base64"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// assignment is one `identifier <op> value` found by scanAssign.
type assignment struct {
	identStart, identEnd int // the identifier, without quotes
	opStart              int // first byte of the operator (`:=`, `?=`, `=>`)
	start, end           int // the value, without quotes
	quoted               bool
}

// ctxValueChar is what the values of every keyword-context rule are made
// of; a value with any other byte (spaces, parentheses, quotes) is not
// looked at, which keeps the keyword search off most assignments in prose
// and code. ctxValueClass is the same set with dots told apart.
var ctxValueChar = makeSet("a-z", "A-Z", "0-9", "_-=+/.:%")

const (
	ctxPlain uint8 = 1
	ctxDot   uint8 = 2
)

var ctxValueClass = func() (t [256]uint8) {
	for c := range 256 {
		if ctxValueChar[c] {
			t[c] = ctxPlain
		}
	}
	t['.'] = ctxDot
	return t
}()

// ctxValueAhead is the cheap test for identifiers without a generic
// keyword: only a run of value bytes as long as the shortest vendor key,
// not starting with '/', can be one.
func ctxValueAhead(text string, i int) bool {
	for k := 0; k < 4 && i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '"' || text[i] == '\'' || text[i] == '\\'); k++ {
		i++
	}
	if i >= len(text) || text[i] == '/' {
		return false
	}
	end := span(text, i, &ctxValueCharNoDot, ctxMinValueNoKeyword)
	if end == i+ctxMinValueNoKeyword {
		return true
	}
	// Dots only after a vendor prefix (host names and versions stop here).
	return end < len(text) && text[end] == '.' && end-i <= 3 && dottedPrefix(text[i:]) &&
		span(text, i, &ctxValueChar, ctxMinValueNoKeyword) == i+ctxMinValueNoKeyword
}

// valueAhead reports whether an unquoted or quoted value of at least n
// bytes follows i.
func valueAhead(text string, i, n int) bool {
	for k := 0; k < 4 && i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '"' || text[i] == '\'' || text[i] == '\\'); k++ {
		i++
	}
	for k := 0; k < n; k++ {
		if i+k >= len(text) || valueStop[text[i+k]] {
			return false
		}
	}
	return true
}

var ctxValueCharNoDot = makeSet("a-z", "A-Z", "0-9", "_-=+/:%")

// ctxWindowChar may separate a vendor keyword from the operator
// (`heroku api key:`, `var herokuToken string =`).
var ctxWindowChar = makeSet("a-z", "A-Z", "0-9", "_-. \t")

// ctxWindow is how far before the operator a vendor keyword is looked for,
// across spaces too: gitleaks allows 20 bytes between the end of the
// keyword and the operator, this allows about as much for the longest
// keywords.
const ctxWindow = 40

func dottedPrefix(v string) bool {
	for _, p := range [...]string{"sl.", "pk.", "t1.", "tfp_"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// vendorKeywordNear finds a vendor keyword in the identifier or, with
// acrossWords, in the words just before it (prose: `my heroku api key: …`;
// only identifiers ending in a generic keyword look that far), returning the keyword, the end of the match and the window start.
func vendorKeywordNear(text string, a *assignment, acrossWords bool) vendorMatch {
	lo := a.identStart
	for acrossWords && lo > 0 && a.opStart-lo < ctxWindow && ctxWindowChar[text[lo-1]] {
		lo--
	}
	lo = max(lo, a.opStart-ctxWindow)
	kw, end := findVendorKeyword(text[lo:a.opStart])
	return vendorMatch{kw: kw, end: lo + end, lo: lo}
}

// vendorMatch is a vendor keyword found before an operator: the keyword,
// where it ends and where the searched window starts.
type vendorMatch struct {
	kw      *ctxKeyword
	end, lo int
}

// indentedLine reports whether only indentation precedes pos on its line:
// the identifier may have a parent key.
func indentedLine(text string, pos int) bool {
	k := pos
	for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t' || text[k-1] == '-' || text[k-1] == '"' || text[k-1] == '\'') {
		k--
	}
	return k < pos && (k == 0 || text[k-1] == '\n')
}

// scanContextRules reports a vendor-shaped value assigned near its vendor's
// keyword. It reports whether the value was claimed (reported or recorded
// as suppressed); strict reports that a vendor keyword was present but the
// value had none of its shapes, so the generic rule should be stricter.
func scanContextRules(c *collector, a *assignment, genericKeyword bool, near vendorMatch) (claimed, strict bool) {
	text := c.text
	v := text[a.start:a.end]
	minLen := ctxMinValue
	if !genericKeyword {
		minLen = ctxMinValueNoKeyword
	}
	if len(v) < minLen || len(v) > 300 || v[0] == '/' {
		return false, false
	}
	var seen uint8
	for k := 0; k < len(v); k++ {
		cls := ctxValueClass[v[k]]
		if cls == 0 {
			return false, false
		}
		seen |= cls
	}
	// Only a few vendors' keys contain dots, all after a fixed prefix;
	// host names and dotted versions stop here.
	if seen&ctxDot != 0 && !dottedPrefix(v) {
		return false, false
	}
	kw, kwEnd, lo := near.kw, near.end, near.lo
	var buf [128]byte
	var norm []byte
	if kw != nil {
		norm = normaliseIdent(text[lo:a.opStart], buf[:])
	} else {
		// One level of YAML or pretty-printed JSON up: `heroku:\n  api_key: …`.
		pk, ok := parentKey(text, a.identStart)
		if !ok && genericKeyword {
			pk, ok = sectionName(text, a.identStart)
		}
		if !ok {
			return false, false
		}
		if equalFold(pk, "data") && scanKubernetesSecret(c, a, v) {
			return true, false
		}
		if kw, _ = findVendorKeyword(pk); kw == nil {
			return false, false
		}
		kwEnd = a.identStart
		if norm = normaliseIdent(text[a.identStart:a.opStart], buf[:]); !secretishIdent(norm) {
			return false, false
		}
	}
	var rbuf [128]byte
	rest := normaliseIdent(text[max(kwEnd, lo):a.opStart], rbuf[:])
	for _, r := range kw.rules {
		if r.quoted && !a.quoted || len(r.identHas) > 0 && !containsAnyBytes(norm, r.identHas) {
			continue
		}
		for _, s := range r.shapes {
			if matchShape(v, s) {
				reportContext(c, a, r, s, v, rest)
				return true, false
			}
		}
	}
	if hasSuffixBytes(norm, "password") || hasSuffixBytes(norm, "passwd") || hasSuffixBytes(norm, "pwd") {
		return false, false // `jira_password`: a password, whatever the vendor's key format
	}
	for _, r := range kw.rules {
		for _, s := range r.shapes {
			if nearShape(v, s) {
				c.add("api_key", model.SeverityHigh, r.rule, a.start, a.end, prioContext, preview{}, "invalid:context-format")
				return true, false
			}
		}
	}
	return false, true
}

func reportContext(c *collector, a *assignment, r *contextRule, s []seg, v string, rest []byte) {
	why := shapeMaterialWhy(v, s)
	if why == "" && r.minEntropy > 0 && entropy(v) < r.minEntropy {
		why = "invalid:context-entropy"
	}
	if why == "" {
		why = contextIdentWhy(r, rest)
	}
	keep := 0
	if s[0].set == nil {
		keep = len(s[0].lit)
	}
	// The vendor named by the identifier and the vendor's exact shape are
	// as specific as a prefix: this outranks a 40-character value that the
	// AWS rule claims only for being near a key id.
	c.add("api_key", model.SeverityHigh, r.rule, a.start, a.end, prioSpecific, preview{prefix: keep}, why)
}

// contextIdentWhy rejects identifiers that name something other than the
// credential even though they carry the vendor's name: `heroku_app_id`,
// `discord_channel_id`, `sentry_url`.
func contextIdentWhy(r *contextRule, rest []byte) string {
	for _, w := range [...]string{"url", "uri", "host", "endpoint", "domain", "region", "name", "username",
		"email", "version", "path", "file", "dir", "count", "size", "length", "port", "commit", "sha", "hash",
		"digest", "checksum", "revision", "build", "release"} {
		if hasSuffixBytes(rest, w) {
			return "invalid:context-identifier"
		}
	}
	idLike := hasSuffixBytes(rest, "id") || hasSuffixBytes(rest, "ids")
	if !r.isID {
		if idLike {
			return "invalid:context-identifier"
		}
		return ""
	}
	// Client ids are reported; ids of the vendor's objects are not.
	for _, w := range [...]string{"channel", "guild", "user", "server", "role", "message", "project", "workspace",
		"team", "org", "account", "order", "customer", "task", "board", "page", "post", "thread", "item", "tenant"} {
		if containsBytes(rest, w) {
			return "invalid:context-identifier"
		}
	}
	return ""
}

// secretishIdent is required of an identifier whose vendor keyword is on a
// parent line: under `discord:`, `client_secret:` names a credential,
// `channel:` does not.
func secretishIdent(norm []byte) bool {
	return containsAnyBytes(norm, []string{"key", "token", "secret", "client", "pass", "auth", "cred", "access"})
}

// normaliseIdent lowercases s into buf keeping only letters and digits, so
// that snake, kebab, dotted and camel case compare alike.
func normaliseIdent(s string, buf []byte) []byte {
	n := 0
	for k := 0; k < len(s) && n < len(buf); k++ {
		ch := s[k]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		} else if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9') {
			continue
		}
		buf[n] = ch
		n++
	}
	return buf[:n]
}

// findVendorKeyword finds the vendor keyword closest to the end of the raw
// identifier text s, ignoring case and separators (`new_relic`, `Linked-In`),
// and returns it with the offset in s just past it. The two-byte index keeps
// this at one table load per byte.
func findVendorKeyword(s string) (*ctxKeyword, int) {
	for p := len(s) - 2; p >= 0; p-- {
		pair := uint16(s[p])<<8 | uint16(s[p+1])
		if ctxPairs[pair>>3]&(1<<(pair&7)) == 0 {
			continue
		}
		if !wordStartAt(s, p) {
			continue // "SetSysctl" does not name Etsy
		}
		for _, k := range ctxLists[ctxIndex[uint16(lower(s[p]))<<8|uint16(lower(s[p+1]))]] {
			if end := keywordAt(s, p, k.word); end > 0 && (len(k.word) > 5 || !camelInside(s[p:end])) {
				return k, end
			}
		}
	}
	return nil, 0
}

// wordStartAt reports whether a word of an identifier starts at s[p]: at
// the start, after a separator or digit, or at a camel-case capital.
func wordStartAt(s string, p int) bool {
	if p == 0 {
		return true
	}
	b, c := s[p-1], s[p]
	switch {
	case b >= 'a' && b <= 'z':
		return c >= 'A' && c <= 'Z'
	case b >= 'A' && b <= 'Z':
		return c >= 'A' && c <= 'Z' || p+1 < len(s) && s[p+1] >= 'a' && s[p+1] <= 'z' && c >= 'A' && c <= 'Z'
	}
	return true
}

// camelInside reports a lower-case letter followed by a capital: a short
// keyword matched across two words ("sumOf" is not Sumo).
func camelInside(s string) bool {
	for k := 1; k < len(s); k++ {
		if s[k] >= 'A' && s[k] <= 'Z' && s[k-1] >= 'a' && s[k-1] <= 'z' {
			return true
		}
	}
	return false
}

// ctxPairs is a bit set of the first two bytes of every keyword in every
// mix of case: one load and test per byte of the identifier, from an 8 KiB
// table, in front of the 64 KiB index.
var ctxPairs = func() (t [1 << 13]uint8) {
	for _, r := range contextRules {
		for _, w := range r.keywords {
			for _, a := range [2]byte{w[0], w[0] - 'a' + 'A'} {
				for _, b := range [2]byte{w[1], w[1] - 'a' + 'A'} {
					pair := uint16(a)<<8 | uint16(b)
					t[pair>>3] |= 1 << (pair & 7)
				}
			}
		}
	}
	return t
}()

// keywordAt matches word at s[p:], skipping separators after the first two
// bytes, and returns the end of the match or 0.
func keywordAt(s string, p int, word string) int {
	w := 0
	for ; p < len(s) && w < len(word); p++ {
		ch := lower(s[p])
		if ch == word[w] {
			w++
			continue
		}
		if w < 2 || (ch != '_' && ch != '-' && ch != '.' && ch != ' ') {
			return 0
		}
	}
	if w < len(word) {
		return 0
	}
	return p
}

// parentKey returns the key of the nearest less indented line above the
// line of the identifier at identStart, if that line holds only indentation
// (spaces, list dashes, an opening quote) before the identifier.
func parentKey(text string, identStart int) (string, bool) {
	ls := identStart
	for ls > 0 && text[ls-1] != '\n' {
		switch text[ls-1] {
		case ' ', '\t', '-', '"', '\'':
			ls--
		default:
			return "", false
		}
	}
	indent := identStart - ls
	if indent == 0 || ls == 0 {
		return "", false
	}
	end := ls - 1 // the '\n' ending the previous line
	floor := max(0, identStart-1500)
	for lines := 0; lines < 12 && end > floor; lines++ {
		start, ok := lineStartAbove(text, floor, end)
		if !ok {
			break
		}
		line := text[start:end]
		ind := 0
		for ind < len(line) && (line[ind] == ' ' || line[ind] == '\t' || line[ind] == '-') {
			ind++
		}
		body := strings.TrimRight(line[ind:], " \t\r{[")
		if body != "" && body[0] != '#' && ind < indent {
			if !strings.HasSuffix(body, ":") {
				return "", false
			}
			return strings.Trim(body[:len(body)-1], "\"' "), true
		}
		end = start - 1
	}
	return "", false
}

// lineStartAbove returns the start of the line ending at end, looking back
// no further than floor: without the floor, every assignment on a long line
// would rescan the line from its start, and a text of repeated assignments
// would cost time quadratic in its length. ok is false when the line starts
// before floor.
func lineStartAbove(text string, floor, end int) (start int, ok bool) {
	k := strings.LastIndexByte(text[floor:end], '\n')
	if k < 0 {
		return floor, floor == 0
	}
	return floor + k + 1, true
}

// sectionName returns the name of the TOML or INI section (`[heroku]`,
// `[tool.heroku]`) that an unindented key at identStart belongs to, looking
// a few lines up.
func sectionName(text string, identStart int) (string, bool) {
	floor := max(0, identStart-800)
	ls, ok := lineStartAbove(text, floor, identStart)
	if !ok || ls != identStart && strings.TrimLeft(text[ls:identStart], "\"'") != "" {
		return "", false
	}
	end := ls - 1
	for lines := 0; lines < 8 && end > floor; lines++ {
		start, ok := lineStartAbove(text, floor, end)
		if !ok {
			break
		}
		line := strings.TrimSpace(text[start:end])
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return strings.Trim(line, "[]\"' "), true
		}
		end = start - 1
	}
	return "", false
}

// scanKubernetesSecret reports a base64 value under `data:` of a manifest
// of kind Secret: the data of a Secret is its credentials, only encoded.
func scanKubernetesSecret(c *collector, a *assignment, v string) bool {
	n := len(v)
	for n > 0 && v[n-1] == '=' {
		n--
	}
	if n < 10 || len(v)-n > 3 {
		return false
	}
	for k := 0; k < n; k++ {
		if !setBase64[v[k]] {
			return false
		}
	}
	text := c.text
	lo, hi := a.start-1500, a.end+3000
	if lo < 0 {
		lo = 0
	}
	if hi > len(text) {
		hi = len(text)
	}
	if !kindSecret(text[lo:hi]) {
		return false
	}
	why := ""
	if dec, err := base64.StdEncoding.DecodeString(v); err == nil && printable(dec) {
		why = urlPasswordPlaceholder(string(dec))
	}
	c.add("api_key", model.SeverityHigh, "kubernetes-secret-yaml", a.start, a.end, prioContext, preview{}, why)
	return true
}

// kindSecret reports whether a manifest in s declares `kind: Secret`.
func kindSecret(s string) bool {
	for {
		k := strings.Index(s, "kind:")
		if k < 0 {
			return false
		}
		s = s[k+5:]
		t := strings.TrimLeft(s, " \t\"'")
		if strings.HasPrefix(t, "Secret") && (len(t) == 6 || !setWord[t[6]]) {
			return true
		}
	}
}

func printable(b []byte) bool {
	for _, ch := range b {
		if ch < 0x20 || ch > 0x7e {
			return false
		}
	}
	return true
}

func equalFold(s, lowerWord string) bool {
	return len(s) == len(lowerWord) && hasPrefixFold(s, lowerWord)
}

func containsBytes(b []byte, w string) bool {
	for p := 0; p+len(w) <= len(b); p++ {
		if hasPrefixBytes(b[p:], w) {
			return true
		}
	}
	return false
}

func containsAnyBytes(b []byte, ws []string) bool {
	for _, w := range ws {
		if containsBytes(b, w) {
			return true
		}
	}
	return false
}

func hasPrefixBytes(b []byte, w string) bool {
	if len(b) < len(w) {
		return false
	}
	for k := 0; k < len(w); k++ {
		if b[k] != w[k] {
			return false
		}
	}
	return true
}

func hasSuffixBytes(b []byte, w string) bool {
	return len(b) >= len(w) && hasPrefixBytes(b[len(b)-len(w):], w)
}
