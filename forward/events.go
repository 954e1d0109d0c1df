package forward

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// maxText bounds the masked message text a messages-stream event carries.
const maxText = 16 << 10

// group is the head of a destination's stream: the events of the journal
// entries (or fired alerts) after the cursor, each with the sequence it
// comes from. skip events of the first entry were delivered already (an
// entry can have more events than a request holds).
type group struct {
	from, to uint64 // the cursor, and the last entry the group covers
	skip     int    // events of entry from+1 left out as delivered
	events   []model.ForwardEvent
	seqs     []uint64 // seqs[i] is the entry events[i] comes from
}

// nextGroup reads the destination's stream after cursor and builds events
// until about max of them, from the records as they are now: a message
// deleted since it was journaled is not forwarded. Entries that yield no
// event for this stream still move the cursor. The first skip events of
// entry cursor+1 are left out (delivered before a retry rebuilt the group).
func (e *Engine) nextGroup(ctx context.Context, d *model.Destination, cursor uint64, skip, max int) (group, error) {
	g := group{from: cursor, to: cursor, skip: skip}
	inst, err := e.instance()
	if err != nil {
		return g, err
	}
	add := func(seq uint64, evs []model.ForwardEvent) {
		if seq == cursor+1 && skip > 0 {
			evs = evs[min(skip, len(evs)):]
		}
		for _, ev := range evs {
			g.events = append(g.events, ev)
			g.seqs = append(g.seqs, seq)
		}
		g.to = seq
	}
	if d.Stream == model.StreamAlerts {
		as, err := alerts.After(ctx, e.opts.Store, cursor, max)
		if err != nil {
			return g, fmt.Errorf("read alerts: %w", err)
		}
		for i := range as {
			a := &as[i]
			if len(a.Destinations) > 0 && !contains(a.Destinations, d.ID) {
				add(a.Seq, nil)
				continue
			}
			add(a.Seq, []model.ForwardEvent{e.alertEvent(inst, a, d.Anonymous)})
		}
		return g, nil
	}
	entries, err := e.opts.Store.Journal(ctx, cursor, max)
	if err != nil {
		return g, err
	}
	cache := map[string]*context_{}
	for _, en := range entries {
		if len(g.events) >= max {
			break
		}
		evs, err := e.entryEvents(ctx, inst, d, &en, cache)
		if err != nil {
			return g, err
		}
		add(en.Seq, evs)
	}
	return g, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// context_ is a message's conversation and owner, looked up once per group.
type context_ struct {
	conv model.Conversation
	user model.User
}

func (e *Engine) lookup(ctx context.Context, convID string, cache map[string]*context_) (*context_, error) {
	if c, ok := cache[convID]; ok {
		return c, nil
	}
	c := &context_{}
	conv, err := e.opts.Store.Conversation(ctx, convID)
	switch {
	case err == nil:
		c.conv = conv
		if conv.OwnerID != "" {
			u, err := e.opts.Store.User(ctx, conv.OwnerID)
			if err != nil && !errors.Is(err, indexer.ErrNotFound) {
				return nil, fmt.Errorf("user %s: %w", conv.OwnerID, err)
			}
			c.user = u
		}
	case !errors.Is(err, indexer.ErrNotFound):
		return nil, fmt.Errorf("conversation %s: %w", convID, err)
	}
	cache[convID] = c
	return c, nil
}

// entryEvents is one journal entry as the destination's stream sees it: a
// message event, or one event per fresh finding.
func (e *Engine) entryEvents(ctx context.Context, inst string, d *model.Destination, en *indexer.JournalEntry, cache map[string]*context_) ([]model.ForwardEvent, error) {
	if d.Stream == model.StreamFindings && len(en.Fresh) == 0 {
		return nil, nil
	}
	base := model.ForwardEvent{Time: en.Created.UTC(), IngestedAt: en.At.UTC(), Origin: en.Origin, MessageID: en.MessageID}
	m, err := e.opts.Store.Message(ctx, en.MessageID)
	found := err == nil
	if err != nil && !errors.Is(err, indexer.ErrNotFound) {
		return nil, fmt.Errorf("message %s: %w", en.MessageID, err)
	}
	if !found {
		// Deleted since (a range deletion, retention): what an admin
		// removed is not sent on, not even as a masked finding.
		return nil, nil
	}
	c, err := e.lookup(ctx, m.ConversationID, cache)
	if err != nil {
		return nil, err
	}
	fillContext(&base, &m, c)
	base.Link = e.link(m.ID)
	prefix := inst + "-m" + strconv.FormatUint(en.Seq, 10)
	var out []model.ForwardEvent
	if d.Stream == model.StreamMessages {
		ev := base
		ev.ID, ev.Type = prefix, "message"
		ev.Text = maskedText(&m)
		for _, f := range m.Findings {
			ev.Findings = append(ev.Findings, forwardFinding(f))
		}
		ev.Counts = countFindings(m.Findings)
		out = append(out, ev)
	} else {
		for i, f := range en.Fresh {
			ev := base
			ev.ID, ev.Type = prefix+"-f"+strconv.Itoa(i), "finding"
			ev.Findings = []model.ForwardFinding{forwardFinding(f)}
			ev.Counts = countFindings(en.Fresh[i : i+1])
			out = append(out, ev)
		}
	}
	if d.Anonymous {
		for i := range out {
			out[i] = anonymize(out[i])
		}
	}
	return out, nil
}

func fillContext(ev *model.ForwardEvent, m *model.Message, c *context_) {
	ev.ConversationID = m.ConversationID
	ev.Role = string(m.Role)
	ev.Model = m.Model
	if ev.Model == "" {
		ev.Model = c.conv.Model
	}
	ev.Product = c.conv.Product
	ev.Title = c.conv.Title
	ev.UserID = c.conv.OwnerID
	ev.UserEmail = c.user.Email
	ev.UserName = c.user.Name
}

func (e *Engine) link(msgID string) string {
	if e.opts.BaseURL == "" {
		return ""
	}
	return e.opts.BaseURL + "/messages/" + url.PathEscape(msgID)
}

func forwardFinding(f model.Finding) model.ForwardFinding {
	return model.ForwardFinding{Type: f.Type, Severity: f.Severity, Rule: f.Rule, Preview: f.Preview}
}

func countFindings(fs []model.Finding) model.ForwardCounts {
	c := model.ForwardCounts{Findings: len(fs)}
	if len(fs) == 0 {
		return c
	}
	c.ByType, c.BySeverity = map[string]int{}, map[string]int{}
	for _, f := range fs {
		c.ByType[f.Type]++
		c.BySeverity[string(f.Severity)]++
	}
	return c
}

// maskedText is the message's text with every finding replaced by its
// masked preview: a SIEM gets the context of a leak, never the secret.
func maskedText(m *model.Message) string {
	text := m.FlatText()
	fs := append([]model.Finding(nil), m.Findings...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start })
	var b []byte
	at := 0
	for _, f := range fs {
		if f.Start < at || f.End > len(text) || f.Start > f.End {
			if f.End > at && f.End <= len(text) {
				at = f.End // overlapping: the earlier one already masked its start
			}
			continue
		}
		b = append(b, text[at:f.Start]...)
		preview := f.Preview
		if preview == "" {
			preview = "[" + f.Type + "]"
		}
		b = append(b, preview...)
		at = f.End
		if len(b) > maxText {
			break
		}
	}
	if at < len(text) && len(b) <= maxText {
		b = append(b, text[at:]...)
	}
	if len(b) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		b = append(b[:cut], "…"...)
	}
	return string(b)
}

