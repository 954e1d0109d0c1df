package scanners

import "github.com/ccsync/ccsync/model"

// Assignment shapes whose identifier is not simply before the operator:
// curl's `-u user:password` and `-H "Authorization: …"`, key/value pairs
// (`<add key="…" value="…"/>`, Kubernetes `- name:`/`value:`), typed
// declarations, and Sidekiq's licensed gem source URL.

var setCurlToken = makeSet("a-z", "A-Z", "0-9", "_=~@.+/-")

// curlOptionMark is what may precede the user name of `-u user:password`:
// the space or '=' after the option, a quote, or the '@' of an email.
var curlOptionMark = makeSet(" =\"'@")

// scanCurlUser reports the password of `curl -u user:password` (also
// `--user`, quoted). The ':' at colon ends the user name that starts at j.
func scanCurlUser(c *collector, j, colon int) bool {
	text := c.text
	s := j
	if s > 0 && text[s-1] == '@' { // user names that are email addresses
		for s > 0 && colon-s < 128 && (setLocal[text[s-1]] || text[s-1] == '@') {
			s--
		}
	}
	quote := byte(0)
	if s > 0 && (text[s-1] == '"' || text[s-1] == '\'') {
		s--
		quote = text[s]
	}
	switch {
	case s >= 3 && text[s-3] == '-' && text[s-2] == 'u' && text[s-1] == ' ':
	case s >= 7 && text[s-2] == 'r' && (text[s-7:s] == "--user " || text[s-7:s] == "--user="):
	default:
		return false
	}
	if !containsFold(text[max(0, s-512):s], "curl") {
		return false
	}
	start := colon + 1
	end := start
	for end < len(text) && end-start < 256 {
		ch := text[end]
		if ch == '\n' || ch == '\r' || (quote != 0 && ch == quote) || (quote == 0 && (ch == ' ' || ch == '\t' || ch == '"' || ch == '\'')) {
			break
		}
		end++
	}
	if quote != 0 && (end >= len(text) || text[end] != quote) {
		return false
	}
	if end-start < 3 {
		return true // `-u token:` — the user name is the credential and other rules see it
	}
	pass := text[start:end]
	why := urlPasswordPlaceholder(pass)
	if why == "" && entropy(pass) < 2 {
		why = "invalid:curl-auth-entropy"
	}
	c.add("api_key", model.SeverityHigh, "curl-auth-user", start, end, prioContext, preview{}, why)
	return true
}

// scanAuthorizationHeader reports the credential of an Authorization header
// whose scheme other detectors do not own (`Token …`, a bare key). Bearer and
// Basic credentials are reported by their own detectors.
func scanAuthorizationHeader(c *collector, j, colon int) {
	text := c.text
	p := colon + 1
	for p < len(text) && p-colon < 6 && (text[p] == ' ' || text[p] == '\t') {
		p++
	}
	rest := text[p:]
	if hasPrefixFold(rest, "bearer ") || hasPrefixFold(rest, "basic ") || hasPrefixFold(rest, "digest ") ||
		hasPrefixFold(rest, "negotiate ") || hasPrefixFold(rest, "aws4-") {
		return
	}
	for _, scheme := range [...]string{"token ", "api-token ", "apikey ", "bot ", "sso-key "} {
		if hasPrefixFold(rest, scheme) {
			p += len(scheme)
			break
		}
	}
	if scanAsanaPAT(c, p) > p {
		return
	}
	end := span(text, p, &setCurlToken, 1024)
	if end-p < 8 || (end < len(text) && !valueStop[text[end]] && text[end] != '\\') {
		return
	}
	v := text[p:end]
	if ownedPrefix(v) {
		return
	}
	rule := "authorization-header"
	if s := j; s > 0 && (text[s-1] == '"' || text[s-1] == '\'') {
		if s--; s >= 3 && text[s-3:s] == "-H " || s >= 9 && text[s-9:s] == "--header " || s >= 9 && text[s-9:s] == "--header=" {
			rule = "curl-auth-header"
		}
	}
	why := placeholderRandom(v)
	if why == "" && (entropy(v) < 2.75 || !hasDigitAndLetter(v)) {
		why = "invalid:authorization-not-random"
	}
	c.add("api_key", model.SeverityHigh, rule, p, end, prioContext, preview{}, why)
}

