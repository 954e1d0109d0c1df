package scanners

import "hash/crc32"

// GitHub's 2021 token format: prefix, 30 random base62 characters, then the
// CRC32 of those 30 characters in base62, left-padded with '0' to 6 places.
// The check rejects typos, truncations and invented tokens with probability
// 1 - 62^-6 without calling GitHub.

// GitHub does not document the digit order of its base62 alphabet; both
// common orders are accepted, which costs a factor of two in false accepts
// (still ~2 in 10^11).
const (
	base62Upper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base62Lower = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

func checkGitHub(tok, body string) string {
	if len(body) != 36 {
		return "invalid:github-format"
	}
	sum := crc32.ChecksumIEEE([]byte(body[:30]))
	if base62Equal(sum, body[30:], base62Upper) || base62Equal(sum, body[30:], base62Lower) {
		return ""
	}
	return "invalid:github-checksum"
}

// base62Equal reports whether enc is n in base62 with the given alphabet,
// zero-padded to len(enc) digits.
func base62Equal(n uint32, enc, alphabet string) bool {
	for i := len(enc) - 1; i >= 0; i-- {
		if enc[i] != alphabet[n%62] {
			return false
		}
		n /= 62
	}
	return n == 0
}

// githubChecksum returns the 6-character checksum for a 30-character body;
// tests use it to build valid tokens.
func githubChecksum(random30 string) string {
	n := crc32.ChecksumIEEE([]byte(random30))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base62Upper[n%62]
		n /= 62
	}
	return string(b[:])
}
