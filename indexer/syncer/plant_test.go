package syncer

import (
	"context"
	"testing"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

// TestPlantedFindings syncs an organisation with planted secrets and checks
// that each lands in the store at its known position with a finding over it:
// the sync must deliver text byte for byte, or detection offsets would drift.
func TestPlantedFindings(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 60, DeletedEvery: -1, PlantEvery: 2}, 12)
	e.run(e.engine())
	found := map[string][2]int{}
	for _, p := range e.org.Planted {
		m, err := e.ix.Message(context.Background(), p.MessageID)
		if err != nil {
			t.Fatalf("plant %s: %v", p.Type, err)
		}
		start := -1
		for _, part := range m.Parts() {
			if part.Block == p.Block {
				start = part.Offset + p.Offset
			}
		}
		flat := m.FlatText()
		if start < 0 || flat[start:start+len(p.Value)] != p.Value {
			t.Fatalf("plant %s not at its position in message %s", p.Type, p.MessageID)
		}
		hit := false
		for _, f := range m.Findings {
			if f.Start < start+len(p.Value) && f.End > start {
				hit = true
			}
		}
		c := found[p.Type]
		c[1]++
		if hit {
			c[0]++
		}
		found[p.Type] = c
	}
	for typ, c := range found {
		t.Logf("%-18s detected %d/%d", typ, c[0], c[1])
		if c[0] != c[1] {
			t.Errorf("%s: %d of %d planted values have no finding", typ, c[1]-c[0], c[1])
		}
	}
}
