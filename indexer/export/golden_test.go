package export

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// goldenOutput is everything an import sends to the sink, in order, plus the
// report: the mapping's wire format, checked byte for byte.
type goldenOutput struct {
	Users         []model.User         `json:"users"`
	Conversations []model.Conversation `json:"conversations"`
	Messages      []model.Message      `json:"messages"`
	Report        *Report              `json:"report"`
	Notes         []string             `json:"notes"`
}

func TestGoldenEras(t *testing.T) {
	for _, era := range []string{"2024", "2025", "2026"} {
		t.Run(era, func(t *testing.T) {
			sink := newMemSink()
			rep, _ := runImport(t, sink, Limits{},
				filepath.Join("testdata", "users.json"), filepath.Join("testdata", era, "conversations.json"))
			if len(rep.Errors) != 0 {
				t.Fatalf("errors: %+v", rep.Errors)
			}
			var out goldenOutput
			for _, b := range sink.batches {
				out.Users = append(out.Users, b.Users...)
				out.Conversations = append(out.Conversations, b.Conversations...)
				out.Messages = append(out.Messages, b.Messages...)
			}
			out.Report, out.Notes = rep, rep.Notes
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", era+".golden"), got)
		})
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: %d lines, want %d", path, len(gl), len(wl))
	}
}

