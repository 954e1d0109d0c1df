package forward_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// Every identifier, name and text the corpus plants carries "plant" (any
// case), so an anonymous body that contains "plant" leaks something.
const plantMark = "plant"

type corpusOpts struct {
	Seed      uint64
	Batches   int
	PerBatch  int
	Base      time.Time // creation time of message 0
	EditEvery int       // every n-th batch (from the 2nd on) re-sends 3 messages of an earlier batch; 0: none
}

// corpus is a deterministic sequence of ingest batches. Message i belongs
// to conversation i/5, owned by user (i/5)%7. Its text has, by i%6: nothing,
// an AWS access key id, an email address, a private key block and a key,
// a key and an email, nothing. Every secret is distinct.
type corpus struct {
	Users   []model.User
	Batches []indexer.Batch
}

const corpusUsers = 7

func userOf(conv int) model.User {
	u := conv % corpusUsers
	return model.User{ID: fmt.Sprintf("PLANTUSER-%d", u), Name: fmt.Sprintf("Plant Owner %d", u),
		Email: fmt.Sprintf("owner%d@plantowners.example.com", u)}
}

func convOf(o corpusOpts, conv int) model.Conversation {
	created := o.Base.Add(time.Duration(conv*5) * 10 * time.Second)
	return model.Conversation{ID: fmt.Sprintf("PLANTCONV-%04d", conv), Source: model.SourceComplianceAPI,
		Model: "claude-plant-4", Title: fmt.Sprintf("PLANTTITLE about plants %d", conv), OwnerID: userOf(conv).ID,
		Product: model.ProductClaudeAI, CreatedAt: created, UpdatedAt: created}
}

const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func awsKey(r *rand.Rand) string { return "AKIAPLANT" + randFrom(r, b32, 11) }

func privateKey(r *rand.Rand) string {
	return "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + randFrom(r, b64, 58) + "\n" + randFrom(r, b64, 64) +
		"\n-----END RSA PRIVATE KEY-----"
}

// messageText is message i's text; edit 1 appends a new key, edit 2 words only.
func messageText(seed uint64, i, edit int) string {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	var b strings.Builder
	fmt.Fprintf(&b, "PLANTTEXT message %d of the plant corpus. ", i)
	switch i % 6 {
	case 1:
		fmt.Fprintf(&b, "Here is my key %s for the deploy. ", awsKey(r))
	case 2:
		fmt.Fprintf(&b, "Mail the report to %s.plant%d@plantmail.io please. ", randFrom(r, "abcdefghijk", 5), i)
	case 3:
		fmt.Fprintf(&b, "The server key is\n%s\nand the id %s. ", privateKey(r), awsKey(r))
	case 4:
		fmt.Fprintf(&b, "Use %s and write to %s.plant%d@plantmail.io today. ", awsKey(r), randFrom(r, "lmnopqrs", 5), i)
	}
	if edit == 1 {
		r2 := rand.New(rand.NewPCG(seed^0x5eed, uint64(i)))
		fmt.Fprintf(&b, "PLANTEDIT I forgot this one: %s. ", awsKey(r2))
	}
	if edit == 2 {
		b.WriteString("PLANTEDIT and a few more words without secrets. ")
	}
	return b.String()
}

func messageOf(o corpusOpts, i, edit int) model.Message {
	conv := i / 5
	return model.Message{ID: fmt.Sprintf("PLANTMSG-%06d", i), ConversationID: convOf(o, conv).ID, Seq: i % 5,
		OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: o.Base.Add(time.Duration(i) * 10 * time.Second),
		Blocks: []model.Block{{Type: model.BlockText, Text: messageText(o.Seed, i, edit)}}}
}

func genCorpus(o corpusOpts) corpus {
	var c corpus
	for u := range corpusUsers {
		c.Users = append(c.Users, userOf(u))
	}
	for b := range o.Batches {
		batch := indexer.Batch{Users: c.Users, Origin: indexer.OriginSync,
			Checkpoints: map[string][]byte{"oracle/batch": []byte(strconv.Itoa(b))}}
		seen := map[int]bool{}
		for k := range o.PerBatch {
			i := b*o.PerBatch + k
			if !seen[i/5] {
				seen[i/5] = true
				batch.Conversations = append(batch.Conversations, convOf(o, i/5))
			}
			batch.Messages = append(batch.Messages, messageOf(o, i, 0))
		}
		if o.EditEvery > 0 && b >= 2 && b%o.EditEvery == 0 {
			j := (b - 2) * o.PerBatch
			// A new key in one, words only in the next, the third unchanged.
			batch.Messages = append(batch.Messages, messageOf(o, j, 1), messageOf(o, j+1, 2), messageOf(o, j+2, 0))
			if j+2 >= (b-1)*o.PerBatch {
				panic("corpus: PerBatch below 3")
			}
		}
		c.Batches = append(c.Batches, batch)
	}
	return c
}

