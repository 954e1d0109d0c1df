package scanners

import "strings"

// Value shapes of the keyword-context rules, built from the segments the
// vendor rules use (seg, lit, run, exactly and matchShape in vendor.go): the
// whole value must match, so a value one byte too long or with a foreign
// byte is not the vendor's key.

var (
	setDigit      = makeSet("0-9")
	setTokenDotEq = makeSet("a-z", "A-Z", "0-9", "_-.=")
	setBase64Any  = makeSet("a-z", "A-Z", "0-9", "+/=_-")
	setAlnumPct   = makeSet("a-z", "A-Z", "0-9", "%")
	setPad        = makeSet("=")
)

func shape(segs ...seg) []seg                { return segs }
func fixedShape(set *charset, n int) [][]seg { return [][]seg{{exactly(set, n)}} }
func prefixed(p string, s ...seg) []seg      { return append([]seg{lit(p)}, s...) }
func uuidShape(prefix ...seg) []seg          { return append(prefix, uuidSegsAnyCase...) }
func oneOf(shapes ...[]seg) [][]seg          { return shapes }
func prefixedRun(p string, set *charset, n int) [][]seg {
	return [][]seg{{lit(p), exactly(set, n)}}
}

// uuidSegsAnyCase is the 8-4-4-4-12 hex layout (Heroku, HubSpot, Snyk keys are UUIDs).
var uuidSegsAnyCase = []seg{exactly(&setHex, 8), lit("-"), exactly(&setHex, 4), lit("-"), exactly(&setHex, 4), lit("-"),
	exactly(&setHex, 4), lit("-"), exactly(&setHex, 12)}

// shapeMaterialWhy runs the placeholder checks on the random runs of a
// matched value, not on its literals: a Dropbox token's ten fixed 'A's or a
// Twitter bearer token's leading 'A's are format, not a placeholder. Values
// made of short runs (UUIDs) are checked whole, since eight random hex
// digits often repeat one by chance.
func shapeMaterialWhy(v string, segs []seg) string {
	p := 0
	longest, lp := 0, 0
	var longestSet *charset
	for _, s := range segs {
		if s.set == nil {
			p += len(s.lit)
			continue
		}
		q := p
		for q < len(v) && q-p < s.max && s.set[v[q]] {
			q++
		}
		if q-p >= 12 {
			if why := placeholderSegment(v[p:q]); why != "" {
				return why
			}
		}
		if q-p > longest {
			longest, lp, longestSet = q-p, p, s.set
		}
		p = q
	}
	if longest < 12 {
		return placeholder(v)
	}
	// Digit runs (client ids) are not expected to look random to the
	// entropy test; letters-and-digits runs are.
	floor := 3.0
	if longest >= 32 && allIn(v[lp:lp+longest], &setHex) {
		floor = 2.7 // see placeholderHex
	}
	if longestSet != &setDigit && longest >= 16 && entropy(v[lp:lp+longest]) < floor {
		return "placeholder:low-entropy"
	}
	return ""
}

// nearShape reports values that are almost the shape: the same literals
// and alphabet, a few bytes off in length. Next to the vendor's name they
// are mistyped, truncated or invented keys, not some other secret.
func nearShape(v string, segs []seg) bool {
	lo, hi := 0, 0
	var alphabet charset
	for _, s := range segs {
		if s.set == nil {
			lo += len(s.lit)
			hi += len(s.lit)
			if !strings.Contains(v, s.lit) {
				return false
			}
			for k := 0; k < len(s.lit); k++ {
				alphabet[s.lit[k]] = true
			}
			continue
		}
		lo += s.min
		hi += s.max
		for c := range 256 {
			alphabet[c] = alphabet[c] || s.set[c]
		}
	}
	if len(v) < lo-3 || len(v) > hi+3 {
		return false
	}
	for k := 0; k < len(v); k++ {
		if !alphabet[v[k]] {
			return false
		}
	}
	return true
}
