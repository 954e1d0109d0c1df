// Package synth generates deterministic synthetic conversations for tests and
// benchmarks of the indexer.
package synth

import (
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

// Generate builds a deterministic organisation: the whole of NewStream's
// output, for tests small enough to hold it.
func Generate(o Options) Org {
	s := NewStream(o)
	org := Org{Users: s.Users()}
	for {
		c, msgs, ok := s.Next()
		if !ok {
			return org
		}
		org.Conversations = append(org.Conversations, c)
		org.Messages = append(org.Messages, msgs...)
	}
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
