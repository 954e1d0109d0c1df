package forward_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// destCheck is what one destination must have received.
type destCheck struct {
	Name      string
	Stream    string
	Anonymous bool
	Want      []wantEvent
	// Unordered are ids exempt from the order check (dead letters retried
	// by hand arrive after later events, by design).
	Unordered map[string]bool
	Secrets   map[string]bool // raw finding values that must appear in no body
}

type destResult struct {
	Delivered  int // distinct events
	Duplicates int // accepted copies beyond the first
	Requests   int
	// Latency from ingest (the event's ingested_at) to first arrival.
	P50, P99, Max time.Duration
}

func (r destResult) String() string {
	return fmt.Sprintf("%d events in %d requests, %d duplicates, ingest→arrival p50 %v p99 %v max %v",
		r.Delivered, r.Requests, r.Duplicates, r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond))
}

const maxListed = 8

// laterVersion counts message events that described a newer version of
// the message than their journal entry's.
var laterVersion atomic.Int64

// checkDest compares what rec accepted with c.Want after dedupe by id:
// nothing missing, nothing extra, first arrivals in journal order, event
// contents as the oracle expects, and no leak in any body.
func checkDest(t *testing.T, rec *receiver, c destCheck) destResult {
	t.Helper()
	accepted, bodies, violations := rec.snapshot()
	for i, v := range violations {
		if i == maxListed {
			t.Errorf("%s: … %d format violations in all", c.Name, len(violations))
			break
		}
		t.Errorf("%s: wire-format violation: %s", c.Name, v)
	}
	want := map[string]*wantEvent{}
	for i := range c.Want {
		want[c.Want[i].ID] = &c.Want[i]
	}
	var res destResult
	var lat []time.Duration
	first := map[string]bool{}
	var extra, disorder []string
	last := [2]int{-1, -1}
	lastID := ""
	for _, a := range accepted {
		id := a.Event.ID
		if first[id] {
			res.Duplicates++
			continue
		}
		first[id] = true
		res.Delivered++
		if at, ok := rec.firstArrival(id); ok && !a.Event.IngestedAt.IsZero() {
			lat = append(lat, at.Sub(a.Event.IngestedAt))
		}
		w := want[id]
		if w == nil {
			extra = append(extra, id)
			continue
		}
		if !c.Unordered[id] {
			if !keyLess(last, w.Key) {
				disorder = append(disorder, fmt.Sprintf("%s after %s", id, lastID))
			}
			last, lastID = w.Key, id
		}
		checkEvent(t, c, w, a.Event)
	}
	var missing []string
	for _, w := range c.Want {
		if !first[w.ID] {
			missing = append(missing, w.ID)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: %d of %d expected events missing, first: %s", c.Name, len(missing), len(c.Want), listSome(missing))
	}
	if len(extra) > 0 {
		t.Errorf("%s: %d unexpected events: %s", c.Name, len(extra), listSome(extra))
	}
	if len(disorder) > 0 {
		t.Errorf("%s: %d events arrived before one that precedes them in the journal: %s", c.Name, len(disorder), listSome(disorder))
	}
	for i, b := range bodies {
		checkBody(t, c, i, b)
	}
	res.Requests = len(bodies)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50, res.P99, res.Max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	}
	return res
}

func keyLess(a, b [2]int) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

func listSome(s []string) string {
	if len(s) > maxListed {
		return strings.Join(s[:maxListed], ", ") + ", …"
	}
	return strings.Join(s, ", ")
}

