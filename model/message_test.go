package model

import "testing"

// Parts' offsets must point at their text inside FlatText: finding spans are
// computed on FlatText and mapped back to blocks through them.
func TestPartsOffsetsMatchFlatText(t *testing.T) {
	m := Message{
		Blocks: []Block{
			{Type: BlockThinking, Text: "думаю"},
			{Type: BlockText, Text: ""}, // skipped
			{Type: BlockToolUse, ToolName: "search", ToolInput: `{"q":"key"}`},
			{Type: BlockOther, RawType: "token_budget", Raw: `{"remaining":null}`}, // not searchable
			{Type: BlockToolResult, ToolName: "search", Text: "result 😀"},
			{Type: BlockText, Text: "answer"},
		},
		Files: []File{{Kind: FileAttachment, Name: "a.txt", ExtractedText: "attached"}, {Kind: FileUpload, Name: "b.png"}},
	}
	flat := m.FlatText()
	want := "думаю\n\n{\"q\":\"key\"}\n\nresult 😀\n\nanswer\n\nattached"
	if flat != want {
		t.Fatalf("FlatText = %q, want %q", flat, want)
	}
	parts := m.Parts()
	wantRefs := []struct {
		block, file int
		field       PartField
	}{{0, -1, PartText}, {2, -1, PartToolInput}, {4, -1, PartText}, {5, -1, PartText}, {-1, 0, PartFileText}}
	if len(parts) != len(wantRefs) {
		t.Fatalf("%d parts, want %d", len(parts), len(wantRefs))
	}
	for i, p := range parts {
		if flat[p.Offset:p.Offset+len(p.Text)] != p.Text {
			t.Errorf("part %d: offset %d does not point at %q", i, p.Offset, p.Text)
		}
		if p.Block != wantRefs[i].block || p.File != wantRefs[i].file || p.Field != wantRefs[i].field {
			t.Errorf("part %d = block %d file %d %s, want %+v", i, p.Block, p.File, p.Field, wantRefs[i])
		}
	}
	if got := m.ToolNames(); len(got) != 1 || got[0] != "search" {
		t.Errorf("ToolNames = %v", got)
	}
}

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct {
		u    User
		want string
	}{
		{User{ID: "u1", Name: "Ada", Email: "a@x.io"}, "Ada"},
		{User{ID: "u1", Email: "a@x.io"}, "a@x.io"},
		{User{ID: "u1"}, "u1"},
	} {
		if got := tc.u.DisplayName(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.u, got, tc.want)
		}
	}
	if SeverityCritical.Rank() <= SeverityHigh.Rank() || Severity("x").Rank() != 0 {
		t.Error("severity ranks out of order")
	}
}
