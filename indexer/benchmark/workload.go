package benchmark

import (
	"cmp"
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

// Shape of the synthetic organisation: about what the reference corpus looks
// like (20 messages a conversation, ~1,100 bytes a message, a secret in 1 of
// 50 so findings exist), spread over one year so a month is ~1/12 of it.
const (
	messagesPerConv = 20
	secretEvery     = 50
	spanDays        = 365
	maxBatch        = 1000 // messages per Ingest call: whole conversations
	// defaultTextBytes is synth's default, stated here so the report shows it.
	defaultTextBytes = 1100
)

// spanStart is where the data begins; the deleted month and the date-range
// query are chosen inside the span.
var spanStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// orgOptions sizes the organisation for cfg.Messages: users ≈ n/2000
// within [20, 5000], whole conversations (n is rounded up to a multiple of 20).
func orgOptions(cfg Config) synth.Options {
	n := cfg.Messages
	return synth.Options{
		Seed:          cfg.Seed,
		TextBytes:     cmp.Or(cfg.TextBytes, defaultTextBytes),
		Users:         min(max(n/2000, 20), 5000),
		Conversations: (n + messagesPerConv - 1) / messagesPerConv,
		MessagesPer:   messagesPerConv,
		Start:         spanStart,
		Days:          spanDays,
		SecretEvery:   secretEvery,
		Chronological: cfg.Order != "export",
	}
}

func orderName(cfg Config) string {
	if cfg.Order == "export" {
		return "export (random in time)"
	}
	return "api (oldest first)"
}

// batchSize keeps every tenth of a small run at least two batches long, so
// each tenth has a rate, and is maxBatch from 20,000 messages up.
func batchSize(n int) int {
	return min(max(n/20, messagesPerConv), maxBatch)
}

// batcher cuts a synth stream into ingest batches of whole conversations.
// The first batch carries the users. A batch also ends where the running
// total reaches cut, so the pipeline's rate over the first cut messages is
// measured on exactly the documents the raw Bleve baseline indexes.
type batcher struct {
	s     *synth.Stream
	size  int
	cut   int
	limit int // stop after this many messages (0: the whole stream)
	done  int
	users bool
}

func newBatcher(o synth.Options, size, cut, limit int) *batcher {
	return &batcher{s: synth.NewStream(o), size: size, cut: cut, limit: limit}
}

func (b *batcher) next() (indexer.Batch, bool) {
	var out indexer.Batch
	if !b.users {
		b.users, out.Users = true, b.s.Users()
	}
	for len(out.Messages) < b.size && (b.limit == 0 || b.done < b.limit) {
		c, ms, ok := b.s.Next()
		if !ok {
			break
		}
		before := b.done
		out.Conversations = append(out.Conversations, c)
		out.Messages = append(out.Messages, ms...)
		b.done += len(ms)
		if before < b.cut && b.done >= b.cut {
			break
		}
	}
	return out, len(out.Messages) > 0
}

// query is one entry of the search mix.
type query struct {
	Name string
	Desc string
	Req  indexer.SearchRequest
}

// queryMix is the fixed set of searches, shaped like the UI's requests (a
// page of 25, and the facets the logs view shows). Terms come from the
// generator's Zipf vocabulary so hit counts are those of real text: with
// 1,100-byte messages rank 300 is in ~6% of them, rank 5000 in ~0.3%.
func queryMix(phrase string) []query {
	three := []string{indexer.FacetUser, indexer.FacetModel, indexer.FacetFindingType}
	mid, rare := synth.Word(300), synth.Word(5000)
	june := spanStart.AddDate(0, 5, 0)
	const page = 25
	return []query{
		{"mid term + 3 facets", mid, indexer.SearchRequest{Query: mid, Facets: three, Size: page}},
		{"rare term + 3 facets", rare, indexer.SearchRequest{Query: rare, Facets: three, Size: page}},
		{"phrase + 3 facets", phrase, indexer.SearchRequest{Query: phrase, Facets: three, Size: page}},
		{"flagged only + 3 facets", "(flagged)", indexer.SearchRequest{FlaggedOnly: true, Facets: three, Size: page}},
		{"one month + mid term + 3 facets", june.Format("2006-01") + " " + mid,
			indexer.SearchRequest{Query: mid, From: june, To: june.AddDate(0, 1, 0), Facets: three, Size: page}},
		{"mid term, newest first", mid, indexer.SearchRequest{Query: mid, Sort: indexer.SortNewest, NoFacets: true, Size: page}},
		{"dashboard: match all, all facets", "(match all)", indexer.SearchRequest{Size: page}},
	}
}

// pickPhrase returns two adjacent long words of one of msgs as a quoted
// phrase, so the phrase query is known to match. Long words are invented
// ones, never stop words the analyser would drop.
func pickPhrase(msgs []model.Message) string {
	for _, m := range msgs {
		w := strings.Fields(m.FlatText())
		for i := 0; i+1 < len(w); i++ {
			if len(w[i]) >= 6 && len(w[i+1]) >= 6 && !strings.ContainsAny(w[i], ".@") && !strings.ContainsAny(w[i+1], "@") {
				return `"` + w[i] + " " + strings.Trim(w[i+1], ".") + `"`
			}
		}
	}
	return `"kubernetes cluster"`
}