// checkEvent compares one event with the oracle's expectation.
func checkEvent(t *testing.T, c destCheck, w *wantEvent, ev model.ForwardEvent) {
	t.Helper()
	e := w.Entry
	bad := func(format string, args ...any) {
		t.Errorf("%s: event %s: %s", c.Name, ev.ID, fmt.Sprintf(format, args...))
	}
	wantType := map[string]string{model.StreamMessages: "message", model.StreamFindings: "finding"}[c.Stream]
	if ev.Type != wantType {
		bad("type %q, want %q", ev.Type, wantType)
	}
	if !ev.Time.Equal(e.Msg.CreatedAt) {
		bad("time %v, want the message's creation %v", ev.Time, e.Msg.CreatedAt)
	}
	if ev.IngestedAt.IsZero() {
		bad("no ingested_at")
	}
	if ev.Origin != "sync" {
		bad("origin %q, want sync", ev.Origin)
	}
	if c.Anonymous {
		if !ev.Anonymous {
			bad("anonymous destination, event not marked anonymous")
		}
		for name, v := range map[string]string{"message_id": ev.MessageID, "conversation_id": ev.ConversationID,
			"user_id": ev.UserID, "user_email": ev.UserEmail, "user_name": ev.UserName, "model": ev.Model,
			"product": ev.Product, "role": ev.Role, "title": ev.Title, "link": ev.Link, "text": ev.Text} {
			if v != "" {
				bad("anonymous event carries %s=%q", name, v)
			}
		}
		if ev.Alert != nil {
			bad("anonymous event carries an alert")
		}
		for _, f := range ev.Findings {
			if f.Preview != "" || f.Rule != "" {
				bad("anonymous finding carries preview %q rule %q", f.Preview, f.Rule)
			}
		}
	} else {
		if ev.MessageID != e.Msg.ID {
			bad("message_id %q, want %q", ev.MessageID, e.Msg.ID)
		}
		if ev.ConversationID != e.Conv.ID {
			bad("conversation_id %q, want %q", ev.ConversationID, e.Conv.ID)
		}
		if ev.UserID != e.Owner.ID {
			bad("user_id %q, want the owner %q", ev.UserID, e.Owner.ID)
		}
		for _, f := range ev.Findings {
			if f.Preview == "" {
				bad("finding %s without a masked preview", f.Type)
			}
		}
	}
	switch c.Stream {
	case model.StreamFindings:
		f := w.Finding
		if len(ev.Findings) != 1 {
			bad("%d findings in a finding event, want 1", len(ev.Findings))
			return
		}
		if got := ev.Findings[0]; got.Type != f.Type || got.Severity != f.Severity {
			bad("finding %s/%s, want %s/%s", got.Type, got.Severity, f.Type, f.Severity)
		}
	case model.StreamMessages:
		// The event may describe the version of its journal entry or the
		// message as stored when it was sent (a later edit); both carry
		// the entry's fresh findings.
		got := forwardTypes(ev.Findings)
		if !subMultiset(typesOf(e.Fresh), got) || !subMultiset(got, typesOf(e.All)) && !subMultiset(got, typesOf(*e.Latest)) {
			bad("findings %v: want the fresh ones %v, at most all %v (or of the newest version %v)", got, typesOf(e.Fresh), typesOf(e.All), typesOf(*e.Latest))
		}
		if !subMultiset(got, typesOf(e.All)) {
			laterVersion.Add(1)
		}
		if !c.Anonymous && ev.Text == "" {
			bad("messages stream event without text")
		}
	}
}

// checkBody scans a raw request body for leaks: no raw finding value in a
// body or any string in it, and nothing planted in an anonymous body.
func checkBody(t *testing.T, c destCheck, i int, body []byte) {
	t.Helper()
	if c.Anonymous && bytes.Contains(bytes.ToLower(body), []byte(plantMark)) {
		k := bytes.Index(bytes.ToLower(body), []byte(plantMark))
		t.Errorf("%s: anonymous request %d leaks planted content: …%s…", c.Name, i, body[max(0, k-60):min(len(body), k+60)])
		return
	}
	var all strings.Builder
	var v any
	if json.Unmarshal(body, &v) == nil {
		collectStrings(v, &all)
	}
	all.Write(body)
	if secret, ok := c.leaks().find(all.String()); ok {
		t.Errorf("%s: request %d carries the raw value %q", c.Name, i, secret)
	}
}

// leakIndex finds any of a set of strings in a text in one pass: every
// string is keyed by its first leakPrefix bytes.
type leakIndex struct {
	byPrefix map[string][]string
	short    []string
}

const leakPrefix = 10

func newLeakIndex(values map[string]bool) *leakIndex {
	x := &leakIndex{byPrefix: map[string][]string{}}
	for v := range values {
		if len(v) < leakPrefix {
			x.short = append(x.short, v)
			continue
		}
		x.byPrefix[v[:leakPrefix]] = append(x.byPrefix[v[:leakPrefix]], v)
	}
	return x
}

func (x *leakIndex) find(s string) (string, bool) {
	for _, v := range x.short {
		if strings.Contains(s, v) {
			return v, true
		}
	}
	for i := 0; i+leakPrefix <= len(s); i++ {
		for _, v := range x.byPrefix[s[i:i+leakPrefix]] {
			if strings.HasPrefix(s[i:], v) {
				return v, true
			}
		}
	}
	return "", false
}

var leakCache sync.Map // map[*map[string]bool]*leakIndex, by the Secrets map's identity

func (c destCheck) leaks() *leakIndex {
	key := fmt.Sprintf("%p", c.Secrets)
	if x, ok := leakCache.Load(key); ok {
		return x.(*leakIndex)
	}
	x := newLeakIndex(c.Secrets)
	leakCache.Store(key, x)
	return x
}

func collectStrings(v any, b *strings.Builder) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
		b.WriteByte(0)
	case []any:
		for _, y := range x {
			collectStrings(y, b)
		}
	case map[string]any:
		for k, y := range x {
			b.WriteString(k)
			b.WriteByte(0)
			collectStrings(y, b)
		}
	}
}

// fBaseOf tells whether finding ids count from 0 or 1, from what arrived.
func fBaseOf(recs ...*receiver) int {
	base := 1
	for _, r := range recs {
		acc, _, _ := r.snapshot()
		for _, a := range acc {
			if _, _, fi, ok := parseID(a.Event.ID); ok && fi == 0 {
				base = 0
			}
		}
	}
	return base
}