// entry is the oracle's expectation of one journal entry.
type entry struct {
	Seq     uint64
	Msg     model.Message
	Conv    model.Conversation
	Owner   model.User
	New     bool
	Fresh   []model.Finding // findings the previous version lacked
	All     []model.Finding
	Secrets []string // the raw values of All
	// Latest are the findings of the message's newest version: an event
	// built when it is sent may describe the message as it is then.
	Latest *[]model.Finding
}

// oracle models the journal from the batches alone: one entry per created
// or changed message in batch order, numbered on from the head, with the
// findings the scanner finds that the previous version lacked.
type oracle struct {
	scan    scanners.Scanner
	seq     uint64
	text    map[string]string
	found   map[string][]model.Finding
	latest  map[string]*[]model.Finding
	convs   map[string]model.Conversation
	users   map[string]model.User
	Entries []entry
	Secrets map[string]bool // every raw finding value ever ingested
}

func newOracle(head uint64) *oracle {
	return &oracle{scan: scanners.Default(), seq: head, text: map[string]string{}, found: map[string][]model.Finding{}, latest: map[string]*[]model.Finding{},
		convs: map[string]model.Conversation{}, users: map[string]model.User{}, Secrets: map[string]bool{}}
}

func fkey(f model.Finding) string { return fmt.Sprintf("%s/%d/%d", f.Type, f.Start, f.End) }

// apply records a batch that was ingested and returns its entries.
func (o *oracle) apply(b indexer.Batch) []entry {
	for _, u := range b.Users {
		o.users[u.ID] = u
	}
	for _, c := range b.Conversations {
		o.convs[c.ID] = c
	}
	first := len(o.Entries)
	for _, m := range b.Messages {
		text := m.FlatText()
		old, had := o.text[m.ID]
		if had && old == text {
			continue
		}
		all := o.scan.Scan(text)
		seen := map[string]bool{}
		for _, f := range o.found[m.ID] {
			seen[fkey(f)] = true
		}
		o.seq++
		conv := o.convs[m.ConversationID]
		e := entry{Seq: o.seq, Msg: m, Conv: conv, Owner: o.users[conv.OwnerID], New: !had, All: all}
		for _, f := range all {
			v := text[f.Start:f.End]
			e.Secrets = append(e.Secrets, v)
			o.Secrets[v] = true
			if !seen[fkey(f)] {
				e.Fresh = append(e.Fresh, f)
			}
		}
		o.text[m.ID], o.found[m.ID] = text, all
		if o.latest[m.ID] == nil {
			o.latest[m.ID] = new([]model.Finding)
		}
		*o.latest[m.ID] = all
		e.Latest = o.latest[m.ID]
		o.Entries = append(o.Entries, e)
	}
	return o.Entries[first:]
}

// wantEvent is an event a destination must receive.
type wantEvent struct {
	ID      string
	Key     [2]int // journal sequence, finding index (-1 for a message event)
	Entry   *entry
	Finding *model.Finding // findings stream
}

// want lists the events of stream for entries, in journal order; fBase is
// the number of the first fresh finding of an entry (0 or 1).
func (o *oracle) want(inst, stream string, fBase int, entries []entry) []wantEvent {
	var out []wantEvent
	for k := range entries {
		e := &entries[k]
		switch stream {
		case model.StreamMessages:
			out = append(out, wantEvent{ID: fmt.Sprintf("%s-m%d", inst, e.Seq), Key: [2]int{int(e.Seq), -1}, Entry: e})
		case model.StreamFindings:
			for i := range e.Fresh {
				out = append(out, wantEvent{ID: fmt.Sprintf("%s-m%d-f%d", inst, e.Seq, i+fBase),
					Key: [2]int{int(e.Seq), i + fBase}, Entry: e, Finding: &e.Fresh[i]})
			}
		}
	}
	return out
}

// parseID splits "<instance>-m<seq>[-f<i>]" (instance may hold dashes).
func parseID(id string) (inst string, seq, fi int, ok bool) {
	fi = -1
	k := strings.LastIndex(id, "-m")
	if k < 0 {
		return "", 0, 0, false
	}
	inst, rest := id[:k], id[k+2:]
	if a, b, found := strings.Cut(rest, "-f"); found {
		n, err := strconv.Atoi(b)
		if err != nil {
			return "", 0, 0, false
		}
		fi, rest = n, a
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return "", 0, 0, false
	}
	return inst, n, fi, true
}

func typesOf(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type)
	}
	slices.Sort(out)
	return out
}

func forwardTypes(fs []model.ForwardFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Type)
	}
	slices.Sort(out)
	return out
}

// subMultiset reports whether every element of a (sorted) is in b (sorted), counted.
func subMultiset(a, b []string) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
		j++
	}
	return true
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }
