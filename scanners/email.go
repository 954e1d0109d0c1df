package scanners

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/ccsync/ccsync/model"
)

// setUserinfo is RFC 3986 userinfo: unreserved, percent-encoded, sub-delims and ':'.
var setUserinfo = makeSet("a-z", "A-Z", "0-9", "-._~%!$&'()*+,;=:")

// scanAt handles an '@': either the userinfo of a URL (a password there is a
// password_in_url finding, and the same bytes are never also reported as an
// email) or an email address.
func scanAt(c *collector, at int) {
	if scanURLUserinfo(c, at) {
		return
	}
	scanEmail(c, at)
}

// scanURLUserinfo reports `scheme://user:password@host` and returns true when
// the '@' ends a URL's userinfo, password or not.
func scanURLUserinfo(c *collector, at int) bool {
	text := c.text
	u := at
	for u > 0 && at-u < 128 && setUserinfo[text[u-1]] {
		u--
	}
	if u < 4 || text[u-1] != '/' || text[u-2] != '/' || text[u-3] != ':' || !isAlnum(text[u-4]) {
		return false
	}
	if at+1 >= len(text) || !(isAlnum(text[at+1]) || text[at+1] == '[') {
		return false
	}
	userinfo := text[u:at]
	colon := strings.IndexByte(userinfo, ':')
	if colon < 0 || colon == len(userinfo)-1 {
		return true // a user name alone (ssh://git@host) is not a secret
	}
	start := u + colon + 1
	c.add("password_in_url", model.SeverityHigh, "password-in-url", start, at, prioSpecific, preview{}, urlPasswordPlaceholder(text[start:at]))
	return true
}

// urlPasswordPlaceholder recognises the stand-ins documentation uses for a
// URL password.
func urlPasswordPlaceholder(p string) string {
	switch strings.ToLower(p) {
	case "password", "pass", "passwd", "pwd", "secret", "pw", "x", "token", "mypassword", "changeme":
		return "placeholder:word:" + strings.ToLower(p)
	}
	if why := placeholder(p); why != "" && why != "placeholder:sequential" {
		return why
	}
	return ""
}

// reservedDomains are reserved for documentation by RFC 2606. Addresses there
// are still reported by default: test fixtures and demo data use them, and in
// an archive they are still something a person typed. Config.
// SuppressDocumentationEmails turns them into placeholders.
var reservedDomains = []string{"example.com", "example.net", "example.org", "example.edu"}

// reservedTLDs (RFC 2606, RFC 6761, mDNS) never reach a mailbox.
var reservedTLDs = []string{".example", ".test", ".invalid", ".localhost", ".local"}

// scanEmail matches a practical RFC 5322 subset: dot-atom local part, domain
// of LDH or IDN labels whose top-level label is a real ICANN suffix, so that
// `logo@2x.png` and `pkg@1.2.3` are not addresses.
func scanEmail(c *collector, at int) {
	text := c.text
	s := localStart(text, at)
	for s < at && text[s] < utf8.RuneSelf && !isAlnum(text[s]) && text[s] != '_' {
		s++
	}
	if s == at || text[at-1] == '.' || strings.Contains(text[s:at], "..") {
		return
	}
	if end := addressLiteral(text, at+1); end > 0 {
		// user@[192.0.2.7]: RFC 5321 address literal, no DNS name to check.
		c.add("email", model.SeverityMedium, "email", s, end, prioSpecific, preview{kind: pvEmail}, emailPlaceholder(text[s:at], text[at+1:end], c.e.docEmails))
		return
	}
	end, lastLabel := emailDomain(text, at+1)
	if end < 0 {
		return
	}
	domain := text[at+1 : end]
	if !icannTLD(text[lastLabel:end]) {
		return
	}
	why := emailPlaceholder(text[s:at], domain, c.e.docEmails)
	c.add("email", model.SeverityMedium, "email", s, end, prioSpecific, preview{kind: pvEmail}, why)
}

// localStart walks back over the local part: dot-atom ASCII plus the
// letters and digits of internationalised addresses (RFC 6531).
func localStart(text string, at int) int {
	s := at
	for s > 0 && at-s < 64 {
		if ch := text[s-1]; ch < utf8.RuneSelf {
			if !setLocal[ch] {
				break
			}
			s--
			continue
		}
		r, size := utf8.DecodeLastRuneInString(text[:s])
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) {
			break
		}
		s -= size
	}
	return s
}

// emailDomain returns the end of the domain starting at d and the start of
// its last label, or -1 if there is no dotted domain there.
func emailDomain(text string, d int) (end, lastLabel int) {
	j, labelStart, dots := d, d, 0
	for j < len(text) && j-d < 253 {
		ch := text[j]
		if ch < utf8.RuneSelf {
			if isAlnum(ch) || ch == '-' {
				j++
				continue
			}
			if ch == '.' && j > labelStart && text[j-1] != '-' && j+1 < len(text) &&
				(isAlnum(text[j+1]) || text[j+1] >= utf8.RuneSelf) {
				dots++
				j++
				labelStart = j
				continue
			}
			break
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) {
			break
		}
		j += size
	}
	if dots == 0 || j == labelStart || text[d] == '-' || text[j-1] == '-' {
		return -1, -1
	}
	return j, labelStart
}

func icannTLD(tld string) bool {
	for i := 0; i < len(tld); i++ {
		if isDigit(tld[i]) {
			return false
		}
	}
	if !isASCII(tld) {
		a, err := idna.ToASCII(tld)
		if err != nil {
			return false
		}
		tld = a
	}
	tld = strings.ToLower(tld)
	suffix, icann := publicsuffix.PublicSuffix(tld)
	return icann && suffix == tld
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// emailPlaceholder recognises documentation addresses and machine
// addresses that are not personal data.
func emailPlaceholder(local, domain string, suppressDocDomains bool) string {
	d := strings.ToLower(domain)
	for _, r := range reservedDomains {
		if suppressDocDomains && (d == r || strings.HasSuffix(d, "."+r)) {
			return "placeholder:documentation-domain"
		}
	}
	for _, t := range reservedTLDs {
		if strings.HasSuffix(d, t) {
			return "placeholder:reserved-domain"
		}
	}
	l := strings.ToLower(local)
	switch {
	case strings.Contains(l, "your"):
		return "placeholder:word:your"
	case strings.Contains(l, "example"):
		return "placeholder:word:example"
	case l == "git" && (d == "github.com" || d == "gitlab.com" || d == "bitbucket.org"):
		return "placeholder:git-ssh"
	case strings.Contains(l, "noreply") || strings.Contains(l, "no-reply") || strings.Contains(l, "donotreply"):
		return "placeholder:no-reply"
	}
	return ""
}

// addressLiteral returns the end of an IPv4 address literal ("[192.0.2.7]")
// starting at d, or -1.
func addressLiteral(text string, d int) int {
	if d+8 > len(text) || text[d] != '[' {
		return -1
	}
	q := ipv4At(text, d+1)
	if q == d+1 || q >= len(text) || text[q] != ']' {
		return -1
	}
	return q + 1
}
