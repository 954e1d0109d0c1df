package scanners

import (
	"encoding/base64"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// Private keys that are not PEM: PuTTY's .ppk files and age identities.

const puttyPrefix = "PuTTY-User-Key-File-"

// scanPuTTY matches a .ppk file (versions 2 and 3): a header line, then
// Encryption/Comment/Public-Lines and the public blob, then
// "Private-Lines: N", N base64 lines of private key, and a Private-MAC (v2,
// v3) or Private-Hash (unencrypted v1) line. The span runs from the header
// to the end of the MAC line, or of the private lines when it is missing.
func scanPuTTY(c *collector, i int) int {
	text := c.text
	j := i + len(puttyPrefix)
	if j >= len(text) || !isDigit(text[j]) {
		return i
	}
	limit := min(len(text), i+16<<10)
	k := strings.Index(text[j:limit], "Private-Lines:")
	if k < 0 {
		// The format's name alone (a header line, a mention in prose)
		// holds no key, like a PEM header without a body.
		hdrEnd := span(text, j, &setDigits, 2)
		c.add("private_key", model.SeverityCritical, "putty-private-key", i, hdrEnd, prioSpecific, preview{prefix: len(puttyPrefix)}, "invalid:ppk-no-body")
		return i
	}
	j += k + len("Private-Lines:")
	for j < limit && text[j] == ' ' {
		j++
	}
	lines := 0
	for j < limit && isDigit(text[j]) && lines < 1000 {
		lines = lines*10 + int(text[j]-'0')
		j++
	}
	if lines == 0 {
		return i
	}
	var b64 []byte
	end := j
	for n := 0; n < lines; n++ {
		s := skipPEMGlue(text, j)
		e := s
		for e < limit && (setBase64[text[e]] || text[e] == '=') {
			e++
		}
		if e == s {
			break
		}
		b64 = append(b64, strings.TrimRight(text[s:e], "=")...)
		end, j = e, e
	}
	if s := skipPEMGlue(text, j); strings.HasPrefix(text[s:], "Private-MAC:") || strings.HasPrefix(text[s:], "Private-Hash:") {
		e := s + strings.IndexByte(text[s:], ':') + 1
		for e < len(text) && text[e] == ' ' {
			e++
		}
		if h := span(text, e, &setHex, 128); h > e {
			end = h
		}
	}
	why := ""
	switch der, err := base64.RawStdEncoding.DecodeString(string(b64)); {
	case strings.Contains(text[i:end], "...") || strings.ContainsAny(text[i:end], "<>*"):
		why = "placeholder:ppk-elided"
	case err != nil:
		why = "invalid:ppk-base64"
	case len(der) < 16:
		why = "invalid:ppk-too-short"
	default:
		why = placeholderRandom(string(b64))
	}
	if why != "" && !c.hidden && needsCleaning(text[i:end]) {
		c.hidden = true // the pass skips the file; the cleaned copy may hold a key
	}
	c.add("private_key", model.SeverityCritical, "putty-private-key", i, end, prioSpecific, preview{prefix: len(puttyPrefix)}, why)
	return end
}

// An age identity is Bech32 with the human-readable part
// "AGE-SECRET-KEY-", written in upper case: "1", 52 data characters (a
// 32-byte X25519 key) and a 6-character checksum.
const (
	agePrefix  = "AGE-SECRET-KEY-1"
	ageDataLen = 58
)

func scanAgeKey(c *collector, i int) int {
	text := c.text
	body := i + len(agePrefix)
	end := span(text, body, &setBech32Upper, ageDataLen+1)
	if end-body != ageDataLen || (end < len(text) && setAlnum[text[end]]) {
		return i
	}
	why := placeholder(text[body:end])
	sev, attr := model.SeverityCritical, ""
	if why == "" && !bech32Valid("age-secret-key-", text[body:end]) {
		// As with GitHub tokens: a failed checksum means a typo, a cut or a
		// fixture, not "no key"; the auditor sees it, ranked lower.
		sev, attr = model.SeverityHigh, "checksum-invalid"
	}
	if attr == "" {
		c.add("private_key", sev, "age-secret-key", i, end, prioSpecific, preview{prefix: len(agePrefix)}, why)
	} else {
		c.addAttrs("private_key", sev, "age-secret-key", i, end, prioSpecific, preview{prefix: len(agePrefix)}, why, attr)
	}
	return end
}

const bech32Charset = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

var (
	setBech32Upper = makeSet(bech32Charset)
	bech32Value    = func() (t [256]int8) {
		for k := range t {
			t[k] = -1
		}
		for k := 0; k < len(bech32Charset); k++ {
			t[bech32Charset[k]] = int8(k)
		}
		return t
	}()
)

// bech32Valid checks the BIP-173 checksum of data (upper case, after the
// separator) under the lower-case human-readable part hrp.
func bech32Valid(hrp, data string) bool {
	chk := uint32(1)
	step := func(v uint32) {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for k, g := range [...]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3} {
			if b>>k&1 == 1 {
				chk ^= g
			}
		}
	}
	for k := 0; k < len(hrp); k++ {
		step(uint32(hrp[k]) >> 5)
	}
	step(0)
	for k := 0; k < len(hrp); k++ {
		step(uint32(hrp[k]) & 31)
	}
	for k := 0; k < len(data); k++ {
		v := bech32Value[data[k]]
		if v < 0 {
			return false
		}
		step(uint32(v))
	}
	return chk == 1
}
