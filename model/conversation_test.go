package model

import "testing"

func TestProductOf(t *testing.T) {
	for surface, want := range map[string]string{
		"":                     ProductUnknownAgent,
		"claude_code":          ProductClaudeCode,
		"cowork":               ProductCowork,
		"cowork_remote":        ProductCowork,
		"office_agents/excel":  ProductOffice,
		"office_agents":        ProductOffice,
		"claude_in_chrome":     ProductChrome,
		"claude_science":       ProductScience,
		"google_workspace/doc": "google_workspace", // a family the API adds later passes through
		"/odd":                 "/odd",
	} {
		if got := ProductOf(surface); got != want {
			t.Errorf("ProductOf(%q) = %q, want %q", surface, got, want)
		}
	}
}

// Records stored before sessions existed read as claude.ai chats.
func TestDefaultsOfOlderRecords(t *testing.T) {
	var old Conversation
	if old.KindOrChat() != KindChat || old.ProductOrClaudeAI() != ProductClaudeAI {
		t.Errorf("old record: %q %q", old.KindOrChat(), old.ProductOrClaudeAI())
	}
	s := Conversation{Kind: KindSession, Product: ProductCowork}
	if s.KindOrChat() != KindSession || s.ProductOrClaudeAI() != ProductCowork {
		t.Errorf("session: %q %q", s.KindOrChat(), s.ProductOrClaudeAI())
	}
	for p, want := range map[string]bool{"": false, ProvenanceUnavailable + ":not_captured": true,
		ProvenanceUnavailable + ":some_new_reason": true, ProvenanceSyntheticMarker: false, ProvenanceClientAsserted: false} {
		if got := (&Message{Provenance: p}).Unavailable(); got != want {
			t.Errorf("Unavailable(%q) = %v", p, got)
		}
	}
}