// TestMappingSemantics pins the rules the golden files encode, so a careless
// -update cannot silently change them.
func TestMappingSemantics(t *testing.T) {
	sink := newMemSink()
	runImport(t, sink, Limits{}, filepath.Join("testdata", "users.json"),
		filepath.Join("testdata", "2024", "conversations.json"),
		filepath.Join("testdata", "2025", "conversations.json"),
		filepath.Join("testdata", "2026", "conversations.json"))

	conv := func(id string) model.Conversation {
		c, ok := sink.convs[id]
		if !ok {
			t.Fatalf("conversation %s not ingested", id)
		}
		return c
	}
	msg := func(id string) *model.Message {
		m, ok := sink.msgs[id]
		if !ok {
			t.Fatalf("message %s not ingested", id)
		}
		return &m
	}

	c := conv("019e4c5d-6e7f-7a8b-9c0d-1e2f3a4b5c6d")
	if c.ID != c.ExternalID || c.Source != model.SourceExport || c.Provider != model.ProviderAnthropic ||
		c.ProjectID != "019e0000-1111-7222-8333-444455556666" || c.OwnerID != "019eaaaa-bbbb-7ccc-8ddd-eeeeffff0000" ||
		c.URL != "https://claude.ai/chat/019e4c5d-6e7f-7a8b-9c0d-1e2f3a4b5c6d" || c.Summary == "" {
		t.Errorf("2026 conversation: %+v", c)
	}

	tests := []struct {
		name string
		got  bool
	}{
		{"2024 text becomes one text block", len(msg("22b34c9c-69c1-46ad-87da-71570a70f107").Blocks) == 1 &&
			msg("22b34c9c-69c1-46ad-87da-71570a70f107").Blocks[0].Text == "Turn this into a bash command"},
		{"2024 files[] are uploads", msg("22b34c9c-69c1-46ad-87da-71570a70f107").Files[0] ==
			model.File{Kind: model.FileUpload, Name: "CleanShot 20241017 at 22.29.542x.png"}},
		{"attachment text kept for scanning", strings.Contains(
			msg("1a2b3c4d-0000-4000-8000-000000000001").FlatText(), "AKIAIOSFODNN7EXAMPLE")},
		{"2024 empty conversation kept", conv("f3a9c1de-2b4c-4e8a-9f10-7d6e5c4b3a29").ID != ""},
		{"2025 thinking block", msg("0abf9869-20f7-4b45-99e3-4381e9d37317").Blocks[0].Type == model.BlockThinking},
		{"2025 token_budget kept raw", msg("0abf9869-20f7-4b45-99e3-4381e9d37317").Blocks[2].Type == model.BlockOther &&
			msg("0abf9869-20f7-4b45-99e3-4381e9d37317").Blocks[2].RawType == "token_budget" &&
			strings.Contains(msg("0abf9869-20f7-4b45-99e3-4381e9d37317").Blocks[2].Raw, `"remaining":null`)},
		{"cut_off thinking is truncated", msg("8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968").Blocks[2].Truncated},
		{"tool input is compact JSON in source key order", msg("8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968").Blocks[0].ToolInput ==
			`{"query":"PCI DSS masking requirements","limit":3,"nested":{"a":[1,2.5,true,null]}}`},
		{"knowledge items are not result text", msg("8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968").Blocks[1].Text == ""},
		{"null name is empty title", conv("9b8a7c6d-2e1f-4a3b-8c5d-6e7f8a9b0c12").Title == ""},
		{"2026 hidden thinking", msg("019d1a2b-0005-7000-8000-000000000005").Blocks[0].Hidden &&
			msg("019d1a2b-0007-7000-8000-000000000007").Blocks[0].Hidden},
		{"tool result text items joined", msg("019d1a2b-0005-7000-8000-000000000005").Blocks[2].Text ==
			"# Feynman technique\nExplain it simply.\nContact: skills-team@example.com"},
		{"tool result keeps its tool_use id", msg("019d1a2b-0005-7000-8000-000000000005").Blocks[2].ToolUseID == "toolu_01DaJrvDW4Z3Hi6E7uH4tn2y"},
		{"unknown future block kept", msg("019d1a2b-0007-7000-8000-000000000007").Blocks[2].RawType == "artifact_preview_v3"},
		{"2026 file uuids", msg("019d1a2b-0006-7000-8000-000000000006").Files[0].ID == "019d1a2b-aaaa-7000-8000-0000000000aa"},
		{"root parent is no parent", msg("019d1a2b-0001-7000-8000-000000000001").ParentID == ""},
		{"parent kept", msg("019d1a2b-0003-7000-8000-000000000003").ParentID == "019d1a2b-0001-7000-8000-000000000001"},
		{"retried answer off branch", !msg("019d1a2b-0002-7000-8000-000000000002").OnCurrentBranch &&
			!msg("019d1a2b-0003-7000-8000-000000000003").OnCurrentBranch},
		{"edited-away prompt off branch", !msg("019d1a2b-0001-7000-8000-000000000001").OnCurrentBranch},
		{"path to last element on branch", msg("019d1a2b-0004-7000-8000-000000000004").OnCurrentBranch &&
			msg("019d1a2b-0005-7000-8000-000000000005").OnCurrentBranch &&
			msg("019d1a2b-0006-7000-8000-000000000006").OnCurrentBranch &&
			msg("019d1a2b-0007-7000-8000-000000000007").OnCurrentBranch},
		{"message without uuid gets a stable id", msg("019e4c5d-6e7f-7a8b-9c0d-1e2f3a4b5c6d:2").Seq == 2},
		{"null message time falls back to the conversation", msg("019e4c5d-6e7f-7a8b-9c0d-1e2f3a4b5c6d:2").CreatedAt.Equal(c.CreatedAt)},
		{"conversation id is the lower-case uuid, as the API sync keys it", conversationID("019D1A2B-3C4D-7E5F-8A6B-7C8D9E0F1A2B") ==
			"019d1a2b-3c4d-7e5f-8a6b-7c8d9e0f1a2b" && conversationID("Not-A-UUID") == "Not-A-UUID"},
		{"naive timestamp read as UTC", msg("019e4c5d-0001-7000-8000-000000000001").CreatedAt.Format("15:04:05") == "14:13:21"},
		{"users resolved", sink.users["7c0e3a5d-9b1f-4e2a-8d6c-1f2e3d4c5b6a"].Email == "grace.hopper@example.com" &&
			sink.users["a55a05c0-c560-4854-b7b3-f939c32e2078"].Name == "Ada Lovelace"},
		{"null conversation fields tolerated", conv("019f0000-0000-7000-8000-00000000dead").UpdatedAt.Equal(
			conv("019f0000-0000-7000-8000-00000000dead").CreatedAt)},
	}
	for _, tt := range tests {
		if !tt.got {
			t.Errorf("%s: does not hold", tt.name)
		}
	}
}
