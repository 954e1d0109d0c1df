package scanners

import (
	"encoding/base64"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// The generic rule: `api_key = "…"`, `"password": "…"`, `TOKEN: …`. It runs
// at every ':' and '=' but first looks backwards at the identifier, so the
// expensive checks run only after a keyword. This is where other scanners lose
// precision, so the value must look like key material: digits and letters,
// not code, not a placeholder, and random enough for its keyword.

// secretKeywords are matched at the end of the identifier (case-insensitive,
// separators ignored), with the strictness of the value check they imply.
type keyword struct {
	word   string
	kind   uint8
	minLen int
}

const (
	kwKey      uint8 = iota // api keys, tokens, secrets: random material
	kwPassword              // human-chosen passwords
	kwWeak                  // bare "key"/"token": too common, needs strong evidence
)

var secretKeywords = []keyword{
	{"apikey", kwKey, 12}, {"secretkey", kwKey, 12}, {"accesskey", kwKey, 12}, {"privatekey", kwKey, 12},
	{"accesstoken", kwKey, 12}, {"authtoken", kwKey, 12}, {"apitoken", kwKey, 12}, {"secrettoken", kwKey, 12},
	{"refreshtoken", kwKey, 12}, {"bearertoken", kwKey, 12}, {"clientsecret", kwKey, 12}, {"apisecret", kwKey, 12},
	{"secret", kwKey, 10}, {"credentials", kwKey, 10}, {"credential", kwKey, 10}, {"authkey", kwKey, 12},
	{"creds", kwKey, 10}, {"auth", kwKey, 16},
	{"dbpass", kwPassword, 6}, {"databasepass", kwPassword, 6}, {"keypass", kwPassword, 6},
	{"adminpass", kwPassword, 6}, {"rootpass", kwPassword, 6}, {"userpass", kwPassword, 6},
	{"contrasena", kwPassword, 6},
	{"password", kwPassword, 6}, {"passwd", kwPassword, 6}, {"pwd", kwPassword, 6}, {"passphrase", kwPassword, 8},
	{"token", kwWeak, 16}, {"key", kwWeak, 20},
}

// notSecretIdents end in a keyword but name something public or structural.
var notSecretIdents = []string{
	"public", "pubkey", "primary", "foreign", "sort", "partition", "cache", "idempotency", "next", "page",
	"continuation", "cursor", "csrf", "xsrf", "max", "num", "count", "hotkey", "monkey", "turkey", "donkey",
	"jockey", "hockey", "whiskey", "lookup", "hash", "type", "name", "file", "path", "length", "size", "id",
	"websocket",                                             // Sec-WebSocket-Key is a handshake nonce
	"authenticity", "csrfmiddleware", "requestverification", // per-session form nonces (Rails, Django, ASP.NET)
	"publishable", "site", // public halves: Stripe publishable keys, reCAPTCHA site keys
}

var setIdent = makeSet("a-z", "A-Z", "0-9", "_-.")

func scanAssign(c *collector, i int) {
	text := c.text
	op := text[i]
	valAt, opStart := i+1, i
	if op == ':' {
		if i+1 < len(text) {
			if n := text[i+1]; n == '=' || n == ':' || n == '/' || isDigit(n) && i > 0 && isDigit(text[i-1]) {
				return // `:=` is taken at its '=', `::` is a scope, `://` a URL, 10:30 a time
			}
		}
		if i > 0 && text[i-1] == ':' {
			return
		}
	} else {
		if i+1 < len(text) {
			switch text[i+1] {
			case '=':
				return
			case '>':
				valAt++ // Ruby, PHP and Logstash hashes: `"key" => "value"`
			}
		}
		if i > 0 {
			switch text[i-1] {
			case '=', '!', '<', '>':
				return
			}
		}
		// Go, Make and PHP forms: `:=`, `::=`, `?=`, `.=`.
		for k := 0; k < 3 && opStart > 1; k++ {
			p := text[opStart-1]
			if p != ':' && p != '?' && !(p == '.' && k == 0 && text[opStart-2] == ' ') {
				break
			}
			opStart--
		}
	}
	// Identifier before the operator, possibly quoted: `"api_key": `,
	// `token =`, `\"token\":` inside a JSON string.
	j := opStart
	for k := 0; k < 2 && j > 0 && (text[j-1] == ' ' || text[j-1] == '\t'); k++ {
		j--
	}
	if j > 1 {
		switch text[j-1] {
		case ']': // `os.environ["API_KEY"] = …`, PHP's `$keys[] = …`
			if text[j-2] == '"' || text[j-2] == '\'' {
				j--
			} else if text[j-2] == '[' {
				j -= 2
			}
		case '*': // markdown bold: `- **API_KEY**: …`
			if text[j-2] == '*' {
				j -= 2
			}
		}
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
		if j > 0 && text[j-1] == '\\' {
			j--
		}
	}
	idEnd := j
	for j > 0 && idEnd-j < 64 && setIdent[text[j-1]] {
		j--
	}
	if op == ':' {
		if j > 0 && text[j-1] == ':' {
			return // a field of a colon-separated name: arn:aws:…:secret:…
		}
		if j >= 3 && text[j-1] == '/' && text[j-3:j] == "://" {
			scanSidekiqURL(c, j, i)
			return // other URL userinfo belongs to scanAt
		}
		if j > 2 && curlOptionMark[text[j-1]] && scanCurlUser(c, j, i) {
			return
		}
	}
	ident := text[j:idEnd]
	if len(ident) < 3 {
		return
	}
	a := assignment{identStart: j, identEnd: idEnd, opStart: opStart}
	rule := ""
	switch {
	case op == ':' && (equalFold(ident, "authorization") || equalFold(ident, "proxy-authorization")):
		scanAuthorizationHeader(c, j, i)
		return
	case len(ident) == 5 && equalFold(ident, "value"):
		// `<add key="ApiKey" value="…"/>`, `{"name": "API_KEY", "value": "…"}`,
		// `- name: API_KEY\n  value: …`: the name is the identifier.
		ns, ne, ok := pairedName(text, j)
		if !ok {
			return
		}
		a.identStart, a.identEnd, a.opStart = ns, ne, ne
		ident = text[ns:ne]
		if hasSuffixFold(ident, "password") && containsFold(text[max(0, ns-24):ns], "<add") {
			rule = "nuget-config-password"
		}
	case isTypeWord(ident):
		// `var apiToken string = "…"`: the name is before the type.
		k := j
		for k > 0 && (text[k-1] == ' ' || text[k-1] == ':') {
			k--
		}
		ne := k
		for k > 0 && ne-k < 64 && setIdent[text[k-1]] {
			k--
		}
		if ne-k < 3 {
			return
		}
		a.identStart, a.identEnd = k, ne
		ident = text[k:ne]
	}
	evalAssignment(c, &a, ident, valAt, rule, false)
}

// evalAssignment decides on the value of an assignment whose identifier is
// known: keyword-context rules first, then the generic rule. With preset,
// a.start and a.end already hold the value (an XML element's text).
func evalAssignment(c *collector, a *assignment, ident string, valAt int, rule string, preset bool) {
	text := c.text
	kw, ok := matchKeyword(ident)
	var near vendorMatch
	if !ok {
		// Most assignments (log fields, code) end here: a value too short
		// to be a secret, or no keyword of any kind in the identifier and
		// no parent line to look at.
		if !valueAhead(text, valAt, ctxMinValue) {
			return
		}
		kw, ok = matchQualifiedKeyword(ident)
	}
	if ok {
		near = vendorKeywordNear(text, a, true)
	} else {
		if !ctxValueAhead(text, valAt) {
			return
		}
		if near = vendorKeywordNear(text, a, false); near.kw == nil && (preset || !indentedLine(text, a.identStart)) {
			return
		}
	}
	if !preset {
		a.start, a.end, a.quoted = assignedValue(text, valAt)
	}
	claimed, strict := scanContextRules(c, a, ok, near)
	if claimed || !ok || a.end-a.start < kw.minLen {
		return
	}
	start, end, v := a.start, a.end, text[a.start:a.end]
	if awsSecretIdent(ident) && end-start == 40 && reportAWSSecret(c, start, end, "aws-secret-access-key", prioSpecific) {
		return
	}
	why, report := checkGenericValue(kw, v)
	if !report || (!a.quoted && looksLikeCode(v)) || ownedPrefix(v) {
		return
	}
	if why == "" && strict && kw.kind != kwPassword && entropy(v) < 3.5 {
		why = "invalid:context-shape" // the vendor named here issues keys of another shape
	}
	if why == "" && kw.kind != kwPassword && len(v) != 40 && containsFold(ident, "aws") && containsFold(ident, "secret") {
		why = "invalid:context-shape" // AWS secret access keys are exactly 40 characters
	}
	sev := model.SeverityHigh
	if rule == "" {
		rule = "generic-secret"
		if kw.kind == kwPassword {
			rule = "generic-password"
		}
	}
	c.add("api_key", sev, rule, start, end, prioGeneric, preview{}, why)
}

// matchKeyword finds the keyword the identifier ends with, ignoring case
// and the separators of snake, kebab, dotted and camel case.
func matchKeyword(ident string) (keyword, bool) {
	if keywordTail(ident) {
		return matchKeywordSuffix(ident)
	}
	return keyword{}, false
}

// matchQualifiedKeyword is matchKeyword for identifiers with a trailing
// qualifier, tried only for values long enough to be secrets.
func matchQualifiedKeyword(ident string) (keyword, bool) {
	if q := qualifierStart(ident); q > 0 {
		return matchKeywordSuffix(ident[:q])
	}
	return keyword{}, false
}

func matchKeywordSuffix(ident string) (keyword, bool) {
	var buf [64]byte
	n := 0
	for k := 0; k < len(ident); k++ {
		if ch := ident[k]; ch != '_' && ch != '-' && ch != '.' {
			buf[n] = lower(ch)
			n++
		}
	}
	norm := string(buf[:n]) // does not escape; no allocation
	for _, kw := range secretKeywords {
		if strings.HasSuffix(norm, kw.word) {
			rest := norm[:len(norm)-len(kw.word)]
			for _, bad := range notSecretIdents {
				if strings.HasSuffix(rest, bad) {
					return keyword{}, false
				}
			}
			return kw, true
		}
	}
	return keyword{}, false
}

// keywordQualifiers may follow a keyword: environments, encodings, versions.
var keywordQualifiers = []string{"prod", "production", "dev", "development", "staging", "stage", "test", "live",
	"sandbox", "local", "value", "base", "b64", "base64", "raw", "str", "old", "new", "primary", "secondary",
	"backup", "v1", "v2", "v3", "string", "text", "val"}

// qualifierStart returns where a trailing qualifier of ident starts (at its
// separator, or at the capital of a camel-case word: `mySecretString`) if a
// keyword ends before it, or -1.
func qualifierStart(ident string) int {
	k := len(ident) - 1
	for k > 0 && ident[k] != '_' && ident[k] != '-' && ident[k] != '.' {
		if len(ident)-k > 10 {
			return -1
		}
		if ident[k] >= 'A' && ident[k] <= 'Z' && ident[k-1] >= 'a' && ident[k-1] <= 'z' {
			break // camel-case boundary
		}
		k--
	}
	if k <= 0 {
		return -1
	}
	q, prefixEnd := ident[k+1:], k
	if ident[k] >= 'A' && ident[k] <= 'Z' {
		q = ident[k:]
	}
	if !keywordTail(ident[:prefixEnd]) {
		return -1
	}
	if allDigits(q) && len(q) <= 4 {
		return prefixEnd
	}
	for _, w := range keywordQualifiers {
		if equalFold(q, w) {
			return prefixEnd
		}
	}
	return -1
}

// ownedPrefix reports values a specific detector owns: if that detector
// rejected the value (bad checksum, placeholder), the generic rule must not
// report it instead.
func ownedPrefix(v string) bool {
	for _, r := range vendorRulesFor(v) {
		// A distinctive prefix owns any value; a two- or three-letter one
		// only a value of the rule's alphabet: "SK" and mixed case is not
		// a Twilio key (32 hex digits) gone wrong.
		if strings.HasPrefix(v, r.prefix) && (len(r.prefix) >= 4 || allIn(v[len(r.prefix):], r.set)) {
			return true
		}
	}
	for _, p := range [...]string{"AKIA", "ASIA", "ABIA", "ACCA", "-----BEGIN", "Bearer ", "https://hooks.slack.com/",
		"AGE-SECRET-KEY-1", "PuTTY-User-Key-File-"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	// JSON Web Tokens have dots; base64 JSON without them is the generic
	// rule's.
	if (strings.HasPrefix(v, "eyJ") || strings.HasPrefix(v, "ewog")) && strings.Contains(v, ".") {
		return true
	}
	return false
}

// keywordTail is a cheap filter run at every ':' and '=': the last three
// letters of the identifier must end one of the keywords.
func keywordTail(ident string) bool {
	var t uint32
	n := 0
	for k := len(ident) - 1; k >= 0 && n < 3; k-- {
		if ch := ident[k]; ch != '_' && ch != '-' && ch != '.' {
			t |= uint32(lower(ch)) << (8 * n)
			n++
		}
	}
	// The last three letters of: key, token, secret, credential(s),
	// password, passwd, pwd, passphrase, creds, auth, *pass, contrasena.
	switch t {
	case 'k'<<16 | 'e'<<8 | 'y', 'k'<<16 | 'e'<<8 | 'n', 'r'<<16 | 'e'<<8 | 't', 'i'<<16 | 'a'<<8 | 'l', 'a'<<16 | 'l'<<8 | 's', 'o'<<16 | 'r'<<8 | 'd', 's'<<16 | 'w'<<8 | 'd', 'p'<<16 | 'w'<<8 | 'd', 'a'<<16 | 's'<<8 | 'e', 'e'<<16 | 'd'<<8 | 's', 'u'<<16 | 't'<<8 | 'h', 'a'<<16 | 's'<<8 | 's', 'e'<<16 | 'n'<<8 | 'a':
		return true
	}
	return false
}

// assignedValue returns the span of the value after an operator at i-1,
// without its quotes.
func assignedValue(text string, i int) (start, end int, quoted bool) {
	for k := 0; k < 4 && i < len(text) && (text[i] == ' ' || text[i] == '\t'); k++ {
		i++
	}
	if i >= len(text) {
		return i, i, false
	}
	if text[i] == '\\' && i+1 < len(text) && text[i+1] == '"' {
		// A value quoted inside a JSON string: `\"token\": \"…\"`.
		start = i + 2
		end = start
		for end < len(text) && end-start < 256 && text[end] != '\\' && text[end] != '"' && text[end] != '\n' {
			end++
		}
		if end+1 >= len(text) || text[end] != '\\' || text[end+1] != '"' {
			return start, start, true
		}
		return start, end, true
	}
	if text[i] == '@' && i+1 < len(text) && text[i+1] == '"' {
		i++ // C# verbatim string
	}
	if q := text[i]; q == '"' || q == '\'' || q == '`' {
		start = i + 1
		end = start
		for end < len(text) && end-start < 256 && text[end] != q && text[end] != '\n' {
			if text[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(text) || text[end] != q {
			return start, start, true
		}
		return start, end, true
	}
	start = i
	end = i
	if o := text[i]; o == '{' || o == '[' || o == '(' {
		// A run that opens a bracket it does not close is not an
		// expression: take it whole, up to white space.
		for end < len(text) && end-start < 256 && !wordStop[text[end]] {
			end++
		}
		if bracketsUnbalanced(text[start:end]) {
			return start, end, false
		}
		end = i
	}
	for end < len(text) && end-start < 256 && !valueStop[text[end]] {
		end++
	}
	// Sentence punctuation after an unquoted value.
	for end > start && (text[end-1] == '.' || text[end-1] == ',' || text[end-1] == ';') {
		end--
	}
	return start, end, false
}

var valueStop = func() (t [256]bool) {
	// A backslash ends `TOKEN=…\nNEXT=…` inside a JSON string; '&' ends a
	// query parameter.
	for _, ch := range " \t\r\n\"'`,;)]}>\\&" {
		t[ch] = true
	}
	return t
}()

// wordStop ends a run of non-blank bytes.
var wordStop = func() (t [256]bool) {
	for _, ch := range " \t\r\n\"'`" {
		t[ch] = true
	}
	return t
}()

// bracketsUnbalanced reports a value whose (), [] and {} do not nest: code
// and template expressions always close what they open, random material
// need not.
func bracketsUnbalanced(v string) bool {
	var stack [16]byte
	n := 0
	for k := 0; k < len(v); k++ {
		switch ch := v[k]; ch {
		case '(', '[', '{':
			if n == len(stack) {
				return false
			}
			stack[n] = ch
			n++
		case ')', ']', '}':
			open := byte('(')
			if ch == ']' {
				open = '['
			} else if ch == '}' {
				open = '{'
			}
			if n == 0 || stack[n-1] != open {
				return true
			}
			n--
		}
	}
	return n != 0
}

// symbolMaterial reports a value without digits that is still random
// material: long, with several distinct symbols and brackets that do not
// nest, so neither a word, an identifier nor an expression.
func symbolMaterial(v string) bool {
	if len(v) < 16 {
		return false
	}
	var seen [4]uint64
	distinct := 0
	for k := 0; k < len(v); k++ {
		ch := v[k]
		if isAlnum(ch) || ch >= 0x80 {
			continue
		}
		if seen[ch>>6]&(1<<(ch&63)) == 0 {
			seen[ch>>6] |= 1 << (ch & 63)
			distinct++
		}
	}
	return distinct >= 4 && bracketsUnbalanced(v)
}

// looksLikeCode reports unquoted values that are expressions, not literals:
// calls, member accesses, env references, type names.
func looksLikeCode(v string) bool {
	if strings.ContainsAny(v, "()[]{}") {
		// Only a whole run that opens with a bracket it never closes is
		// material (see assignedValue); `foo(hey` is a cut-off call.
		return !(strings.IndexByte("([{", v[0]) >= 0 && bracketsUnbalanced(v))
	}
	if !strings.Contains(v, ".") {
		return false
	}
	for part := range strings.SplitSeq(v, ".") {
		if part == "" || !(part[0] >= 'a' && part[0] <= 'z' || part[0] >= 'A' && part[0] <= 'Z' || part[0] == '_') {
			return false
		}
		digits := 0
		for k := 0; k < len(part); k++ {
			if !setWord[part[k]] {
				return false
			}
			if isDigit(part[k]) {
				digits++
			}
		}
		if digits > 0 && part == v[:len(part)] {
			return false // random material with a dot in it, not a receiver name
		}
	}
	return true
}

// hasUUID reports whether v contains an 8-4-4-4-12 hex UUID.
func hasUUID(v string) bool {
	for k := 0; k+36 <= len(v); k++ {
		if v[k+8] != '-' || v[k+13] != '-' || v[k+18] != '-' || v[k+23] != '-' {
			continue
		}
		ok := true
		for j := k; j < k+36 && ok; j++ {
			ok = v[j] == '-' && (j-k == 8 || j-k == 13 || j-k == 18 || j-k == 23) || setHex[v[j]]
		}
		if ok {
			return true
		}
	}
	return false
}

// encodedText reports base64 that decodes to prose ("the sample nonce"):
// sample values in specifications and tests, not key material. Base64 of
// "user:password" has no space and is still reported.
func encodedText(v string) bool {
	if len(v) < 16 || len(v)%4 != 0 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return false
	}
	space := false
	for _, ch := range b {
		switch {
		case ch == ' ':
			space = true
		case ch < 0x20 || ch > 0x7e:
			return false
		}
	}
	return space
}

// checkGenericValue decides whether v is reported, and if it is a candidate
// that should be suppressed, why. Values that are plainly not secrets (words,
// numbers) are dropped without a record to keep ScanVerbose readable.
func checkGenericValue(kw keyword, v string) (why string, report bool) {
	why, report = genericValueShape(kw, v)
	if report && why == "" {
		// Costlier checks, only for values that would be reported.
		why = notSecretValue(kw, v)
		switch {
		case why != "":
		case hasUUID(v):
			why = "invalid:uuid" // identifiers (urn:uuid:…, request ids), not secrets
		case encodedText(v):
			why = "invalid:encoded-text"
		}
	}
	return why, report
}

func genericValueShape(kw keyword, v string) (why string, report bool) {
	var letters, digits, symbols, upper int
	for k := 0; k < len(v); k++ {
		switch ch := v[k]; {
		case ch >= 'a' && ch <= 'z':
			letters++
		case ch >= 'A' && ch <= 'Z':
			letters++
			upper++
		case isDigit(ch):
			digits++
		case ch == ' ':
			return "", false // prose: "password: the one I sent you"
		default:
			symbols++
		}
	}
	if letters == 0 {
		return "", false
	}
	switch kw.kind {
	case kwPassword:
		if digits == 0 && symbols == 0 {
			return "", false
		}
		if why := genericPlaceholder(v, placeholder); why != "" {
			return why, true
		}
		return "", true
	case kwKey:
		if digits == 0 && !symbolMaterial(v) {
			return "", false
		}
		if why := genericPlaceholder(v, placeholderRandom); why != "" {
			return why, true
		}
		if entropy(v) < 3.0 {
			return "invalid:generic-entropy", true
		}
		return "", true
	default: // bare key/token
		if digits == 0 && !symbolMaterial(v) || upper == 0 && len(v) < 32 {
			return "", false
		}
		if why := genericPlaceholder(v, placeholderRandom); why != "" {
			return why, true
		}
		if entropy(v) < 3.5 {
			return "invalid:generic-entropy", true
		}
		return "", true
	}
}
