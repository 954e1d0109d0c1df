package scanners

import (
	"bytes"
	"encoding/base64"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// scanJWT matches a JWS (header.payload.signature, RFC 7515 compact form) or
// a JWE (header.key.iv.ciphertext.tag, RFC 7516) at a word starting "ey" or
// "ew": the base64url encodings of '{' followed by '"', ' ', '\n', '\r' or
// '\t', which covers compact and pretty-printed headers with any member
// first. A JWS is reported only if its header decodes to a JSON object
// naming a registered JOSE header parameter (or its payload names a
// registered claim) and its payload decodes to a JSON object; a JWE needs
// "alg" and "enc". Headers without "alg" ({"typ":"plain"}, {"x5c":[…]},
// {"kid":…}) occur in unsecured and application-defined tokens that still
// carry claims.
// Unsecured tokens ("alg": "none", empty or missing signature part) are
// reported too: they still carry the claims and are accepted by
// misconfigured servers.
// Look-alikes are recorded as suppressed with the reason.
func scanJWT(c *collector, i int) int {
	text := c.text
	var seg [6]int // seg[k] is the end of segment k; segment k+1 starts at seg[k]+1
	n := 0
	for j := i; n < len(seg); n++ {
		max := 8192
		if n > 0 {
			max = 1 << 16
		}
		e := jwtSegmentEnd(text, j, max)
		seg[n] = e
		if e >= len(text) || text[e] != '.' {
			n++
			break
		}
		j = e + 1
	}
	if n < 2 || seg[0]-i < 10 {
		return i
	}
	header := text[i:seg[0]]
	payload := text[seg[0]+1 : seg[1]]
	hdr, why := decodeJWTHeader(header)
	if why == "" && hdr.Enc != nil {
		// JWE: the encrypted key is empty with direct encryption; IV,
		// ciphertext and tag are not.
		if n < 5 || seg[2] == seg[1]+1 || seg[3] == seg[2]+1 || seg[4] == seg[3]+1 {
			c.add("jwt", model.SeverityHigh, "jwe", i, seg[min(n, 5)-1], prioSpecific, preview{}, "invalid:jwe-parts")
			return seg[min(n, 5)-1]
		}
		c.add("jwt", model.SeverityHigh, "jwe", i, seg[4], prioSpecific, preview{}, "")
		return seg[4]
	}
	if why == "" {
		why = checkJWTPayload(payload, hdr)
	}
	if n == 2 {
		// header.payload without the signature part: an unsigned token or
		// one whose signature was cut off, still claims a server may
		// accept. Without a third part, only a valid one is worth a record.
		// A documented sample is one, with or without its signature: it
		// is recorded as such and consumed, so no weaker rule (Bearer)
		// reports it instead.
		if strings.HasPrefix(why, "placeholder:") {
			c.add("jwt", model.SeverityHigh, "jwt", i, seg[1], prioSpecific, preview{}, why)
			return seg[1]
		}
		if why != "" {
			return i
		}
		c.add("jwt", model.SeverityHigh, "jwt", i, seg[1], prioSpecific, preview{}, "")
		return seg[1]
	}
	end := seg[2]
	c.add("jwt", model.SeverityHigh, "jwt", i, end, prioSpecific, preview{}, why)
	return end
}

// jwtSegmentEnd returns the end of a base64url segment starting at j,
// tolerating the '=' padding some encoders leave.
func jwtSegmentEnd(text string, j, max int) int {
	e := span(text, j, &setBase64URL, max)
	for k := 0; k < 2 && e < len(text) && text[e] == '='; k++ {
		e++
	}
	return e
}

// jwtHeaderNames are the parameters of the IANA "JSON Web Signature and
// Encryption Header Parameters" registry (RFC 7515, 7516, 7518, 7519 §5.3,
// 7797, 8225, 8555, 9321) and "ver", which several identity providers put in
// their headers. One of them makes a JSON object a JOSE header.
var jwtHeaderNames = [...]string{
	"alg", "enc", "zip", "typ", "cty", "kid", "crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256",
	"epk", "apu", "apv", "iv", "tag", "p2s", "p2c", "iss", "sub", "aud", "b64", "ppt", "url", "nonce",
	"svt", "ver",
}

// jwtClaimNames are the registered claims of RFC 7519 §4.1.
var jwtClaimNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

type jwtHeader struct {
	Alg, Enc *string
	// registered: the header names a registered JOSE parameter.
	registered bool
}

func decodeJWTHeader(header string) (jwtHeader, string) {
	var hdr jwtHeader
	hb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	if err != nil {
		return hdr, "invalid:jwt-header-base64"
	}
	hb = bytes.TrimSpace(hb)
	if len(hb) == 0 || hb[0] != '{' {
		return hdr, "invalid:jwt-header"
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(hb, &members); err != nil || len(members) == 0 {
		return hdr, "invalid:jwt-header"
	}
	for _, name := range jwtHeaderNames {
		if _, ok := members[name]; ok {
			hdr.registered = true
			break
		}
	}
	var ok bool
	if hdr.Alg, ok = jwtStringMember(members, "alg"); !ok {
		return hdr, "invalid:jwt-header"
	}
	if hdr.Enc, ok = jwtStringMember(members, "enc"); !ok || hdr.Enc != nil && hdr.Alg == nil {
		return hdr, "invalid:jwt-header"
	}
	return hdr, ""
}

// jwtStringMember returns the member name of a header, which when present
// must be a non-empty string ("alg": "" or "alg": 5 is no algorithm).
func jwtStringMember(members map[string]json.RawMessage, name string) (*string, bool) {
	raw, present := members[name]
	if !present {
		return nil, true
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil || v == "" {
		return nil, false
	}
	return &v, true
}

// checkJWTPayload requires a JSON object; unless the header named a
// registered parameter, the object must carry a registered claim.
func checkJWTPayload(payload string, hdr jwtHeader) string {
	pb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return "invalid:jwt-payload-base64"
	}
	pb = bytes.TrimSpace(pb)
	if len(pb) == 0 || pb[0] != '{' {
		return "invalid:jwt-payload"
	}
	if jwtIOSample(pb) {
		return "placeholder:documented-sample"
	}
	if hdr.registered {
		if !json.Valid(pb) {
			return "invalid:jwt-payload"
		}
		return ""
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(pb, &claims); err != nil {
		return "invalid:jwt-payload"
	}
	for _, name := range jwtClaimNames {
		if _, ok := claims[name]; ok {
			return ""
		}
	}
	return "invalid:jwt-header"
}

// jwtIOSample recognises the claims of jwt.io's sample token (subject
// "1234567890", "John Doe", in every version of the page and whatever key
// signed it): it is pasted from the debugger into countless tutorials.
func jwtIOSample(payload []byte) bool {
	return bytes.Contains(payload, []byte(`"sub":"1234567890"`)) && bytes.Contains(payload, []byte(`"name":"John Doe"`))
}

// scanJWTBase64 finds a JWT that was itself base64-encoded (Kubernetes
// secrets, CI variables): "eyJ" encodes to "ZXlK", "ewo" to "ZXdv". The
// decoded token must pass scanJWT; the encoded span is reported.
func scanJWTBase64(c *collector, i int) int {
	text := c.text
	end := span(text, i, &setBase64, 1<<16)
	for k := 0; k < 2 && end < len(text) && text[end] == '='; k++ {
		end++
	}
	if end-i < 40 || (end < len(text) && setToken[text[end]]) {
		return i
	}
	raw := strings.TrimRight(text[i:end], "=")
	if len(raw)%4 == 1 {
		return i
	}
	dec, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return i
	}
	sub := collector{e: c.e, text: string(bytes.TrimSpace(dec)), verbose: true}
	if scanJWT(&sub, 0) != len(sub.text) {
		return i // a token and nothing else, or it is not a JWT
	}
	switch {
	case len(sub.found) > 0:
		c.add("jwt", model.SeverityHigh, "jwt-base64", i, end, prioSpecific, preview{}, "")
	case len(sub.suppressed) > 0:
		c.add("jwt", model.SeverityHigh, "jwt-base64", i, end, prioSpecific, preview{}, sub.suppressed[0].By)
	default:
		return i
	}
	return end
}
