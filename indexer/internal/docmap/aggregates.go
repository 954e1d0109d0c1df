package docmap

import (
	"github.com/ccsync/ccsync/model"
)

// Aggregates are a conversation's counts. The indexer keeps them in their
// own key so that a source re-sending the conversation record never
// clobbers them; the conversation's document is built from them.
type Aggregates struct {
	Messages      int            `json:"messages"`
	Flagged       int            `json:"flagged"`
	Findings      int            `json:"findings"`
	FindingCounts map[string]int `json:"finding_counts,omitempty"`
	Severities    map[string]int `json:"severities,omitempty"`
	Tools         map[string]int `json:"tools,omitempty"`
}

// Add counts message m in (sign 1) or out (sign -1).
func (a *Aggregates) Add(m *model.Message, sign int) {
	a.Messages += sign
	if len(m.Findings) > 0 {
		a.Flagged += sign
	}
	a.Findings += sign * len(m.Findings)
	for _, f := range m.Findings {
		a.FindingCounts = addCount(a.FindingCounts, f.Type, sign)
		a.Severities = addCount(a.Severities, string(f.Severity), sign)
	}
	for _, t := range m.ToolNames() {
		a.Tools = addCount(a.Tools, t, sign)
	}
}

func addCount(m map[string]int, k string, d int) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[k] += d
	if m[k] <= 0 {
		delete(m, k)
	}
	return m
}
