package fakeapi

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// plantKinds are the sensitive values the generator places, each valid by the
// rules a careful detector checks (Luhn, SSA ranges, JSON JWT header, PEM).
var plantKinds = []string{"email", "aws_access_key", "credit_card", "anthropic_api_key", "jwt", "private_key", "ssn"}

func plantValue(r *rand.Rand, kind string) string {
	switch kind {
	case "email":
		return fmt.Sprintf("%s.%s@%s", pick(r, firstNames), pick(r, lastNames), pick(r, []string{"example.com", "acme-corp.io", "mail.example.org"}))
	case "aws_access_key":
		return "AKIA" + randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
	case "credit_card":
		return luhnNumber(r, "4", 16)
	case "anthropic_api_key":
		return "sk-ant-api03-" + randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 93) + "AA"
	case "jwt":
		enc := base64.RawURLEncoding
		h := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		p := enc.EncodeToString([]byte(fmt.Sprintf(`{"sub":"%d","name":"%s %s","iat":1716239022}`, r.IntN(1e6), pick(r, firstNames), pick(r, lastNames))))
		sig := make([]byte, 32)
		for i := range sig {
			sig[i] = byte(r.Uint32())
		}
		return h + "." + p + "." + enc.EncodeToString(sig)
	case "private_key":
		body := make([]byte, 180)
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		b64 := base64.StdEncoding.EncodeToString(body)
		var sb strings.Builder
		sb.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
		for len(b64) > 64 {
			sb.WriteString(b64[:64] + "\n")
			b64 = b64[64:]
		}
		sb.WriteString(b64 + "\n-----END RSA PRIVATE KEY-----")
		return sb.String()
	case "ssn":
		area := 1 + r.IntN(665) // SSA: not 000, 666 or 9xx
		return fmt.Sprintf("%03d-%02d-%04d", area, 1+r.IntN(99), 1+r.IntN(9999))
	}
	panic("fakeapi: unknown plant kind " + kind)
}

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// luhnNumber returns a Luhn-valid number of length n starting with prefix.
func luhnNumber(r *rand.Rand, prefix string, n int) string {
	d := []byte(prefix)
	for len(d) < n-1 {
		d = append(d, byte('0'+r.IntN(10)))
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 0 { // doubled: these positions are odd from the right once the check digit is added
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return string(append(d, byte('0'+(10-sum%10)%10)))
}

// plantSentence wraps a value in a sentence a person might write; it returns
// the sentence and the byte offset of the value in it.
func plantSentence(r *rand.Rand, kind, value string) (string, int) {
	var pre, post string
	switch kind {
	case "email":
		pre, post = "Please loop in ", " before Friday."
	case "aws_access_key":
		pre, post = "The deploy script fails with access key ", " — is it still active?"
	case "credit_card":
		pre, post = "Charge the card ", " for the conference booking."
	case "anthropic_api_key":
		pre, post = "Here is the key I am using: ", " and it returns 401."
	case "jwt":
		pre, post = "The request sends Authorization: Bearer ", " but the server rejects it."
	case "private_key":
		pre, post = "This is the key from the server:\n", "\nWhy does ssh refuse it?"
	case "ssn":
		pre, post = "Her SSN on the form is ", ", can you check the W-2?"
	}
	if r.IntN(2) == 0 {
		pre = pick(r, openers) + " " + pre
	}
	return pre + value + post, len(pre)
}
