package scanners

import (
	"encoding/base64"
	"strings"

	"github.com/ccsync/ccsync/model"
)

const (
	pemBegin = "-----BEGIN "
	pemEnd   = "-----END "
	// maxPEM bounds the search for the END line; the largest private keys
	// (RSA 8192, PGP blocks with subkeys) are well under this.
	maxPEM = 64 << 10
)

// scanPEM matches PEM and OpenSSH private key blocks at a '-'. Certificates,
// public keys and CSRs are not findings. The body may have real newlines,
// spaces, the literal `\n` escapes a JSON paste leaves behind (escaped once
// or twice), or the quotes and `+` of a string concatenated across source
// lines; it must base64-decode to a plausible key so that armour around an
// elided or invented body is not reported. A block cut off before its END
// line is reported up to the end of its body when that body is long enough
// to be key material.
func scanPEM(c *collector, i int) int {
	text := c.text
	if !strings.HasPrefix(text[i:], pemBegin) {
		return i
	}
	ls := i + len(pemBegin)
	le := ls
	for le < len(text) && le-ls < 64 && setPEMLabel[text[le]] && !strings.HasPrefix(text[le:], "-----") {
		le++
	}
	if !strings.HasPrefix(text[le:], "-----") {
		return i
	}
	label := text[ls:le]
	hdrEnd := le + 5
	if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
		return hdrEnd
	}
	limit := hdrEnd + maxPEM
	if limit > len(text) {
		limit = len(text)
	}
	bodyEnd := c.nextPEMEnd(hdrEnd, limit)
	if bodyEnd >= 0 {
		// An END line after another BEGIN belongs to that block: this one
		// was cut off.
		if k := strings.Index(text[hdrEnd:bodyEnd], pemBegin); k >= 0 {
			bodyEnd = -1
		}
	}
	if bodyEnd < 0 {
		return scanPEMTruncated(c, i, hdrEnd, label)
	}
	endLabel := bodyEnd + len(pemEnd)
	if !strings.HasPrefix(text[endLabel:], label) || !strings.HasPrefix(text[endLabel+len(label):], "-----") {
		// Armour edited by hand (BEGIN EC … END RSA) is a sample, not a paste.
		c.add("private_key", model.SeverityCritical, "private-key", i, hdrEnd, prioSpecific, preview{kind: pvPEM}, "invalid:pem-label-mismatch")
		return hdrEnd
	}
	end := endLabel + len(label) + 5
	why := checkPEMBody(label, text[hdrEnd:bodyEnd])
	if why != "" && !c.hidden && needsCleaning(text[hdrEnd:bodyEnd]) {
		c.hidden = true // the pass skips the block; the cleaned copy may hold a key
	}
	c.add("private_key", model.SeverityCritical, "private-key", i, end, prioSpecific, preview{kind: pvPEM}, why)
	return end
}

// setPEMLabel is what RFC 7468 labels and the variants in the wild
// ("SSH2 ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY") are made of.
var setPEMLabel = makeSet("A-Z", "0-9", " _-#")

// pemTruncatedMin is how much base64 body a block without an END line needs
// to be reported: two full PEM lines, more than any header-only mention or
// sample prefix ("MIIEpAIBAAKCAQEA") carries.
const pemTruncatedMin = 128

// scanPEMTruncated handles a private-key header without a matching END line:
// it reads the body's base64 lines (through the same escapes and
// concatenation glue as a full block) and reports header and body if the
// body is long and random enough; a header alone is recorded as suppressed.
func scanPEMTruncated(c *collector, i, hdrEnd int, label string) int {
	text := c.text
	end, n := hdrEnd, 0
	for j := hdrEnd; j < len(text) && j-hdrEnd < maxPEM; {
		k := skipPEMGlue(text, j)
		if strings.Count(text[j:k], "\n") > 1 {
			break // a blank line ends the body
		}
		run := k
		for run < len(text) && (setBase64[text[run]] || text[run] == '=') {
			run++
		}
		// A body line fills its line: prose after the key does not count.
		if run-k < 4 || (run < len(text) && !lineEnd(text, run)) {
			break
		}
		n += run - k
		end, j = run, run
		if run-k < 60 {
			break // the short last line
		}
	}
	if n < pemTruncatedMin {
		c.add("private_key", model.SeverityCritical, "private-key", i, hdrEnd, prioSpecific, preview{kind: pvPEM}, "invalid:pem-no-body")
		return hdrEnd
	}
	why := checkPEMBody(label, text[hdrEnd:end])
	c.add("private_key", model.SeverityCritical, "private-key", i, end, prioSpecific, preview{kind: pvPEM}, why)
	return end
}

