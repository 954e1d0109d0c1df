package sessions

import (
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/model"
)

// RoleMarker is the role of a synthetic_marker turn: text the endpoint
// generated ("[system prompt content not shown]"). The API sends it as a
// user turn, but role:human must keep meaning what a person typed.
const RoleMarker = model.RoleSystem

// AgentUserPrefix names the pseudo-user that owns an agent-owned remote
// session (a Cowork scheduled task run), "agent:cagt_…".
const AgentUserPrefix = "agent:"

// Conversation maps a local session's metadata. The conversation id is the
// session id: it is stable for the session's life. Title and workdir are
// inferred from the transcript by the caller (Infer).
func (s *LocalSession) Conversation() model.Conversation {
	surface := deref(s.ProductSurface)
	c := model.Conversation{
		ID: s.ID, ExternalID: s.ID, Source: model.SourceComplianceAPI, OrgID: s.OrganizationUUID,
		Provider: model.ProviderAnthropic, Kind: model.KindSession, Product: model.ProductOf(surface), Surface: surface,
		WorkspaceID: deref(s.WorkspaceID), Truncated: s.Truncated,
		CreatedAt: s.CreatedAt.Time, UpdatedAt: s.UpdatedAt.Time,
	}
	if s.User != nil {
		c.OwnerID = s.User.ID
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		c.UpdatedAt = c.CreatedAt
	}
	return c
}

// Owner is the session's user; email only as the list or retrieve report it
// (the messages envelope always sends null, which must not erase it).
func (s *LocalSession) Owner() (model.User, bool) {
	if s.User == nil || s.User.ID == "" {
		return model.User{}, false
	}
	return model.User{ID: s.User.ID, Email: s.User.Email(), AvatarSeed: s.User.ID}, true
}

// Conversation maps a remote session. Owner: the user, or for agent-owned
// sessions the agent as a pseudo-user; StartedBy the human behind the run.
func (s *RemoteSession) Conversation() model.Conversation {
	surface := deref(s.ProductSurface)
	c := model.Conversation{
		ID: s.ID, ExternalID: s.ID, Source: model.SourceComplianceAPI, OrgID: s.OrganizationUUID,
		Provider: model.ProviderAnthropic, Kind: model.KindSession, Product: model.ProductOf(surface), Surface: surface,
		Status: s.Status, AgentID: deref(s.AgentID), ProjectID: deref(s.ClaudeProjectID),
		CreatedAt: s.CreatedAt.Time, UpdatedAt: s.UpdatedAt.Time,
	}
	switch {
	case s.User != nil && s.User.ID != "":
		c.OwnerID = s.User.ID
	case c.AgentID != "":
		c.OwnerID = AgentUserPrefix + c.AgentID
	}
	if s.StartedByUser != nil {
		c.StartedBy = s.StartedByUser.ID
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		c.UpdatedAt = c.CreatedAt
	}
	return c
}

// Users lists the people (and the agent pseudo-user) a remote session
// names, with the emails the list reports.
func (s *RemoteSession) Users() []model.User {
	var out []model.User
	for _, u := range []*UserRef{s.User, s.StartedByUser} {
		if u != nil && u.ID != "" {
			out = append(out, model.User{ID: u.ID, Email: u.Email(), AvatarSeed: u.ID})
		}
	}
	if a := deref(s.AgentID); a != "" {
		out = append(out, model.User{ID: AgentUserPrefix + a, Name: "Agent " + a, AvatarSeed: a})
	}
	return out
}

// ProvenanceOf maps the wire provenance onto model.Provenance*; unknown
// types pass through as themselves.
func ProvenanceOf(p *Provenance) string {
	if p == nil || p.Type == "" {
		return ""
	}
	if p.Type == model.ProvenanceUnavailable {
		r := p.Reason
		if r == "" {
			r = "unknown"
		}
		return model.ProvenanceUnavailable + ":" + r
	}
	return p.Type
}

// roleOf maps a session turn's role. A user turn made only of tool results
// is what a tool printed (RoleTool); a synthetic marker is the endpoint's
// own text (RoleMarker).
func roleOf(role, provenance string, blocks []model.Block) model.Role {
	if provenance == model.ProvenanceSyntheticMarker {
		return RoleMarker
	}
	r := compliance.Role(role)
	if r != model.RoleHuman || len(blocks) == 0 {
		return r
	}
	for _, b := range blocks {
		if b.Type != model.BlockToolResult {
			return r
		}
	}
	return model.RoleTool
}

func modelBlocks(content []compliance.Block) []model.Block {
	out := make([]model.Block, 0, len(content))
	for i := range content {
		out = append(out, content[i].ModelBlock())
	}
	return out
}

