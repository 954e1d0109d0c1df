package slack

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccsync/ccsync/model"
)

// Slack's limits for a message (Block Kit): at most 50 blocks, 3000
// characters of section text, 10 context elements. Rendering stays under
// them whatever the content.
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	maxText        = 3000 // the notification fallback text
	maxPreviews    = 5
	maxTypes       = 10
)

// Message is an incoming-webhook payload.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit block (section, context or divider).
type Block struct {
	Type     string  `json:"type"`
	Text     *Text   `json:"text,omitempty"`
	Elements []*Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // always mrkdwn here
	Text string `json:"text"`
}

func mrkdwn(s string) *Text { return &Text{Type: "mrkdwn", Text: s} }

// Render turns a batch (at most Kind.MaxBatch events) into one message:
// a summary line when there are several, then per event a section with
// what happened and a context line with its time and link.
func Render(events []model.ForwardEvent) Message {
	var m Message
	if len(events) > 1 {
		m.Blocks = append(m.Blocks, Block{Type: "section", Text: mrkdwn(batchSummary(events))})
	}
	for _, e := range events {
		if len(m.Blocks)+2 > MaxBlocks {
			break // MaxBatch keeps this from happening; stay valid if it does
		}
		m.Blocks = append(m.Blocks,
			Block{Type: "section", Text: mrkdwn(section(e))},
			Block{Type: "context", Elements: []*Text{mrkdwn(contextLine(e))}},
		)
	}
	if len(events) == 1 {
		m.Text = headline(events[0])
	} else {
		m.Text = batchSummary(events)
	}
	m.Text = bound(m.Text, maxText)
	return m
}

func sevLabel(s model.Severity) string {
	switch s {
	case model.SeverityCritical:
		return ":red_circle: *CRITICAL*"
	case model.SeverityHigh:
		return ":large_orange_circle: *HIGH*"
	case model.SeverityMedium:
		return ":large_yellow_circle: *MEDIUM*"
	case model.SeverityLow:
		return ":white_circle: *LOW*"
	}
	return ""
}

func what(e model.ForwardEvent) string {
	switch e.Type {
	case "alert":
		if e.Alert != nil && e.Alert.RuleName != "" {
			return ":rotating_light: *Alert: " + Field(e.Alert.RuleName, 150) + "*"
		}
		return ":rotating_light: *Alert*"
	case "finding":
		return ":mag: *Finding*"
	case "message":
		return ":speech_balloon: *Message with findings*"
	}
	return "*Event*"
}

// headline is the one-line notification text of an event.
func headline(e model.ForwardEvent) string {
	s := "ccsync: " + what(e)
	if l := sevLabel(e.MaxSeverity()); l != "" {
		s += " · " + l
	}
	if who := person(e); who != "" {
		s += " · " + who
	}
	return s
}