// lineEnd reports whether a PEM body line can end at text[j]: a line break,
// its escape, or the quote closing a string literal.
func lineEnd(text string, j int) bool {
	switch text[j] {
	case '\n', '\r', '\\', '"', '\'', '`':
		return true
	}
	return false
}

// skipPEMGlue skips what separates the base64 lines of a PEM body in text:
// whitespace, `\n`-style escapes, quotes, and the concatenation operators
// of a key split over source lines (`"...\n" +`, `"..." \`, `. "…"`).
func skipPEMGlue(text string, j int) int {
	for j < len(text) {
		switch ch := text[j]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '"' || ch == '\'' || ch == '`' ||
			ch == ',' || ch == '.' || ch == '&' || ch == '|' || ch == '(' || ch == ')' || ch == ';':
			j++
		case ch == '\\':
			for j < len(text) && text[j] == '\\' {
				j++
			}
			if j < len(text) && (text[j] == 'n' || text[j] == 'r' || text[j] == 't') {
				j++
			}
		case ch == '+' && j+1 < len(text) && (text[j+1] == ' ' || text[j+1] == '\n' || text[j+1] == '\r' || text[j+1] == '"' || text[j+1] == '\''):
			j++
		default:
			return j
		}
	}
	return j
}

// nextPEMEnd returns the position of the first END line in [from, limit),
// or -1. Results are memoised so that many BEGIN lines share one search
// instead of each scanning up to maxPEM bytes.
func (c *collector) nextPEMEnd(from, limit int) int {
	if c.pemEndAt > from {
		if c.pemEndAt < limit {
			return c.pemEndAt
		}
		return -1
	}
	if from < c.pemNoneUntil {
		from = c.pemNoneUntil
		if from >= limit {
			return -1
		}
	}
	k := strings.Index(c.text[from:limit], pemEnd)
	if k < 0 {
		c.pemNoneUntil = limit - len(pemEnd)
		return -1
	}
	c.pemEndAt = from + k
	return c.pemEndAt
}

// pemElisionWords mark a body that was cut by hand. They are long enough
// that random base64 of a real key does not contain them by chance.
var pemElisionWords = [...]string{"redacted", "truncated", "omitted", "example", "placeholder", "yourkey", "privatekeyhere"}

// checkPEMBody returns why body is not a private key's, or "".
func checkPEMBody(label, body string) string {
	if strings.Contains(body, "...") || strings.Contains(body, "…") || strings.ContainsAny(body, "<>*[]{}") {
		return "placeholder:pem-elided"
	}
	for _, w := range pemElisionWords {
		if containsFold(body, w) {
			return "placeholder:pem-elided"
		}
	}
	var b64 []byte
	pgp := strings.HasPrefix(label, "PGP ")
	for tok := range pemTokens(body) {
		if pgp && tok[0] == '=' && len(tok) == 5 {
			continue // PGP armour checksum line
		}
		for j := 0; j < len(tok); j++ {
			if !setBase64[tok[j]] && tok[j] != '=' {
				return "invalid:pem-body"
			}
		}
		b64 = append(b64, strings.TrimRight(tok, "=")...)
	}
	der, err := base64.RawStdEncoding.DecodeString(string(b64))
	if err != nil {
		return "invalid:pem-base64"
	}
	if len(der) < 32 {
		return "invalid:pem-too-short"
	}
	// The decoded body is deliberately not parsed as DER or as an OpenSSH
	// key: a truncated or lightly edited paste of a real key is still a leak,
	// and invented bodies are caught by the elision and entropy checks.
	// Word and run checks are left out: DER is full of zero runs ("AAAA")
	// and a long random body contains four-letter words by chance.
	if dominantChar(string(b64)) || entropy(string(b64)) < 3.0 {
		return "placeholder:low-entropy"
	}
	return ""
}

