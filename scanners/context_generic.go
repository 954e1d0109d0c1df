package scanners

import "strings"

// Values assigned to secret-sounding names that are not secrets: where a
// keyword rule loses its precision. Each check names why, for ScanVerbose.

// notSecretValue returns why v, assigned to a keyword of kind kw, is not a
// secret, or "".
func notSecretValue(kw keyword, v string) string {
	switch {
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