// scanSidekiqURL reports the credentials of Sidekiq Pro/Enterprise gem
// sources, `https://<8 hex>:<8 hex>@gems.contribsys.com/`; the user name
// half is as secret as the password half.
func scanSidekiqURL(c *collector, j, colon int) {
	text := c.text
	end := colon + 9
	if colon-j != 8 || end >= len(text) || text[end] != '@' {
		return
	}
	for k := j; k < end; k++ {
		if k != colon && !setHex[text[k]] {
			return
		}
	}
	host := text[end+1:]
	if !hasPrefixFold(host, "gems.contribsys.com") && !hasPrefixFold(host, "enterprise.contribsys.com") {
		return
	}
	c.add("api_key", model.SeverityHigh, "sidekiq-sensitive-url", j, end, prioSpecific, preview{}, placeholder(text[j:end]))
}

// pairedName finds the name of a `value` whose name is a sibling attribute
// or key: `key="…"`, `name="…"`, `"name": "…"`, `- name: …`, at most a
// couple of lines back and not past another value.
func pairedName(text string, valueIdent int) (start, end int, ok bool) {
	lo := max(0, valueIdent-160)
	for k := valueIdent - 1; k > lo; k-- {
		ch := text[k]
		if ch != '=' && ch != ':' {
			if ch == '>' || ch == '}' || ch == ';' {
				return 0, 0, false
			}
			continue
		}
		// The word before the operator must be key or name.
		w := k
		for w > lo && (text[w-1] == '"' || text[w-1] == '\'' || text[w-1] == ' ') {
			w--
		}
		ws := w
		for ws > lo && setIdent[text[ws-1]] {
			ws--
		}
		word := text[ws:w]
		if !equalFold(word, "key") && !equalFold(word, "name") {
			if equalFold(word, "value") {
				return 0, 0, false
			}
			continue
		}
		s := k + 1
		for s < valueIdent && (text[s] == ' ' || text[s] == '"' || text[s] == '\'') {
			s++
		}
		e := span(text, s, &setIdent, 64)
		if e-s < 3 {
			return 0, 0, false
		}
		return s, e, true
	}
	return 0, 0, false
}

// isTypeWord reports type names that sit between a declared name and its
// `=` in typed languages.
func isTypeWord(ident string) bool {
	switch ident {
	case "string", "String", "str":
		return true
	}
	return false
}

func hasSuffixFold(s, lowerSuffix string) bool {
	return len(s) >= len(lowerSuffix) && hasPrefixFold(s[len(s)-len(lowerSuffix):], lowerSuffix)
}

// asanaPATShape is an Asana personal access token: a version digit, the
// user and token ids, and a 32-hex secret ("2/<16>/<16>:<32 hex>").
var asanaPATShape = []seg{run(&setDigits, 1, 1), lit("/"), run(&setDigits, 13, 20), lit("/"), run(&setDigits, 13, 20),
	lit(":"), exactly(&setHexLower, 32)}

// scanAsanaPAT reports an Asana personal access token at p (a header
// value, where no keyword precedes it) and returns its end, or p.
func scanAsanaPAT(c *collector, p int) int {
	text := c.text
	if p+62 > len(text) || !isDigit(text[p]) || text[p+1] != '/' {
		return p
	}
	end := span(text, p, &setAsanaPAT, 80)
	if end < len(text) && setToken[text[end]] || !matchShape(text[p:end], asanaPATShape) {
		return p
	}
	why := placeholderRandom(text[end-32 : end])
	c.add("api_key", model.SeverityCritical, "asana-personal-access-token", p, end, prioSpecific, preview{}, why)
	return end
}

var setAsanaPAT = makeSet("0-9", "a-f", "/:")
