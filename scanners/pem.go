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
// spaces, or the literal `\n` escapes a JSON paste leaves behind; it must
// base64-decode to a plausible key so that armour around an elided or
// invented body is not reported.
func scanPEM(c *collector, i int) int {
	text := c.text
	if !strings.HasPrefix(text[i:], pemBegin) {
		return i
	}
	ls := i + len(pemBegin)
	le := ls
	for le < len(text) && le-ls < 48 && (text[le] >= 'A' && text[le] <= 'Z' || text[le] == ' ') {
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
	if bodyEnd < 0 {
		return hdrEnd
	}
	endLabel := bodyEnd + len(pemEnd)
	if !strings.HasPrefix(text[endLabel:], label) || !strings.HasPrefix(text[endLabel+len(label):], "-----") {
		c.add("private_key", model.SeverityCritical, "private-key", i, hdrEnd, prioSpecific, preview{kind: pvPEM}, "invalid:pem-label-mismatch")
		return hdrEnd
	}
	end := endLabel + len(label) + 5
	why := checkPEMBody(label, text[hdrEnd:bodyEnd])
	c.add("private_key", model.SeverityCritical, "private-key", i, end, prioSpecific, preview{kind: pvPEM}, why)
	return end
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

// checkPEMBody returns why body is not a private key's, or "".
func checkPEMBody(label, body string) string {
	if strings.Contains(body, "...") || strings.Contains(body, "…") || strings.ContainsAny(body, "<>*") {
		return "placeholder:pem-elided"
	}
	var b64 []byte
	pgp := strings.HasPrefix(label, "PGP ")
	for tok := range pemTokens(body) {
		switch {
		case strings.ContainsAny(tok, ":,"):
			// RFC 1421 headers (Proc-Type, DEK-Info) and PGP armour headers.
			continue
		case pgp && tok[0] == '=' && len(tok) == 5:
			// PGP armour checksum line.
			continue
		}
		for j := 0; j < len(tok); j++ {
			if !setBase64[tok[j]] && tok[j] != '=' {
				return "invalid:pem-body"
			}
		}
		b64 = append(b64, tok...)
	}
	raw := strings.TrimRight(string(b64), "=")
	der, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return "invalid:pem-base64"
	}
	if len(der) < 32 {
		return "invalid:pem-too-short"
	}
	// The decoded body is deliberately not parsed as DER or as an OpenSSH
	// key: a truncated or lightly edited paste of a real key is still a leak,
	// and invented bodies are caught by the elision and entropy checks.
	if placeholderRandom(raw) == "placeholder:low-entropy" {
		return "placeholder:low-entropy"
	}
	return ""
}

// pemTokens splits a PEM body on whitespace and on the literal escapes
// (`\n`, `\r`, `\t`, `\\n`) that flattened pastes contain.
func pemTokens(body string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		start := -1
		flush := func(j int) bool {
			if start >= 0 && j > start {
				if !yield(body[start:j]) {
					return false
				}
			}
			start = -1
			return true
		}
		for j := 0; j < len(body); j++ {
			ch := body[j]
			switch {
			case ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t':
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
				if j+1 < len(body) && (body[j+1] == 'n' || body[j+1] == 'r' || body[j+1] == 't') {
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

// scanPEMBase64 finds a private key whose whole PEM text was base64-encoded
// (Kubernetes secrets, CI variables) and reports the encoded span, which is
// what a reader sees and the UI highlights.
func scanPEMBase64(c *collector, i int) int {
	text := c.text
	end := span(text, i, &setBase64, 1<<17)
	for end < len(text) && end-i < 1<<17 && text[end] == '=' {
		end++
	}
	raw := strings.TrimRight(text[i:end], "=")
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
