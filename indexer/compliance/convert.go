package compliance

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// ConversationID is the id ccsync stores a chat under: the claude.ai UUID from
// href when there is one, so the chat's Compliance API copy and its data-export
// copy are one record; else the claude_chat_… id.
func (c *Chat) ConversationID() string {
	if u := hrefUUID(c.Href); u != "" {
		return u
	}
	return c.ID
}

func hrefUUID(href string) string {
	i := strings.LastIndex(href, "/chat/")
	if i < 0 {
		return ""
	}
	u := strings.TrimRight(href[i+len("/chat/"):], "/")
	if j := strings.IndexAny(u, "?#"); j >= 0 {
		u = u[:j]
	}
	if !isUUID(u) {
		return ""
	}
	return strings.ToLower(u)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Conversation maps the chat's metadata. Aggregates are left to the indexer.
func (c *Chat) Conversation() model.Conversation {
	conv := model.Conversation{
		ID: c.ConversationID(), ExternalID: c.ID, Source: model.SourceComplianceAPI,
		OrgID: c.OrganizationUUID, Provider: model.ProviderAnthropic,
		Model: deref(c.Model), Title: c.Name, ProjectID: deref(c.ProjectID), URL: c.Href,
		CreatedAt: c.CreatedAt.Time, UpdatedAt: c.UpdatedAt.Time,
		Kind: model.KindChat, Product: model.ProductClaudeAI,
	}
	if conv.OrgID == "" {
		conv.OrgID = c.OrganizationID
	}
	if c.User != nil {
		conv.OwnerID = c.User.ID
	}
	if c.Deleted() {
		t := c.DeletedAt.Time
		conv.DeletedAt = &t
	}
	return conv
}

// Owner is the chat's user as a model.User; the chats endpoints carry only id
// and email, so Name is filled from the users endpoint where available.
func (c *Chat) Owner() (model.User, bool) {
	if c.User == nil || c.User.ID == "" {
		return model.User{}, false
	}
	return model.User{ID: c.User.ID, Email: c.User.EmailAddress, AvatarSeed: c.User.ID}, true
}

// ModelUser maps an organisation user.
func (u *User) ModelUser() model.User {
	return model.User{ID: u.ID, Name: u.FullName, Email: u.Email, AvatarSeed: u.ID}
}

// Role maps the API's role names onto the model's ("user" is a human).
func Role(r string) model.Role {
	switch r {
	case "user", "human":
		return model.RoleHuman
	case "assistant":
		return model.RoleAssistant
	}
	return model.Role(r)
}

// ModelMessage maps the message at position seq of conversation convID.
func (m *Message) ModelMessage(convID string, seq int) model.Message {
	out := model.Message{
		ID: m.ID, ConversationID: convID, Seq: seq, OnCurrentBranch: true,
		Role: Role(m.Role), CreatedAt: m.CreatedAt.Time,
		Blocks: make([]model.Block, 0, len(m.Content)),
	}
	for i := range m.Content {
		out.Blocks = append(out.Blocks, m.Content[i].ModelBlock())
	}
	for _, f := range m.Files {
		out.Files = append(out.Files, model.File{Kind: model.FileUpload, ID: f.ID, Name: f.Filename,
			MimeType: deref(f.MimeType), Size: deref(f.SizeBytes), MD5: deref(f.MD5)})
	}
	// A generated file's id may be claude_gen_file_… or claude_file_…; it is
	// kept as sent, and the files source routes its download by the prefix.
	for _, f := range m.GeneratedFiles {
		out.Files = append(out.Files, model.File{Kind: model.FileGenerated, ID: f.ID, Name: f.Filename,
			MimeType: deref(f.MimeType), Size: deref(f.SizeBytes), MD5: deref(f.MD5)})
	}
	// Each revision of an artifact is a version under one artifact id: the
	// version id is the file's id (the content endpoint takes it), the
	// artifact id groups the versions.
	for _, a := range m.Artifacts {
		id := a.VersionID
		if id == "" {
			id = a.ID
		}
		out.Files = append(out.Files, model.File{Kind: model.FileArtifact, ID: id, Name: deref(a.Title),
			MimeType: deref(a.ArtifactType), ArtifactID: a.ID, VersionID: a.VersionID})
	}
	return out
}

// ModelBlock maps one content block; unknown types are kept as BlockOther
// with their raw JSON.
func (b *Block) ModelBlock() model.Block {
	switch b.Type {
	case "text":
		return model.Block{Type: model.BlockText, Text: b.Text, Truncated: b.Truncated}
	case "tool_use":
		return model.Block{Type: model.BlockToolUse, ToolName: b.Name, ToolUseID: b.ToolUseID,
			ToolInput: b.Input, Truncated: b.Truncated}
	case "tool_result":
		return model.Block{Type: model.BlockToolResult, ToolName: b.Name, ToolUseID: b.ToolUseID,
			Text: strings.Join(b.ResultText, "\n"), IsError: b.IsError, Truncated: b.Truncated}
	}
	return model.Block{Type: model.BlockOther, RawType: b.Type, Raw: string(b.Raw)}
}
