package api

import (
	"time"

	"github.com/ccsync/ccsync/model"
)

// Views are what the conversation and message endpoints send: the stored
// records plus server-rendered HTML and findings mapped onto the block they
// lie in. Every string is JSON-escaped by the encoder; the UI must insert
// "text" fields as text and only "html" fields as HTML.

type blockView struct {
	Type model.BlockType `json:"type"`
	Text string          `json:"text,omitempty"`
	// HTML is Text rendered from markdown and sanitized (text and
	// thinking blocks; empty when the text is too long to render).
	HTML      string `json:"html,omitempty"`
	ToolName  string `json:"tool_name,omitempty"`
	ToolUseID string `json:"tool_use_id,omitempty"`
	ToolInput string `json:"tool_input,omitempty"`
	IsError   bool   `json:"is_error,omitempty"`
	Hidden    bool   `json:"hidden,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	RawType   string `json:"raw_type,omitempty"`
	Raw       string `json:"raw,omitempty"`
}

// findingView locates a finding in the part it lies in: Block (or File) and
// Field say which text, PartStart/PartEnd are UTF-8 byte offsets into it.
type findingView struct {
	model.Finding
	Block     int             `json:"block"`
	File      int             `json:"file"`
	Field     model.PartField `json:"field,omitempty"`
	PartStart int             `json:"part_start"`
	PartEnd   int             `json:"part_end"`
}

type messageView struct {
	ID              string        `json:"id"`
	ConversationID  string        `json:"conversation_id"`
	Seq             int           `json:"seq"`
	ParentID        string        `json:"parent_id,omitempty"`
	OnCurrentBranch bool          `json:"on_current_branch"`
	Role            model.Role    `json:"role"`
	CreatedAt       time.Time     `json:"created_at"`
	Blocks          []blockView   `json:"blocks"`
	Files           []model.File  `json:"files,omitempty"`
	Findings        []findingView `json:"findings"`
	Tools           []string      `json:"tools,omitempty"`
	// Sessions: the model of this turn and where its content came from
	// (model.Provenance*): the UI greys markers and shows withheld turns
	// as placeholders.
	Model      string `json:"model,omitempty"`
	Provenance string `json:"provenance,omitempty"`
}

type userView struct {
	model.User
	DisplayName string `json:"display_name"`
}

func newUserView(u model.User) *userView { return &userView{User: u, DisplayName: u.DisplayName()} }

func (s *Server) messageView(m model.Message) messageView {
	v := messageView{
		ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, ParentID: m.ParentID,
		OnCurrentBranch: m.OnCurrentBranch, Role: m.Role, CreatedAt: m.CreatedAt,
		Blocks: make([]blockView, 0, len(m.Blocks)), Files: m.Files,
		Findings: make([]findingView, 0, len(m.Findings)), Tools: m.ToolNames(),
		Model: m.Model, Provenance: m.Provenance,
	}
	for _, b := range m.Blocks {
		bv := blockView{
			Type: b.Type, Text: b.Text, ToolName: b.ToolName, ToolUseID: b.ToolUseID, ToolInput: b.ToolInput,
			IsError: b.IsError, Hidden: b.Hidden, Truncated: b.Truncated, RawType: b.RawType, Raw: b.Raw,
		}
		if (b.Type == model.BlockText || b.Type == model.BlockThinking) && b.Text != "" {
			bv.HTML, _ = s.md.HTML(b.Text)
		}
		v.Blocks = append(v.Blocks, bv)
	}
	parts := m.Parts()
	for _, f := range m.Findings {
		fv := findingView{Finding: f, Block: -1, File: -1}
		for _, p := range parts {
			if f.Start >= p.Offset && f.Start < p.Offset+len(p.Text) {
				fv.Block, fv.File, fv.Field = p.Block, p.File, p.Field
				fv.PartStart = f.Start - p.Offset
				fv.PartEnd = min(f.End-p.Offset, len(p.Text))
				break
			}
		}
		v.Findings = append(v.Findings, fv)
	}
	return v
}
