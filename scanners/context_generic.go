package scanners

import (
	"encoding/base64"
	"strings"
)

// Values assigned to secret-sounding names that are not secrets: where a
// keyword rule loses its precision. Each check names why, for ScanVerbose.

// notSecretValue returns why v, assigned to a keyword of kind kw, is not a
// secret, or "".
func notSecretValue(kw keyword, v string) string {
	switch {
	case v[0] == '!':
		return "invalid:yaml-tag" // `!vault |`, `!Ref DbPassword`: a reference, not a value
	case strings.HasPrefix(v, "arn:"):
		return "invalid:identifier" // the name of a secret in AWS, not the secret
	case strings.HasPrefix(v, "pk_live_"), strings.HasPrefix(v, "pk_test_"):
		return "invalid:publishable-key" // Stripe publishable keys ship in web pages
	case emptyInputHash(v), publishedTestVector(v):
		return "invalid:published-test-value"
	case sshPublicKeyBlob(v):
		return "invalid:ssh-public-key"
	case agePublicKey(v):
		return "invalid:public-key" // an age recipient: what files are encrypted to
	case joseHeader(v):
		return "invalid:jwt-header" // a token's algorithm and type, no key material
	case looksLikeEmail(v):
		return "invalid:email"
	case strings.Contains(v, "://"):
		return "invalid:url" // endpoints; URL credentials have their own detector
	case looksLikePath(v):
		return "invalid:path"
	case looksLikeVersion(v):
		return "invalid:version"
	case looksLikeConstName(v):
		return "invalid:identifier" // `API_KEY: API_KEY_V2`, an environment variable's name
	case kw.kind != kwPassword && echoesKeyword(v):
		// Weak passwords (`Password1`) are still reported: they are in use.
		return "placeholder:keyword-echo"
	case kw.kind == kwPassword && commonPassword(v):
		return "placeholder:common-password"
	}
	return ""
}

// fileExtensions end key-file and config paths: `key: certs/server2.pem`.
var fileExtensions = []string{".pem", ".key", ".crt", ".cer", ".p12", ".pfx", ".jks", ".json", ".yaml", ".yml",
	".txt", ".env", ".conf", ".cfg", ".ini", ".toml", ".xml", ".pub", ".der", ".keystore", ".gpg", ".asc"}

func looksLikePath(v string) bool {
	for _, ext := range fileExtensions {
		if hasSuffixFold(v, ext) && len(v) > len(ext) {
			return true
		}
	}
	switch {
	case strings.HasPrefix(v, "./"), strings.HasPrefix(v, "../"), strings.HasPrefix(v, "~/"):
		return true
	case len(v) > 3 && v[1] == ':' && (v[2] == '\\' || v[2] == '/'):
		return true // C:\keys\…
	case v[0] == '/':
		// Absolute paths are words between slashes; base64 that happens to
		// start with '/' has '+' or long mixed runs.
		if strings.ContainsAny(v, "+=") || strings.Count(v, "/") < 2 {
			return false
		}
		for part := range strings.SplitSeq(v[1:], "/") {
			if len(part) > 24 {
				return false
			}
		}
		return true
	}
	return false
}

// looksLikeVersion matches `v1.2.3`, `2.14.0-rc1`, `1.0.0+build5`.
func looksLikeVersion(v string) bool {
	k := 0
	if k < len(v) && (v[k] == 'v' || v[k] == 'V') {
		k++
	}
	dots := 0
	for {
		d := k
		for k < len(v) && isDigit(v[k]) {
			k++
		}
		if k == d {
			return false
		}
		if k == len(v) || v[k] == '-' || v[k] == '+' {
			break
		}
		if v[k] != '.' {
			return false
		}
		dots++
		k++
	}
	return dots >= 1
}

// looksLikeConstName matches upper snake case names (`PROD_API_KEY_2`).
func looksLikeConstName(v string) bool {
	if !strings.Contains(v, "_") || v[0] < 'A' || v[0] > 'Z' {
		return false
	}
	for k := 0; k < len(v); k++ {
		if ch := v[k]; !(ch >= 'A' && ch <= 'Z' || isDigit(ch) || ch == '_') {
			return false
		}
	}
	return true
}

// echoesKeyword reports values that repeat the kind of thing they stand
// for (`my_api_key_123`, `db-password-2`, `supersecret1`): invented for
// documentation and tests, never issued by a vendor.
func echoesKeyword(v string) bool {
	for _, w := range [...]string{"password", "passwd", "secret", "apikey", "api_key", "api-key", "token", "mykey"} {
		if containsFold(v, w) {
			return true
		}
	}
	return false
}

// commonPasswords are placeholders of tutorials and defaults that ship with
// software (Java's keystore password), not passwords someone chose.
var commonPasswords = []string{"hunter2", "changeit", "p@ssw0rd", "passw0rd"}

