package model

import (
	"strings"
	"time"
)

// Role is who wrote a message. The Compliance API says "user", exports say
// "human"; sources normalise both to RoleHuman.
type Role string

const (
	RoleHuman     Role = "human"
	RoleAssistant Role = "assistant"
	// RoleTool is a session turn made only of tool results: the API sends
	// them as user-role messages, but they are what a tool printed, not what
	// a person typed, and role:human must keep meaning the latter.
	RoleTool Role = "tool"
	// RoleSystem is a session turn the API made up (a synthetic_marker such
	// as "[system prompt content not shown]"): neither a person's words nor
	// the model's.
	RoleSystem Role = "system"
)

// Provenance values of a session message; "" is ordinary captured content.
const (
	// ProvenanceUnavailable is a prefix: "content_unavailable:<reason>"
	// (not_captured, client_aborted, cmek_key_revoked, retention_elapsed,
	// oversize, or a reason the API adds later).
	ProvenanceUnavailable = "content_unavailable"
	// ProvenanceClientAsserted is content the client reported, not seen by
	// Anthropic's servers.
	ProvenanceClientAsserted = "client_asserted"
	// ProvenanceSyntheticMarker is bracketed text the API put in place of
	// content ("[system prompt content not shown]"): never a person's words.
	ProvenanceSyntheticMarker = "synthetic_marker"
)

// Message is one turn of a conversation.
type Message struct {
	ID             string `json:"id"` // upsert key, unique across conversations
	ConversationID string `json:"conversation_id"`
	Seq            int    `json:"seq"` // position in the source's order within the conversation
	ParentID       string `json:"parent_id,omitempty"`
	// OnCurrentBranch is false for edited-away or retried branches of an
	// export's message tree; sources without branches set it true.
	OnCurrentBranch bool      `json:"on_current_branch"`
	Role            Role      `json:"role"`
	CreatedAt       time.Time `json:"created_at"`
	Blocks          []Block   `json:"blocks,omitempty"`
	Files           []File    `json:"files,omitempty"`
	// Findings index into FlatText(); the indexer fills them at ingest.
	Findings []Finding `json:"findings,omitempty"`
	// ScannedBy names the detection engine version and detector
	// configuration that produced Findings ("2026.12.1+default"); the
	// indexer sets it with them, and a re-scan looks for messages whose
	// value is not the current one. A message with no findings carries it
	// too, so that it is re-scanned after an upgrade like any other.
	ScannedBy string `json:"scanned_by,omitempty"`
	// Model is the model that wrote an assistant turn, where the source
	// says per message (sessions); chats carry it on the conversation.
	Model string `json:"model,omitempty"`
	// Provenance is one of the Provenance* values ("" for ordinary content).
	Provenance string `json:"provenance,omitempty"`
}

// Unavailable reports whether the source withheld the message's content.
func (m *Message) Unavailable() bool {
	return strings.HasPrefix(m.Provenance, ProvenanceUnavailable)
}

// BlockType is the kind of a content block.
type BlockType string

const (
	BlockText       BlockType = "text"
	BlockThinking   BlockType = "thinking"
	BlockToolUse    BlockType = "tool_use"
	BlockToolResult BlockType = "tool_result"
	// BlockOther keeps a block type ccsync does not model (token_budget, flag,
	// future types) as raw JSON so nothing a source sent is dropped.
	BlockOther BlockType = "other"
)

