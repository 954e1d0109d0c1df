package scanners

import "github.com/ccsync/ccsync/model"

// Assignments without ':' or '=': the text of an XML element named after
// a key (`<herokuApiKey>…</herokuApiKey>`, also with the value on its own
// line) and the second argument of a call whose first names it
// (`System.setProperty("API_TOKEN", "…")`, `getenv("API_KEY", "…")`).
// gitleaks' keyword rules accept '>' and ',' as operators too.

// argSpace is how much whitespace (newlines and indentation included) may
// surround an element's text.
const argSpace = 24

// scanArg runs at '>', ',', '|' and '~', bytes that are rare in prose, and
// returns where the pass continues. Each needs a word byte before it: the
// end of a start tag (`<apiKey>`), a comma between two words
// (`name,API_KEY,region`; prose puts a space after its commas), the app id
// of a Facebook token (`<digits>|<token>`), the "Q" of an Azure AD client
// secret's "Q~".
func scanArg(c *collector, i int) int {
	text := c.text
	if i == 0 || i+1 >= len(text) || !setWord[text[i-1]] {
		return i + 1
	}
	switch text[i] {
	case '>':
		scanElement(c, i)
	case '|':
		if isDigit(text[i-1]) {
			scanFacebookAppToken(c, i)
		}
	case '~':
		if text[i-1] == 'Q' && i >= 5 {
			if end := scanAzureADSecret(c, i-5, i-1); end > i-5 {
				return end
			}
		}
	default:
		if setWord[text[i+1]] {
			scanCSVComma(c, i)
		}
	}
	return i + 1
}

// scanFacebookAppToken reports a Facebook app access token at its '|': the
// 15- or 16-digit app id, then the app secret or a token.
func scanFacebookAppToken(c *collector, bar int) {
	text := c.text
	if bar+28 > len(text) {
		return
	}
	start := bar
	for start > 0 && bar-start <= 16 && isDigit(text[start-1]) {
		start--
	}
	if n := bar - start; n < 15 || n > 16 || start > 0 && setToken[text[start-1]] {
		return
	}
	end := span(text, bar+1, &setToken, 41)
	if n := end - bar - 1; n < 27 || n > 40 || end < len(text) && setToken[text[end]] {
		return
	}
	secret := text[bar+1 : end]
	why := placeholderRandom(secret)
	if why == "" && (!hasDigitAndLetter(secret) || entropy(secret) < 3) {
		why = "invalid:not-random"
	}
	c.add("api_key", model.SeverityCritical, "facebook-access-token", start, end, prioSpecific, preview{prefix: bar - start}, why)
}

// scanParen runs at '(' and '+': a call whose first argument is a quoted
// name (`getenv("API_KEY", "…")`; no phone number starts with a quote),
// else a phone number.
func scanParen(c *collector, i int) int {
	text := c.text
	if text[i] == '(' && i+1 < len(text) && (text[i+1] == '"' || text[i+1] == '\'') {
		scanCallArg(c, i+1)
		return i
	}
	return scanPhonePrefix(c, i)
}

// scanElement handles `<name>value</name>` at the '>' of the start tag.
func scanElement(c *collector, i int) {
	text := c.text
	j := i
	for j > 0 && i-j < 64 && setIdent[text[j-1]] {
		j--
	}
	if j == 0 || text[j-1] != '<' || i-j < 3 {
		return
	}
	vs := skipSpace(text, i+1, argSpace)
	ve := vs
	for ve < len(text) && ve-vs < 320 && !elementStop[text[ve]] {
		ve++
	}
	if ve == vs {
		return
	}
	// The text must be the element's whole content: its end tag follows.
	name := text[j:i]
	if k := skipSpace(text, ve, argSpace); k+3+len(name) > len(text) || text[k] != '<' || text[k+1] != '/' ||
		text[k+2:k+2+len(name)] != name || text[k+2+len(name)] != '>' {
		return
	}
	a := assignment{identStart: j, identEnd: i, opStart: i, start: vs, end: ve}
	evalAssignment(c, &a, name, vs, "", true)
}

// scanCallArg handles `("name", "value"` at the quote that opens the
// first argument: the name must be the whole first argument and the value
// a quoted literal.
func scanCallArg(c *collector, i int) {
	text := c.text
	q := text[i]
	j := i + 1
	for j < len(text) && j-i < 64 && setIdent[text[j]] {
		j++
	}
	if j+2 >= len(text) || text[j] != q || text[j+1] != ',' || j-i-1 < 3 {
		return
	}
	valAt := j + 2
	if text[valAt] == ' ' {
		valAt++
	}
	if valAt >= len(text) || (text[valAt] != '"' && text[valAt] != '\'') {
		return
	}
	a := assignment{identStart: i + 1, identEnd: j, opStart: j + 1}
	evalAssignment(c, &a, text[i+1:j], valAt, "", false)
}

// elementStop ends an element's text: markup, whitespace and quotes.
var elementStop = func() (t [256]bool) {
	for _, ch := range " \t\r\n<>\"'" {
		t[ch] = true
	}
	return t
}()

func skipSpace(text string, i, max int) int {
	for k := 0; k < max && i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'); k++ {
		i++
	}
	return i
}
