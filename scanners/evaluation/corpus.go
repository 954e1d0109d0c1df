package evaluation

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// DefaultSeed and DefaultSize give the corpus the tests score.
const (
	DefaultSeed = 13
	DefaultSize = 4000
)

// Formats returns every positive format the generator knows, in a fixed order.
func Formats() []*Format {
	fs := append(specialFormats(), vendorFormats()...)
	fs = append(fs, awsKeyID, awsSecret, jwtFormat, pemFormat, passwordURL)
	return append(fs, piiFormats()...)
}

// NegativeFormats returns the hard negatives, in a fixed order.
func NegativeFormats() []*Format { return negativeFormats() }

// ShapeNames lists the shapes messages are built in.
func ShapeNames() []string {
	out := make([]string, len(shapes))
	for i, s := range shapes {
		out[i] = s.name
	}
	return out
}

var noiseBefore = []string{
	"", "", "hey, quick question about the deploy. ", "Can you help me debug this?\n\n", "Here is what I have:\n",
	"The staging job keeps failing, relevant bit below.\n", "ok so ", "From the ticket:\n", "FYI, pasting from the runbook:\n\n",
}

var noiseAfter = []string{
	"", "", "\n\nThanks!", " Does that look right?", "\n\nwhat am I doing wrong", " (this is from last week)", "\nLet me know.",
}

// shapeFits rules out placements a shape cannot carry faithfully.
func shapeFits(s shape, it item) bool {
	if !s.accepts(it.f.Place) {
		return false
	}
	switch s.name {
	case "url-query":
		return urlSafe.MatchString(it.value)
	case "curl", "http-headers":
		return it.f.Type != "" || it.f.Name == "placeholder"
	case "csv", "log-line", "ini", "markdown-list", "xml", "code-js", "code-go", "code-shell", "export", "curl-target":
		return !isMulti(it)
	}
	return true
}

// Generate builds n messages from seed. The same seed and n give the same
// corpus, byte for byte.
func Generate(seed uint64, n int) []Message {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	byType, types := groupByType(Formats())
	negs := NegativeFormats()
	out := make([]Message, 0, n)
	for len(out) < n {
		s := shapes[r.IntN(len(shapes))]
		// Groups keep an AWS key id and its secret together, id first,
		// as credentials files and consoles print them.
		var groups [][]item
		npos, have := 0, 0
		if r.IntN(10) < 7 {
			npos = 1 + r.IntN(3)
		}
		for tries := 0; have < npos && tries < 50; tries++ {
			if r.IntN(20) == 0 {
				if pair := awsPair(r, s); pair != nil {
					groups = append(groups, pair)
					have += 2
				}
				continue
			}
			fs := byType[types[r.IntN(len(types))]]
			f := fs[r.IntN(len(fs))]
			it := item{f: f, value: f.Gen(r), key: pick(r, f.Keys)}
			if shapeFits(s, it) {
				groups = append(groups, []item{it})
				have++
			}
		}
		nneg := r.IntN(2)
		if npos == 0 {
			nneg = 1 + r.IntN(2)
		}
		for k, tries := 0, 0; k < nneg && tries < 50; tries++ {
			f := negs[r.IntN(len(negs))]
			it := item{f: f, value: f.Gen(r), key: pick(r, f.Keys)}
			if shapeFits(s, it) {
				groups = append(groups, []item{it})
				k++
			}
		}
		if len(groups) == 0 {
			continue
		}
		r.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
		var items []item
		for _, g := range groups {
			items = append(items, g...)
		}
		before := pick(r, noiseBefore)
		if s.name != "prose" && before != "" && !strings.HasSuffix(before, "\n") {
			before += "\n"
		}
		d := append(doc{lit(before)}, s.render(r, items)...)
		d = append(d, lit(pick(r, noiseAfter)))
		out = append(out, flatten(s.name, items, d))
	}
	return out
}

// typeWeight draws vendor credentials more often than each PII type, since
// they span well over a hundred formats.
var typeWeight = map[string]int{"api_key": 6}

// groupByType returns formats by type and a weighted list of types to draw
// from, so that every type gets enough labels to score.
func groupByType(fs []*Format) (map[string][]*Format, []string) {
	by := map[string][]*Format{}
	var types []string
	for _, f := range fs {
		if f.Place == pairShape {
			continue // drawn with its key id by awsPair
		}
		if by[f.Type] == nil {
			for range max(1, typeWeight[f.Type]) {
				types = append(types, f.Type)
			}
		}
		by[f.Type] = append(by[f.Type], f)
	}
	return by, types
}

// awsPair is a key id and its secret under matching key names, or nil if
// the shape cannot carry them.
func awsPair(r *rand.Rand, s shape) []item {
	j := r.IntN(len(awsKeyID.Keys))
	id := item{f: awsKeyID, value: awsKeyID.Gen(r), key: awsKeyID.Keys[j]}
	sec := item{f: awsSecret, value: awsSecret.Gen(r), key: awsSecret.Keys[j]}
	if !shapeFits(s, id) || !shapeFits(s, sec) {
		return nil
	}
	return []item{id, sec}
}

func flatten(shapeName string, items []item, d doc) Message {
	var b strings.Builder
	start := make([]int, len(items))
	end := make([]int, len(items))
	for i := range start {
		start[i] = -1
	}
	for _, s := range d {
		if s.item >= 0 && s.core {
			if start[s.item] < 0 {
				start[s.item] = b.Len()
			}
			b.WriteString(s.text)
			end[s.item] = b.Len()
			continue
		}
		b.WriteString(s.text)
	}
	m := Message{Text: b.String(), Shape: shapeName, Want: []Label{}}
	for i, it := range items {
		if start[i] < 0 {
			continue
		}
		if it.f.Type == "" {
			m.Negatives = append(m.Negatives, NegSpan{Format: it.f.Name, Start: start[i], End: end[i]})
			continue
		}
		m.Want = append(m.Want, Label{Type: it.f.Type, Start: start[i], End: end[i], RuleHint: it.f.Name, Attrs: it.f.Attrs})
	}
	slices.SortFunc(m.Want, func(a, b Label) int { return a.Start - b.Start })
	return m
}