func batchSummary(events []model.ForwardEvent) string {
	byType := map[string]int{}
	best := model.Severity("")
	for _, e := range events {
		byType[e.Type]++
		if s := e.MaxSeverity(); s.Rank() > best.Rank() {
			best = s
		}
	}
	var parts []string
	for _, t := range []string{"alert", "finding", "message"} {
		if n := byType[t]; n > 0 {
			parts = append(parts, plural(n, t))
		}
	}
	s := fmt.Sprintf("*ccsync* · %d events: %s", len(events), strings.Join(parts, ", "))
	if l := sevLabel(best); l != "" {
		s += " · highest " + l
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// person names the user an event is about: email, else name, else id.
func person(e model.ForwardEvent) string {
	for _, s := range []string{e.UserEmail, e.UserName, e.UserID} {
		if strings.TrimSpace(s) != "" {
			return Field(s, 100)
		}
	}
	if e.Alert != nil && e.Alert.User != "" {
		return Field(e.Alert.User, 100)
	}
	return ""
}

// typeCounts lists finding types by count, most first.
func typeCounts(e model.ForwardEvent) (string, int) {
	counts := e.Counts.ByType
	total := e.Counts.Findings
	if e.Alert != nil && len(e.Alert.ByType) > 0 {
		counts, total = e.Alert.ByType, e.Alert.Findings
	}
	if len(counts) == 0 {
		counts = map[string]int{}
		for _, f := range e.Findings {
			counts[f.Type]++
		}
	}
	if total == 0 {
		for _, n := range counts {
			total += n
		}
	}
	types := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var parts []string
	for i, t := range types {
		if i == maxTypes {
			parts = append(parts, fmt.Sprintf("+%d more", len(types)-maxTypes))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", Field(t, 64), counts[t]))
	}
	return strings.Join(parts, ", "), total
}

// section is the body of an event: what, severity, who, where, which
// findings with their masked previews. Lines are added while they fit.
func section(e model.ForwardEvent) string {
	var lines []string
	head := what(e)
	if l := sevLabel(e.MaxSeverity()); l != "" {
		head += " · " + l
	}
	lines = append(lines, head)
	if a := e.Alert; a != nil {
		switch who := person(e); {
		case a.GroupBy == model.AlertGroupConversation && e.Title != "":
			lines = append(lines, "Conversation: "+Field(e.Title, 150))
		case a.GroupBy == model.AlertGroupConversation || a.GroupBy == model.AlertGroupMessage:
			lines = append(lines, "Group ("+Field(a.GroupBy, 20)+"): "+Code(a.Group, 80))
		case who != "":
			lines = append(lines, "User: "+who)
		}
	} else if who := person(e); who != "" {
		lines = append(lines, "User: "+who)
	}
	if pm := joinNonEmpty(" · ", Field(e.Product, 60), Field(e.Model, 80)); pm != "" {
		lines = append(lines, "Product/model: "+pm)
	}
	if e.Alert == nil && e.Title != "" {
		lines = append(lines, "Conversation: "+Field(e.Title, 150))
	}
	if types, total := typeCounts(e); total > 0 || types != "" {
		l := "*" + plural(total, "finding") + "*"
		if types != "" {
			l += ": " + types
		}
		lines = append(lines, l)
	}
	if a := e.Alert; a != nil {
		if a.Suppressed > 0 {
			lines = append(lines, fmt.Sprintf("Also %d matching findings folded in during the quiet period", a.Suppressed))
		}
		if !a.FirstSeen.IsZero() && !a.LastSeen.IsZero() {
			lines = append(lines, "Seen "+stamp(a.FirstSeen)+" – "+stamp(a.LastSeen))
		}
	}
	n := 0
	for _, f := range e.Findings {
		p := Code(f.Preview, 120)
		if p == "" {
			continue
		}
		if n == maxPreviews {
			lines = append(lines, fmt.Sprintf("…and %d more", countPreviews(e.Findings)-maxPreviews))
			break
		}
		n++
		lines = append(lines, "• "+p+" ("+Field(f.Type, 64)+", "+Field(string(f.Severity), 10)+")")
	}
	return joinBounded(lines, MaxSectionText)
}

func countPreviews(fs []model.ForwardFinding) int {
	n := 0
	for _, f := range fs {
		if strings.TrimSpace(f.Preview) != "" {
			n++
		}
	}
	return n
}

// contextLine is the event's time, origin, id and link.
func contextLine(e model.ForwardEvent) string {
	t := e.Time
	if t.IsZero() {
		t = e.IngestedAt
	}
	parts := []string{stamp(t)}
	if e.Origin != "" && e.Origin != "sync" {
		parts = append(parts, "via "+Field(e.Origin, 20))
	}
	parts = append(parts, "id "+Code(e.ID, 80))
	if l := Link(e.Link, "View in ccsync"); l != "" {
		parts = append(parts, l)
	}
	return bound(strings.Join(parts, " · "), MaxSectionText)
}

// stamp shows t in the reader's time zone (Slack's date token) with a UTC
// fallback.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// joinBounded joins lines with newlines, dropping whole lines from the
// first that would pass max (so no entity, code span or link is cut).
func joinBounded(lines []string, max int) string {
	const more = "\n…"
	var b strings.Builder
	for i, l := range lines {
		if b.Len()+len(l)+1 > max-len(more) {
			if i == 0 {
				return bound(l, max)
			}
			b.WriteString(more)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// bound cuts an already escaped string to max bytes without splitting an
// entity, a <…> construct or a rune. Slack counts characters; bytes are
// never fewer.
func bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cutAt := max - len("…")
	for cutAt > 0 {
		if i := strings.LastIndexAny(s[:cutAt], "&<"); i >= 0 {
			if j := strings.IndexAny(s[i:], ";>"); j < 0 || i+j >= cutAt {
				cutAt = i // inside an entity or link: cut before it
				continue
			}
		}
		break
	}
	for cutAt > 0 && !isRuneStart(s[cutAt]) {
		cutAt--
	}
	return s[:cutAt] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
