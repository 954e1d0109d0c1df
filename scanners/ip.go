package scanners

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// scanIPv4 matches dotted-quad IPv4 addresses with octets 0–255 and no
// leading zeros. Loopback, unspecified, broadcast, netmasks and the
// documentation ranges (RFC 5737) are suppressed: they reveal nothing.
func scanIPv4(c *collector, g *numGroups, i int) int {
	text := c.text
	if g.n < 4 || !g.sameSep(4, '.') {
		return i
	}
	var oct [4]int
	for k := 0; k < 4; k++ {
		s, e := g.start[k], g.end[k]
		if e-s > 3 || (e-s > 1 && text[s] == '0') {
			return i
		}
		v := 0
		for p := s; p < e; p++ {
			v = v*10 + int(text[p]-'0')
		}
		if v > 255 {
			return i
		}
		oct[k] = v
	}
	end := g.end[3]
	if (g.n > 4 && g.sep[3] == '.') || (end < len(text) && setWord[text[end]]) {
		return g.end[g.n-1] // a longer dotted number (version, OID): skip all of it
	}
	why := ""
	switch {
	case oct[0] == 0, oct[0] == 127, oct[0] == 255:
		why = "placeholder:reserved-ip"
	case oct[0] == 192 && oct[1] == 0 && oct[2] == 2, oct[0] == 198 && oct[1] == 51 && oct[2] == 100,
		oct[0] == 203 && oct[1] == 0 && oct[2] == 113:
		why = "placeholder:documentation-ip"
	case versionContext(text, i):
		why = "invalid:version-number"
	}
	c.add("ip_address", model.SeverityLow, "ipv4", i, end, prioSpecific, preview{kind: pvIP}, why)
	return end
}

// versionContext reports whether a version keyword just precedes i, so that
// "version 1.2.3.4" is not an address.
func versionContext(text string, i int) bool {
	e := i
	for e > 0 && i-e < 2 && (text[e-1] == ' ' || text[e-1] == ':' || text[e-1] == '(') {
		e--
	}
	s := e
	for s > 0 && e-s < 10 && (text[s-1] >= 'a' && text[s-1] <= 'z' || text[s-1] >= 'A' && text[s-1] <= 'Z') {
		s--
	}
	switch w := strings.ToLower(text[s:e]); w {
	case "version", "ver", "v", "release", "build", "firmware", "oid", "patch", "rev", "revision", "upgrade", "update",
		// Software that is named with its version: "Chrome 120.0.6099.109", "Python 3.12.1.0".
		"python", "node", "java", "jdk", "ruby", "php", "chrome", "chromium", "firefox", "safari", "edge", "ios",
		"android", "windows", "macos", "kernel", "linux", "ubuntu", "debian", "npm", "pip", "gradle", "dotnet",
		// Numbered sections of specifications: "section 12.2.4.2", "WHATWG 13.2.5.32".
		"section", "sections", "sect", "sec", "chapter", "clause", "rfc", "whatwg", "step", "appendix":
		return true
	}
	return strings.HasSuffix(text[:e], "§")
}

// scanIPv6 matches an IPv6 address starting at s (RFC 4291 text forms, RFC
// 5952): eight hextets, or fewer with one "::", optionally ending in a
// dotted IPv4 address (::ffff:10.1.2.3) and a zone (%eth0). It returns the
// end of the match or s. Shapes that share the alphabet are rejected: times
// (12:30:45) and MAC addresses have too few groups and no "::"; colon-hex
// fingerprints have more than eight; C++ and Rust paths (std::, abc::def)
// have no digit; EUI-64s and hash bytes are all two-digit groups.
func scanIPv6(c *collector, s int) int {
	text := c.text
	p := s
	groups, compressed, digits, twoHex := 0, false, false, 0
	v4 := false
	if hasPrefix(text[p:], "::") {
		compressed = true
		p += 2
	}
	for groups < 8 {
		h := p
		for h < len(text) && h-p < 5 && setHex[text[h]] {
			if isDigit(text[h]) {
				digits = true
			}
			h++
		}
		if h == p {
			break
		}
		if h < len(text) && text[h] == '.' && groups <= 6 {
			if e := ipv4At(text, p); e > p {
				v4, groups, p = true, groups+2, e
				break
			}
		}
		if h-p > 4 {
			return s
		}
		if h-p == 2 {
			twoHex++
		}
		groups++
		p = h
		if p+1 < len(text) && text[p] == ':' && text[p+1] == ':' {
			if compressed {
				return s
			}
			compressed = true
			p += 2
			continue
		}
		if p+1 < len(text) && text[p] == ':' && setHex[text[p+1]] && groups < 8 {
			p++
			continue
		}
		break
	}
	switch {
	case groups > 8, !compressed && groups != 8, compressed && groups > 7, groups == 0 && !v4:
		return s
	case !digits && !v4, !compressed && twoHex == 8:
		return s
	}
	end := p
	if end+1 < len(text) && text[end] == '%' && (isAlnum(text[end+1]) || text[end+1] == '2') {
		end++
		for end < len(text) && end-p < 32 && (isAlnum(text[end]) || text[end] == '.' || text[end] == '_' || text[end] == '-') {
			end++
		}
	} else if end < len(text) && (setWord[text[end]] || text[end] == ':' || text[end] == '.' && end+1 < len(text) && isAlnum(text[end+1]) ||
		letterOrDigitAt(text, end)) {
		return s
	}
	c.add("ip_address", model.SeverityLow, "ipv6", s, end, prioSpecific, preview{prefix: ipv6Prefix(text[s:p])}, ipv6Placeholder(text[s:p]))
	return end
}

