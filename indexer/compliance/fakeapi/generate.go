package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// GenOptions shape a synthetic organisation. Zero values pick defaults.
type GenOptions struct {
	Users int // default 8
	Chats int // default 50
	// Chats are created uniformly in [Start, End); defaults are fixed dates
	// so the output depends only on the seed.
	Start, End time.Time
	// MaxMessages per chat (at least 2); default 12.
	MaxMessages int
	// DeletedEvery marks every n-th chat deleted in claude.ai; default 17,
	// negative for none.
	DeletedEvery int
	// PlantEvery plants a sensitive value in every n-th chat; default 3.
	PlantEvery int
	// NoUserEvery sends every n-th chat with "user": null, as the API does
	// when the creator left an organisation the key is restricted to
	// (§4.2); default none.
	NoUserEvery int
	// Sessions and RemoteSessions are how many Claude Code/Cowork local and
	// remote sessions to generate (default none); Activities how many
	// Activity Feed events besides the API access log; FileContent gives
	// file and artifact references bytes to fetch.
	Sessions, RemoteSessions, Activities int
	FileContent                          bool
}

func (o *GenOptions) defaults() {
	if o.Users <= 0 {
		o.Users = 8
	}
	if o.Chats < 0 {
		o.Chats = 0
	} else if o.Chats == 0 {
		o.Chats = 50
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.End.IsZero() || !o.End.After(o.Start) {
		o.End = o.Start.Add(30 * 24 * time.Hour)
	}
	if o.MaxMessages < 2 {
		o.MaxMessages = 12
	}
	if o.DeletedEvery == 0 {
		o.DeletedEvery = 17
	}
	if o.PlantEvery <= 0 {
		o.PlantEvery = 3
	}
}

// Generate builds an organisation deterministically from seed: the same seed
// and options always give the same ids, text, times and plants.
func Generate(seed uint64, o GenOptions) *Org {
	o.defaults()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	org := &Org{UUID: uuid(r), ID: tagged(r, "org_"), Name: "Acme Demo " + fmt.Sprint(seed%1000),
		CreatedAt: o.Start.Add(-90 * 24 * time.Hour)}
	for i := 0; i < o.Users; i++ {
		f, l := pick(r, firstNames), pick(r, lastNames)
		org.Users = append(org.Users, User{
			ID: tagged(r, "user_"), FullName: f + " " + l,
			Email:     fmt.Sprintf("%s.%s%d@acme-corp.io", lower(f), lower(l), i),
			Role:      pick(r, roles),
			CreatedAt: micro(org.CreatedAt.Add(time.Duration(i) * time.Hour)),
		})
	}
	projects := []string{tagged(r, "claude_proj_"), tagged(r, "claude_proj_")}
	span := o.End.Sub(o.Start)
	for i := 0; i < o.Chats; i++ {
		created := micro(o.Start.Add(time.Duration(r.Int64N(int64(span)))))
		c := &Chat{ID: tagged(r, "claude_chat_"), UUID: uuid(r), Name: pick(r, titles), Model: pick(r, models),
			OwnerID: org.Users[r.IntN(len(org.Users))].ID, CreatedAt: created}
		if r.IntN(10) == 0 {
			c.Model = "" // legacy chats have a null model
		}
		if o.NoUserEvery > 0 && (i+1)%o.NoUserEvery == 0 {
			c.OwnerID = "" // after drawing it, so other chats stay as the seed made them
		}
		if r.IntN(4) == 0 {
			c.ProjectID = pick(r, projects)
		}
		genMessages(r, c, 2+r.IntN(o.MaxMessages-1))
		if (i+1)%o.PlantEvery == 0 {
			plant(r, org, c)
		}
		c.UpdatedAt = c.Messages[len(c.Messages)-1].CreatedAt
		if o.DeletedEvery > 0 && (i+1)%o.DeletedEvery == 0 {
			d := micro(c.UpdatedAt.Add(time.Duration(1+r.IntN(48)) * time.Hour))
			c.DeletedAt, c.UpdatedAt = &d, d
		}
		org.Chats = append(org.Chats, c)
	}
	// Each stream draws from a generator of its own, so adding sessions does
	// not change the chats, activities or files a seed gives.
	genSessions(org, rand.New(rand.NewPCG(seed, 0x5e5510)), o)
	genActivities(org, rand.New(rand.NewPCG(seed, 0xac7171)), o)
	genBlobs(org, rand.New(rand.NewPCG(seed, 0xf11e5)), o)
	return org
}

func genMessages(r *rand.Rand, c *Chat, n int) {
	topic := pick(r, topics)
	t := c.CreatedAt
	for j := 0; j < n; j++ {
		m := Message{ID: tagged(r, "claude_chat_msg_"), UUID: uuid(r), CreatedAt: t}
		if j%2 == 0 {
			m.Role = "user"
			m.Content = []Block{{Type: "text", Text: userPrompt(r, topic)}}
			if r.IntN(6) == 0 {
				f := pick(r, mimes)
				m.Files = []File{{ID: tagged(r, "claude_file_"), Filename: f[0], MimeType: f[1], MD5: hexString(r, 32),
					SizeBytes: int64(1000 + r.IntN(500000)), CreatedAt: t}}
			}
		} else {
			m.Role = "assistant"
			m.Content = assistantContent(r, topic)
			if r.IntN(10) == 0 {
				m.GeneratedFiles = []File{{ID: tagged(r, "claude_gen_file_"), Filename: "chart.png", MimeType: "image/png", SizeBytes: int64(20000 + r.IntN(90000))}}
			}
			if r.IntN(12) == 0 {
				m.Artifacts = []Artifact{{ID: tagged(r, "claude_artifact_"), VersionID: tagged(r, "claude_artifact_version_"), Title: "Draft: " + topic, Type: "text/markdown"}}
			}
		}
		c.Messages = append(c.Messages, m)
		t = micro(t.Add(time.Duration(5+r.IntN(300)) * time.Second))
	}
}

func assistantContent(r *rand.Rand, topic string) []Block {
	if r.IntN(4) != 0 {
		return []Block{{Type: "text", Text: assistantReply(r, topic)}}
	}
	tool := pick(r, tools)
	id := tagged(r, "toolu_")
	return []Block{
		{Type: "text", Text: " Let me look that up."},
		{Type: "tool_use", ToolID: id, Name: tool, Input: fmt.Sprintf(`{"query": %q, "max_results": %d}`, topic, 3+r.IntN(7))},
		{Type: "tool_result", ToolID: id, Name: tool, ResultText: []string{"Found 3 documents about " + topic + ".", "Top result: internal wiki page, updated last week."}, IsError: r.IntN(15) == 0},
		{Type: "text", Text: assistantReply(r, topic)},
	}
}

// plant puts one sensitive value into a user message of c, at a recorded
// position. Some go into tool input, where they are just as exposed.
func plant(r *rand.Rand, org *Org, c *Chat) {
	kind := pick(r, plantKinds)
	val := plantValue(r, kind)
	sentence, off := plantSentence(r, kind, val)
	mi := 2 * r.IntN((len(c.Messages)+1)/2) // a user message
	m := &c.Messages[mi]
	m.Content = append(m.Content, Block{Type: "text", Text: sentence})
	org.Planted = append(org.Planted, Plant{ChatID: c.ID, MessageID: m.ID, Block: len(m.Content) - 1, Offset: off, Type: kind, Value: val})
}

func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		} else if c == '-' {
			b[i] = '.'
		}
	}
	return string(b)
}
