package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ccsync/ccsync/model"
)

// Stream generates an organisation one conversation at a time, so that a
// benchmark of millions of messages holds only the users and the batch it
// is about to ingest.
type Stream struct {
	o     Options
	r     *rand.Rand
	z     *rand.Zipf
	users []model.User
	conv  int // next conversation
	n     int // messages generated so far (drives SecretEvery)
}

// NewStream starts a stream, filling in Options' defaults.
func NewStream(o Options) *Stream {
	if o.TextBytes == 0 {
		o.TextBytes = 1100
	}
	if o.Days == 0 {
		o.Days = 365
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	s := &Stream{o: o, r: r, z: rand.NewZipf(r, 1.07, 2, uint64(len(vocabulary)-1))}
	for i := range o.Users {
		id := fmt.Sprintf("user_%04d", i)
		s.users = append(s.users, model.User{ID: id, Name: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user%d@example.com", i), AvatarSeed: id})
	}
	return s
}

// Users returns every user of the organisation (they are few).
func (s *Stream) Users() []model.User { return s.users }

// Next returns the next conversation and its messages; ok is false after the
// last one.
func (s *Stream) Next() (conv model.Conversation, msgs []model.Message, ok bool) {
	if s.conv >= s.o.Conversations || len(s.users) == 0 {
		return model.Conversation{}, nil, false
	}
	c, o, r, z := s.conv, s.o, s.r, s.z
	s.conv++
	created := o.created(r, c)
	conv = model.Conversation{
		ID:         fmt.Sprintf("conv-%06d", c),
		ExternalID: fmt.Sprintf("claude_chat_%06d", c),
		Source:     model.SourceComplianceAPI,
		Provider:   model.ProviderAnthropic,
		Model:      models[r.IntN(len(models))],
		Title:      sentence(z, 4),
		OwnerID:    s.users[r.IntN(len(s.users))].ID,
		CreatedAt:  created,
		UpdatedAt:  created.Add(time.Duration(o.MessagesPer) * time.Minute),
	}
	msgs = make([]model.Message, 0, o.MessagesPer)
	for seq := range o.MessagesPer {
		role := model.RoleHuman
		if seq%2 == 1 {
			role = model.RoleAssistant
		}
		text := paragraph(r, z, o.TextBytes)
		s.n++
		if o.SecretEvery > 0 && s.n%o.SecretEvery == 0 {
			text += fmt.Sprintf(" contact leak%d@corp.example.org today", s.n)
		}
		m := model.Message{ID: fmt.Sprintf("msg-%06d-%03d", c, seq), ConversationID: conv.ID, Seq: seq,
			OnCurrentBranch: true, Role: role, CreatedAt: created.Add(time.Duration(seq) * time.Minute),
			Blocks: []model.Block{{Type: model.BlockText, Text: text}}}
		if role == model.RoleAssistant && seq%4 == 1 {
			m.Blocks = append(m.Blocks, model.Block{Type: model.BlockToolUse, ToolName: "web_search",
				ToolInput: `{"query":"` + sentence(z, 3) + `"}`})
		}
		msgs = append(msgs, m)
	}
	return conv, msgs, true
}