// ipv4At returns the end of a dotted-quad IPv4 address at p, or p.
func ipv4At(text string, p int) int {
	q := p
	for k := 0; k < 4; k++ {
		s, v := q, 0
		for q < len(text) && isDigit(text[q]) && q-s < 3 {
			v = v*10 + int(text[q]-'0')
			q++
		}
		if q == s || v > 255 || (q-s > 1 && text[s] == '0') {
			return p
		}
		if k < 3 {
			if q >= len(text) || text[q] != '.' {
				return p
			}
			q++
		}
	}
	if q < len(text) && isDigit(text[q]) {
		return p
	}
	return q
}

// ipv6Prefix is how much of an address the preview shows: the first two
// hextets, the routing prefix that names a network rather than a host.
func ipv6Prefix(v string) int {
	colons := 0
	for k := 0; k < len(v); k++ {
		if v[k] == ':' {
			colons++
			if colons == 2 {
				return k + 1
			}
		}
	}
	return 0
}

// ipv6Placeholder recognises addresses that reveal nothing: unspecified,
// loopback (also IPv4-mapped), and the documentation prefixes 2001:db8::/32
// (RFC 3849) and 3fff::/20 (RFC 9637).
func ipv6Placeholder(v string) string {
	switch {
	case v == "::1", v == "::", hasPrefixFold(v, "::ffff:127."), hasPrefixFold(v, "0:0:0:0:0:0:0:1"):
		return "placeholder:reserved-ip"
	case hasPrefixFold(v, "2001:db8:"), hasPrefixFold(v, "2001:0db8:"), hasPrefixFold(v, "3fff:"):
		return "placeholder:documentation-ip"
	}
	return ""
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// ipv6Start is called at a digit that starts a word or follows a ':' and
// returns where an IPv6 address holding that digit may start, and whether one
// may. At a word start, the address starts there if a ':' ends its first
// hextet. After a ':', it starts at the beginning of the run of hex digits and
// colons before it, if that run starts a word with a letter (fe80::1,
// fd12:3456::1) or with "::" (::ffff:10.1.2.3); a run that starts with a
// digit was already tried at its first byte. Letter-led addresses are found
// this way, from their first digit-led hextet, so that ordinary words never
// pay for them (all-letter addresses such as ff02::fb are the price). A
// letter-led first hextet has at least three characters, so that "a::1"
// is not taken for one.
func ipv6Start(text string, i int) (int, bool) {
	if i == 0 || text[i-1] != ':' {
		if i > 0 && text[i-1] == '.' {
			return i, false
		}
		for j := i; j < len(text) && j-i < 5; j++ {
			if text[j] == ':' {
				return i, j > i
			}
			if !setHex[text[j]] {
				return i, false
			}
		}
		return i, false
	}
	s := i - 1
	for s > 0 && i-s < 40 && (setHex[text[s-1]] || text[s-1] == ':') {
		s--
	}
	if s > 0 && (setWord[text[s-1]] || text[s-1] == '.') || isDigit(text[s]) {
		return i, false
	}
	if text[s] == ':' {
		return s, text[s+1] == ':'
	}
	first := s
	for first < i && setHex[text[first]] {
		first++
	}
	return s, first-s >= 3
}