// ModelMessage maps the local message at position seq of session convID.
func (m *LocalMessage) ModelMessage(convID string, seq int) model.Message {
	out := model.Message{ID: m.ID, ConversationID: convID, Seq: seq, OnCurrentBranch: true,
		CreatedAt: m.CreatedAt.Time, Blocks: modelBlocks(m.Content), Model: deref(m.Model), Provenance: ProvenanceOf(m.Provenance)}
	out.Role = roleOf(m.Role, out.Provenance, out.Blocks)
	return out
}

// ModelMessage maps the remote message at position seq of session convID.
func (m *RemoteMessage) ModelMessage(convID string, seq int) model.Message {
	out := model.Message{ID: m.ID, ConversationID: convID, Seq: seq, OnCurrentBranch: true,
		CreatedAt: m.CreatedAt.Time, Blocks: modelBlocks(m.Content)}
	if m.ContentUnavailable {
		// Remote turns say only that content could not be returned (a
		// decrypt failure or the size bound), not which.
		out.Provenance = model.ProvenanceUnavailable + ":unavailable"
	}
	out.Role = roleOf(m.Role, out.Provenance, out.Blocks)
	return out
}

// MaxTitleRunes bounds an inferred title.
const MaxTitleRunes = 120

// Title infers a session title: the first text a person typed (a human
// turn with verified provenance), whitespace folded, at most 120 runes.
// The API gives sessions no title; callers set TitleDerived.
func Title(msgs []model.Message) string {
	for i := range msgs {
		m := &msgs[i]
		if m.Role != model.RoleHuman || m.Provenance != "" {
			continue
		}
		for _, b := range m.Blocks {
			if b.Type != model.BlockText {
				continue
			}
			t := strings.Join(strings.Fields(b.Text), " ")
			if t == "" || strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && b.Truncated {
				continue // a replaced image or block ("[image content not shown]")
			}
			if utf8.RuneCountInString(t) > MaxTitleRunes {
				r := []rune(t)
				t = strings.TrimSpace(string(r[:MaxTitleRunes-1])) + "…"
			}
			return t
		}
	}
	return ""
}

// pathTools name the tools whose inputs carry a file or directory path.
var pathTools = map[string][]string{
	"Read": {"file_path"}, "Edit": {"file_path"}, "MultiEdit": {"file_path"}, "Write": {"file_path"},
	"NotebookEdit": {"notebook_path"}, "Glob": {"path"}, "Grep": {"path"}, "LS": {"path"},
}

// PathsOf returns the absolute paths a message's tool calls touch: file
// paths (as their directory), search roots, and the target of a leading
// "cd" in Bash commands.
func PathsOf(m *model.Message) []string {
	var out []string
	for _, b := range m.Blocks {
		if b.Type != model.BlockToolUse || b.ToolInput == "" || len(b.ToolInput) > 1<<20 {
			continue
		}
		var in map[string]json.RawMessage
		if json.Unmarshal([]byte(b.ToolInput), &in) != nil {
			continue // truncated inputs are not valid JSON
		}
		str := func(k string) string {
			var s string
			_ = json.Unmarshal(in[k], &s)
			return s
		}
		if keys, ok := pathTools[b.ToolName]; ok {
			for _, k := range keys {
				p := str(k)
				if !strings.HasPrefix(p, "/") {
					continue
				}
				if k == "path" {
					out = append(out, path.Clean(p))
				} else {
					out = append(out, path.Dir(path.Clean(p)))
				}
			}
		}
		if b.ToolName == "Bash" {
			cmd := strings.TrimSpace(str("command"))
			if rest, ok := strings.CutPrefix(cmd, "cd "); ok {
				if f := strings.Fields(rest); len(f) > 0 && strings.HasPrefix(f[0], "/") {
					out = append(out, path.Clean(strings.Trim(f[0], `"'`)))
				}
			}
		}
	}
	return out
}

// Workdir infers the working directory from directories the tools touched:
// the deepest directory that holds more than half of them, so a stray read
// of ~/.aws/credentials does not pull it up to the home directory. "" when
// no directory is shared by a majority (or none were seen).
func Workdir(dirs []string) string {
	if len(dirs) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, d := range dirs {
		for p := d; ; p = path.Dir(p) {
			count[p]++
			if p == "/" || p == "." {
				break
			}
		}
	}
	var best string
	cands := make([]string, 0, len(count))
	for p := range count {
		cands = append(cands, p)
	}
	sort.Strings(cands)
	for _, p := range cands {
		if 2*count[p] > len(dirs) && p != "/" && (best == "" || strings.Count(p, "/") > strings.Count(best, "/")) {
			best = p
		}
	}
	return best
}
