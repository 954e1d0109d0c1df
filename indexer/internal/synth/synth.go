// Package synth generates deterministic synthetic conversations for tests and
// benchmarks of the indexer.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ccsync/ccsync/model"
)

var words = strings.Fields(`the a to of and in is it that for you with on this be are as can
	have not what how your will use we if from or but by an at do so my deploy service database
	query latency customer invoice contract budget quarter report summary draft email review policy
	kubernetes cluster migration schema index search result error timeout retry backoff cache
	python golang rust typescript function variable config secret token password account billing
	marketing roadmap launch meeting agenda notes action items follow up please thanks could would`)

// vocabulary is the common words followed by 20,000 invented ones, so that
// word frequencies follow Zipf's law like real text: a rare word matches a
// few documents, a common one most of them.
var vocabulary = func() []string {
	syll := strings.Fields("ka ri to mu ne sa lo vi de pa gu shi ren tor bel mak fin dal cor zu")
	v := append([]string(nil), words...)
	r := rand.New(rand.NewPCG(42, 42))
	for len(v) < len(words)+20000 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		v = append(v, b.String())
	}
	return v
}()

var models = []string{"claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-6"}

// Org is a generated organisation.
type Org struct {
	Users         []model.User
	Conversations []model.Conversation
	Messages      []model.Message
}

// Options size the organisation.
type Options struct {
	Seed          uint64
	Users         int
	Conversations int
	MessagesPer   int       // messages per conversation
	Start         time.Time // first conversation; later ones spread over Days
	Days          int
	// TextBytes is the approximate length of each message (default 1,100,
	// close to the reference corpus' 1,153-character average).
	TextBytes int
	// SecretEvery plants an email address in every n-th message (0: never).
	SecretEvery int
	// Chronological spaces conversations evenly over Days in order, the way
	// the Compliance API lists chats (oldest first); otherwise they fall at
	// random in the span, the way an export's conversations.json holds them.
	Chronological bool
}

// created draws conversation c's creation time. The draw happens either way,
// so the rest of the data does not depend on the order.
func (o Options) created(r *rand.Rand, c int) time.Time {
	span := int64(o.Days) * 24 * int64(time.Hour)
	t := r.Int64N(span)
	if o.Chronological && o.Conversations > 0 {
		t = int64(c) * (span / int64(o.Conversations))
	}
	return o.Start.Add(time.Duration(t))
}

// Generate builds a deterministic organisation.
func Generate(o Options) Org {
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
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocabulary)-1))
	var org Org
	for i := range o.Users {
		id := fmt.Sprintf("user_%04d", i)
		org.Users = append(org.Users, model.User{ID: id, Name: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user%d@example.com", i), AvatarSeed: id})
	}
	n := 0
	for c := range o.Conversations {
		created := o.created(r, c)
		conv := model.Conversation{
			ID:         fmt.Sprintf("conv-%06d", c),
			ExternalID: fmt.Sprintf("claude_chat_%06d", c),
			Source:     model.SourceComplianceAPI,
			Provider:   model.ProviderAnthropic,
			Model:      models[r.IntN(len(models))],
			Title:      sentence(z, 4),
			OwnerID:    org.Users[r.IntN(len(org.Users))].ID,
			CreatedAt:  created,
			UpdatedAt:  created.Add(time.Duration(o.MessagesPer) * time.Minute),
		}
		org.Conversations = append(org.Conversations, conv)
		for s := range o.MessagesPer {
			role := model.RoleHuman
			if s%2 == 1 {
				role = model.RoleAssistant
			}
			text := paragraph(r, z, o.TextBytes)
			n++
			if o.SecretEvery > 0 && n%o.SecretEvery == 0 {
				text += fmt.Sprintf(" contact leak%d@corp.example.org today", n)
			}
			m := model.Message{ID: fmt.Sprintf("msg-%06d-%03d", c, s), ConversationID: conv.ID, Seq: s,
				OnCurrentBranch: true, Role: role, CreatedAt: created.Add(time.Duration(s) * time.Minute),
				Blocks: []model.Block{{Type: model.BlockText, Text: text}}}
			if role == model.RoleAssistant && s%4 == 1 {
				m.Blocks = append(m.Blocks, model.Block{Type: model.BlockToolUse, ToolName: "web_search",
					ToolInput: `{"query":"` + sentence(z, 3) + `"}`})
			}
			org.Messages = append(org.Messages, m)
		}
	}
	return org
}

func sentence(z *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocabulary[z.Uint64()])
	}
	return b.String()
}

func paragraph(r *rand.Rand, z *rand.Zipf, size int) string {
	var b strings.Builder
	b.Grow(size + 16)
	for b.Len() < size {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocabulary[z.Uint64()])
		if r.IntN(12) == 0 {
			b.WriteString(".")
		}
	}
	return b.String()
}

// Word returns the vocabulary word of the given frequency rank (0 is the most
// common), so benchmarks can pick query terms of known selectivity.
func Word(rank int) string { return vocabulary[rank%len(vocabulary)] }
