package activity

import (
	"bytes"
	"os"
	"testing"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/internal/golden"
)

// TestConvertActorGolden converts one event per actor variant of reference
// §6.3 and one of an actor type the reference does not know, pinning what
// ccsync stores for each (goldens under testdata/golden/actor_*).
func TestConvertActorGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/actors.json")
	if err != nil {
		t.Fatal(err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 12 {
		t.Fatalf("%d items, want the 11 variants and an unknown one", len(items))
	}
	seen := map[string]bool{}
	for _, raw := range items {
		a, err := Convert(raw)
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.Actor.Type] {
			t.Fatalf("actor type %s twice", a.Actor.Type)
		}
		seen[a.Actor.Type] = true
		t.Run(a.Actor.Type, func(t *testing.T) {
			a.Raw = "" // the input itself, pinned by testdata/actors.json
			golden.JSON(t, "actor_"+a.Actor.Type, a)
		})
	}
}

func TestConvertRejects(t *testing.T) {
	for _, tc := range []struct{ name, raw string }{
		{"actor not an object", `{"id":"activity_01X","created_at":"2026-10-01T00:00:00Z","type":"x","actor":"oops"}`},
		{"time a number", `{"id":"activity_01X","created_at":17,"type":"x","actor":{"type":"user_actor"}}`},
		{"no id", `{"created_at":"2026-10-01T00:00:00Z","type":"x","actor":{"type":"user_actor"}}`},
		{"no time", `{"id":"activity_01X","type":"x","actor":{"type":"user_actor"}}`},
		{"not an object", `[1,2]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a, err := Convert(json.RawMessage(tc.raw)); err == nil {
				t.Errorf("accepted: %+v", a)
			}
		})
	}
}

// TestConvertBounds: a hostile event cannot make one record unbounded.
func TestConvertBounds(t *testing.T) {
	fields := map[string]any{"id": "activity_01Big", "created_at": "2026-10-01T00:00:00Z", "type": "x",
		"actor": map[string]any{"type": "user_actor"}}
	for i := range 500 {
		fields["f"+string(rune('a'+i%26))+string(rune('a'+i/26))] = string(bytes.Repeat([]byte("v"), 3000))
	}
	raw, _ := json.Marshal(fields)
	a, err := Convert(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Subjects) > maxSubjects || len(a.Raw) > maxRaw+32 {
		t.Errorf("%d subjects, raw %d bytes", len(a.Subjects), len(a.Raw))
	}
	for k, v := range a.Subjects {
		if len(v) > maxSubjValue {
			t.Errorf("subject %s is %d bytes", k, len(v))
		}
	}
}

func FuzzConvert(f *testing.F) {
	b, _ := os.ReadFile("testdata/actors.json")
	var items []json.RawMessage
	_ = json.Unmarshal(b, &items)
	for _, it := range items {
		f.Add([]byte(it))
	}
	f.Add([]byte(`{"id":"activity_01X","created_at":"9999-99-99","actor":{"type":null}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := Convert(raw)
		if err == nil && (a.ID == "" || a.CreatedAt.IsZero()) {
			t.Fatalf("accepted an event without id or time: %q", raw)
		}
	})
}
