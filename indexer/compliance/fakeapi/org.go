package fakeapi

import "time"

// Org is the synthetic organisation a Server serves.
type Org struct {
	UUID      string
	ID        string // deprecated org_… id, still returned by the API
	Name      string
	CreatedAt time.Time
	Users     []User
	Chats     []*Chat
	// Planted lists the sensitive values placed in chats, so tests know what
	// a detector must find and where.
	Planted []Plant
	// Agent sessions (sessions.go), the Activity Feed's own events
	// (activity.go; compliance_api_accessed events come from the request
	// log), and the bytes behind file and artifact references (files.go).
	Local      []*LocalSession
	Remote     []*RemoteSession
	Activities []*Activity
	Blobs      map[string]*Blob // by file, generated-file or artifact version id

	fileChat map[string]*Chat // chatOfFile's index, built on first use
}

// User is an organisation member.
type User struct {
	ID        string // user_…
	Email     string
	FullName  string
	Role      string // organization_role
	CreatedAt time.Time
}

// Chat is one claude.ai chat with its messages.
type Chat struct {
	ID        string // claude_chat_…
	UUID      string // the claude.ai UUID in href
	Name      string
	Model     string // "" is sent as null (legacy chats)
	ProjectID string // "" is sent as null
	OwnerID   string
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time
	Messages  []Message
}

// Message is one chat message.
type Message struct {
	ID             string // claude_chat_msg_…
	UUID           string // what the message cursor encodes
	Role           string // "user" or "assistant"
	CreatedAt      time.Time
	Content        []Block
	Files          []File
	GeneratedFiles []File
	Artifacts      []Artifact
}

// Block is a content block. Raw, when set, is sent verbatim instead (to
// exercise block types a client does not know).
type Block struct {
	Type       string // text, tool_use, tool_result
	Text       string
	ToolID     string // tool_use id / tool_result tool_use_id
	Name       string
	Input      string // JSON text; sent JSON-encoded as a string, as the API does
	ResultText []string
	IsError    bool
	Raw        string
}

// File is an uploaded or generated file reference.
type File struct {
	ID        string
	Filename  string
	MD5       string
	MimeType  string
	SizeBytes int64
	CreatedAt time.Time
}

// Artifact is an artifact version reference.
type Artifact struct {
	ID, VersionID, Title, Type string
}

// Plant is a sensitive value placed at a known position: the Offset-th byte
// of the text of block Block of message MessageID.
type Plant struct {
	ChatID    string
	MessageID string
	Block     int
	Offset    int
	Type      string // email, aws_access_key, credit_card, anthropic_api_key, jwt, private_key, ssn
	Value     string
}

// Chat returns the chat with the given claude_chat_… id, or nil.
func (o *Org) Chat(id string) *Chat {
	for _, c := range o.Chats {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// MessageCount counts the messages of chats that are not deleted (deleted
// chats serve no content).
func (o *Org) MessageCount() int {
	n := 0
	for _, c := range o.Chats {
		if c.DeletedAt == nil {
			n += len(c.Messages)
		}
	}
	return n
}

// chatOfFile returns the chat whose messages reference id (a claude_file_…,
// claude_gen_file_… or artifact version id), or nil when no listed chat
// does (never referenced, or its chat was hard-deleted). The index is built
// on first use and dropped by every mutation that adds or removes messages.
func (o *Org) chatOfFile(id string) *Chat {
	if o.fileChat == nil {
		o.fileChat = map[string]*Chat{}
		for _, c := range o.Chats {
			for i := range c.Messages {
				m := &c.Messages[i]
				for _, f := range m.Files {
					o.fileChat[f.ID] = c
				}
				for _, f := range m.GeneratedFiles {
					o.fileChat[f.ID] = c
				}
				for _, a := range m.Artifacts {
					o.fileChat[a.VersionID] = c
				}
			}
		}
	}
	return o.fileChat[id]
}

// fileServed reports whether the file, generated-file and artifact
// endpoints may serve id: a listed chat references it and the user has not
// deleted that chat (deleting a chat deletes its files, §4.4). Otherwise
// they answer their 404. The caller holds s.mu.
func (s *Server) fileServed(id string) bool {
	c := s.org.chatOfFile(id)
	return c != nil && c.DeletedAt == nil
}