func commonPassword(v string) bool {
	for _, p := range commonPasswords {
		if equalFold(v, p) {
			return true
		}
	}
	return false
}

// emptyInputHash reports the MD5, SHA-1 and SHA-256 digests of empty input,
// which fill placeholder and test fields.
func emptyInputHash(v string) bool {
	switch strings.ToLower(v) {
	case "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855":
		return true
	}
	return false
}

// looksLikeEmail reports user@host.tld values (a login, not its secret).
func looksLikeEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	return at > 0 && strings.Contains(v[at+1:], ".") && !strings.ContainsAny(v[:at], ":/")
}

// genericPlaceholder is check (placeholder or placeholderRandom) for the
// generic rule, which sees human-made passwords full of braces and dollar
// signs: a value is a template only if templates make up nearly all of it
// (`${DB_PASSWORD}`, `{{ .Values.token }}`, `<your-key>`), not merely
// because it contains "${" or ">".
func genericPlaceholder(v string, check func(string) string) string {
	why := check(v)
	if why != "placeholder:template" || templateOnly(v) {
		return why
	}
	for _, w := range placeholderWords {
		if containsFold(v, w) {
			return "placeholder:word:" + w
		}
	}
	if repeatedRun(v, 5) || dominantChar(v) {
		return "placeholder:repeated-char"
	}
	return ""
}

// templateOnly reports whether v has a well-formed template expression
// (`${NAME}`, `{{ … }}`, `$(…)`, `<…>`, `%s`, `$NAME` after a non-word byte)
// or, without its stray template bytes, fewer than six letters and digits.
func templateOnly(v string) bool {
	left := 0
	for k := 0; k < len(v); k++ {
		if (k == 0 || !isAlnum(v[k-1])) && templateAt(v[k:]) > 0 {
			return true
		}
		if isAlnum(v[k]) {
			left++
		}
	}
	return left < 6
}

var setTemplateBody = makeSet("a-z", "A-Z", "0-9", "_.-: |()\"'")

// templateAt returns the length of a template expression at the start of s.
func templateAt(s string) int {
	closeAt := func(open int, closer string) int {
		end := strings.Index(s[open:], closer)
		if end < 0 {
			return 0
		}
		for k := open; k < open+end; k++ {
			if !setTemplateBody[s[k]] {
				return 0
			}
		}
		return open + end + len(closer)
	}
	switch {
	case strings.HasPrefix(s, "${{"):
		return closeAt(3, "}}")
	case strings.HasPrefix(s, "${"):
		return closeAt(2, "}")
	case strings.HasPrefix(s, "{{"):
		return closeAt(2, "}}")
	case strings.HasPrefix(s, "$("):
		return closeAt(2, ")")
	case strings.HasPrefix(s, "<"):
		return closeAt(1, ">")
	case strings.HasPrefix(s, "%s"):
		return 2
	case len(s) > 1 && (s[0] == '$' || s[0] == '%') && (s[1] == '_' || s[1] >= 'A' && s[1] <= 'Z' || s[1] >= 'a' && s[1] <= 'z'):
		return span(s, 1, &setWord, len(s)) // $NAME, %NAME%
	}
	return 0
}

// publishedTestVector reports the example keys of the AES specification
// (FIPS-197 appendices), copied into countless crypto tutorials.
func publishedTestVector(v string) bool {
	switch strings.ToLower(v) {
	case "2b7e151628aed2a6abf7158809cf4f3c", "000102030405060708090a0b0c0d0e0f",
		"000102030405060708090a0b0c0d0e0f1011121314151617",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4":
		return true
	}
	return false
}

// sshPublicKeyBlob reports the base64 wire format of an SSH public key
// (it starts with the encoded key type), which is public by design.
func sshPublicKeyBlob(v string) bool {
	for _, p := range [...]string{"AAAAB3NzaC1yc2E", "AAAAC3NzaC1lZDI1NTE5", "AAAAE2VjZHNhLXNoYTItbmlzdHA"} {
		if strings.Contains(v, p) {
			return true
		}
	}
	return false
}

// joseHeader reports a lone base64url JSON object with an "alg" member: the
// header of a JWT or JWS, published in every tutorial and carrying no key.
func joseHeader(v string) bool {
	if !strings.HasPrefix(v, "eyJ") || len(v) > 200 || strings.ContainsAny(v, ".+/") {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	return err == nil && b[len(b)-1] == '}' && strings.Contains(string(b), `"alg"`)
}

// agePublicKey reports an age recipient: "age1" and 58 bech32 characters.
func agePublicKey(v string) bool {
	if len(v) != 62 || !strings.HasPrefix(v, "age1") {
		return false
	}
	for k := 4; k < len(v); k++ {
		if strings.IndexByte("qpzry9x8gf2tvdw0s3jn54khce6mua7l", v[k]) < 0 {
			return false
		}
	}
	return true
}