func (e *Engine) alertEvent(inst string, a *model.Alert, anonymous bool) model.ForwardEvent {
	ev := model.ForwardEvent{
		ID: inst + "-a" + strconv.FormatUint(a.Seq, 10), Type: "alert", Time: a.FiredAt.UTC(), IngestedAt: a.FiredAt.UTC(),
		Origin: a.Origin, UserID: a.User, Counts: model.ForwardCounts{Findings: a.Findings, ByType: a.ByType},
	}
	cp := *a
	ev.Alert = &cp
	if len(a.Messages) > 0 {
		ev.MessageID = a.Messages[0]
		ev.Link = e.link(a.Messages[0])
	}
	if anonymous {
		ev = anonymize(ev)
	}
	return ev
}

// anonymize keeps what an anonymous destination may receive: counts,
// types, severities and times. Everything that names a person, a chat or
// its content goes.
func anonymize(ev model.ForwardEvent) model.ForwardEvent {
	out := model.ForwardEvent{ID: ev.ID, Type: ev.Type, Time: ev.Time, IngestedAt: ev.IngestedAt, Origin: ev.Origin,
		Anonymous: true, Counts: ev.Counts}
	for _, f := range ev.Findings {
		out.Findings = append(out.Findings, model.ForwardFinding{Type: f.Type, Severity: f.Severity})
	}
	if ev.Alert != nil {
		a := ev.Alert
		out.Alert = &model.Alert{FiredAt: a.FiredAt, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen, Findings: a.Findings,
			Suppressed: a.Suppressed, ByType: a.ByType, MaxSeverity: a.MaxSeverity, GroupBy: a.GroupBy}
	}
	if len(out.Counts.BySeverity) == 0 && len(out.Findings) > 0 {
		out.Counts.BySeverity = map[string]int{}
		for _, f := range out.Findings {
			out.Counts.BySeverity[string(f.Severity)]++
		}
	}
	return out
}