// pemTokens splits a PEM body into its base64 runs. Separators are
// whitespace, the literal escapes (`\n`, `\r`, `\t`, `\\n`) of flattened
// pastes, quotes, and lone concatenation operators (`+`, `.`, `&`, `||`)
// of a key split over source lines. Armour header lines (RFC 1421
// Proc-Type/DEK-Info, PGP Version/Comment) contain a colon, which base64
// never does, and are skipped to the end of their line.
func pemTokens(body string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		start := -1
		header := false
		flush := func(j int) bool {
			tok := ""
			if start >= 0 && j > start {
				tok = body[start:j]
			}
			start = -1
			if tok == "" || header || pemGlueToken(tok) {
				return true
			}
			if strings.IndexByte(tok, ':') >= 0 {
				header = true
				return true
			}
			return yield(tok)
		}
		for j := 0; j < len(body); j++ {
			ch := body[j]
			switch {
			case ch == '\n' || ch == '\r':
				if !flush(j) {
					return
				}
				header = false
			case ch == ' ' || ch == '\t' || ch == '"' || ch == '\'' || ch == '`':
				if !flush(j) {
					return
				}
			case ch == '\\':
				if !flush(j) {
					return
				}
				for j+1 < len(body) && body[j+1] == '\\' {
					j++
				}
				if j+1 < len(body) && (body[j+1] == 'n' || body[j+1] == 'r') {
					j++
					header = false
				} else if j+1 < len(body) && body[j+1] == 't' {
					j++
				}
			default:
				if start < 0 {
					start = j
				}
			}
		}
		flush(len(body))
	}
}

// pemGlueToken reports a token made only of concatenation operators and
// line continuations, which never forms a base64 line of a key.
func pemGlueToken(tok string) bool {
	for j := 0; j < len(tok); j++ {
		switch tok[j] {
		case '+', '.', '&', '|', ',', ';', '(', ')':
		default:
			return false
		}
	}
	return true
}

// scanPEMBase64 finds a private key whose whole PEM text was base64-encoded
// (Kubernetes secrets, CI variables, `base64 -w 76` output wrapped over
// lines) and reports the encoded span, which is what a reader sees and the UI
// highlights.
func scanPEMBase64(c *collector, i int) int {
	text := c.text
	var b64 []byte
	end := i
	for j := i; j < len(text) && j-i < 1<<17; {
		e := span(text, j, &setBase64, 1<<17)
		for e < len(text) && e-j < 1<<17 && text[e] == '=' {
			e++
		}
		if e == j {
			break
		}
		b64 = append(b64, text[j:e]...)
		end = e
		if text[e-1] == '=' {
			break
		}
		// A wrapped line continues after a newline or its JSON escape.
		n := e
		for _, sep := range [...]string{"\r\n", "\n", `\r\n`, `\n`, `\\r\\n`, `\\n`} {
			if strings.HasPrefix(text[n:], sep) {
				n += len(sep)
				break
			}
		}
		if n == e || n >= len(text) || !setBase64[text[n]] {
			break
		}
		j = n
	}
	raw := strings.TrimRight(string(b64), "=")
	if len(raw)%4 == 1 {
		raw = raw[:len(raw)-1] // a cut-off paste still decodes up to its last full byte
	}
	dec, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return i
	}
	s := string(dec)
	k := strings.Index(s, pemBegin)
	if k < 0 {
		return i
	}
	sub := collector{e: c.e, text: s, verbose: true}
	if scanPEM(&sub, k) <= k {
		return i
	}
	switch {
	case len(sub.found) > 0:
		c.add("private_key", model.SeverityCritical, "private-key-base64", i, end, prioSpecific, preview{}, "")
	case len(sub.suppressed) > 0:
		c.add("private_key", model.SeverityCritical, "private-key-base64", i, end, prioSpecific, preview{}, sub.suppressed[0].By)
	default:
		return i
	}
	return end
}
