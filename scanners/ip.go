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
	case "version", "ver", "v", "release", "build", "firmware", "oid",
		// Numbered sections of specifications: "section 12.2.4.2", "WHATWG 13.2.5.32".
		"section", "sections", "sect", "sec", "chapter", "clause", "rfc", "whatwg", "step", "appendix":
		return true
	}
	return strings.HasSuffix(text[:e], "§")
}