// Block is one ordered piece of message content.
type Block struct {
	Type BlockType `json:"type"`
	// Text is the prose of text and thinking blocks and the joined text items
	// of a tool result.
	Text      string `json:"text,omitempty"`
	ToolName  string `json:"tool_name,omitempty"`
	ToolUseID string `json:"tool_use_id,omitempty"`
	// ToolInput is the tool call's input as JSON text, exactly as received.
	ToolInput string `json:"tool_input,omitempty"`
	IsError   bool   `json:"is_error,omitempty"`
	// Hidden marks thinking the source withheld or redacted.
	Hidden    bool   `json:"hidden,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	RawType   string `json:"raw_type,omitempty"` // the source's type name for BlockOther
	Raw       string `json:"raw,omitempty"`      // the source's JSON for BlockOther
}

// FileKind distinguishes uploads from generated outputs and pasted attachments.
type FileKind string

const (
	FileUpload     FileKind = "file"
	FileAttachment FileKind = "attachment" // pasted or uploaded text with extracted content
	FileGenerated  FileKind = "generated"
	FileArtifact   FileKind = "artifact"
)

// File is a reference to a file attached to or produced by a message.
type File struct {
	Kind     FileKind `json:"kind"`
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name,omitempty"`
	MimeType string   `json:"mime_type,omitempty"`
	Size     int64    `json:"size,omitempty"`
	// ExtractedText is the file's text where the source provides it; it is
	// scanned and searchable like the message itself.
	ExtractedText string `json:"extracted_text,omitempty"`
	// Artifacts: ArtifactID is shared by every version; VersionID (also the
	// ID) names one version.
	ArtifactID string `json:"artifact_id,omitempty"`
	VersionID  string `json:"version_id,omitempty"`
	MD5        string `json:"md5,omitempty"` // as the API lists it (hex or base64)
	// Fetch is what became of fetching the content: one of the Fetch* values,
	// "" when it was never tried.
	Fetch     FetchState `json:"fetch,omitempty"`
	FetchedAt time.Time  `json:"fetched_at,omitzero"`
}

// FetchState is the outcome of fetching a file's content.
type FetchState string

const (
	FetchText     FetchState = "text"      // text extracted into ExtractedText
	FetchTooLarge FetchState = "too_large" // over the per-file budget: metadata only
	FetchBinary   FetchState = "binary"    // not text: metadata only
	FetchGone     FetchState = "gone"      // 404: the file is no longer held
	FetchSkipped  FetchState = "skipped"   // deleted chat, or the run's budget spent
	FetchError    FetchState = "error"     // will be retried
)

// PartField names which field of a block or file a Part was taken from.
type PartField string

const (
	PartText      PartField = "text"
	PartToolInput PartField = "tool_input"
	PartFileText  PartField = "file_text"
)

// Part is one searchable piece of a message. Offset is where Text starts in
// FlatText(), so a finding's span can be mapped back to the block (or file)
// it lies in for inline highlighting.
type Part struct {
	Block  int // index into Blocks, or -1 for a file
	File   int // index into Files, or -1 for a block
	Field  PartField
	Offset int
	Text   string
}

// partSeparator is placed between parts of FlatText so that a match never
// silently spans two blocks.
const partSeparator = "\n\n"

// Parts lists the searchable text of the message in a fixed order: blocks in
// order (text, thinking, tool input, tool result), then file extracted text.
// Empty pieces are skipped.
func (m *Message) Parts() []Part {
	parts := make([]Part, 0, len(m.Blocks)+len(m.Files))
	off := 0
	add := func(block, file int, field PartField, text string) {
		if text == "" {
			return
		}
		if len(parts) > 0 {
			off += len(partSeparator)
		}
		parts = append(parts, Part{Block: block, File: file, Field: field, Offset: off, Text: text})
		off += len(text)
	}
	for i, b := range m.Blocks {
		switch b.Type {
		case BlockToolUse:
			add(i, -1, PartToolInput, b.ToolInput)
		case BlockOther:
			// Unknown blocks are kept but not scanned: their JSON is source
			// bookkeeping, not something a person typed or read.
		default:
			add(i, -1, PartText, b.Text)
		}
	}
	for i, f := range m.Files {
		add(-1, i, PartFileText, f.ExtractedText)
	}
	return parts
}

// FlatText is the message's searchable text: its Parts joined by a blank line.
// Finding spans and search highlights are byte offsets into this string.
func (m *Message) FlatText() string {
	parts := m.Parts()
	n := 0
	for _, p := range parts {
		n += len(p.Text) + len(partSeparator)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteString(partSeparator)
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// ToolNames lists the distinct tools the message calls or reports on.
func (m *Message) ToolNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, b := range m.Blocks {
		if (b.Type == BlockToolUse || b.Type == BlockToolResult) && b.ToolName != "" && !seen[b.ToolName] {
			seen[b.ToolName] = true
			names = append(names, b.ToolName)
		}
	}
	return names
}
