package dest

import (
	"maps"

	"github.com/ccsync/ccsync/model"
)

// Anonymize keeps what an anonymous destination may receive: the event's
// id, type, times and origin, its counts, and each finding's type and
// severity; no content, preview, title, link, user or message identity
// and no alert details (a rule's group is a user or conversation id).
// Senders apply it themselves when Destination.Anonymous is set, so a
// caller that forgot to strip an event cannot leak it.
func Anonymize(e model.ForwardEvent) model.ForwardEvent {
	out := model.ForwardEvent{
		ID:         e.ID,
		Type:       e.Type,
		Time:       e.Time,
		IngestedAt: e.IngestedAt,
		Origin:     e.Origin,
		Anonymous:  true,
		Counts: model.ForwardCounts{
			Findings:   e.Counts.Findings,
			ByType:     maps.Clone(e.Counts.ByType),
			BySeverity: maps.Clone(e.Counts.BySeverity),
		},
	}
	if len(e.Findings) > 0 {
		out.Findings = make([]model.ForwardFinding, len(e.Findings))
		for i, f := range e.Findings {
			out.Findings[i] = model.ForwardFinding{Type: f.Type, Severity: f.Severity}
		}
	}
	return out
}

// Prepare returns the events as d may receive them: anonymized when d is
// anonymous, else as given.
func Prepare(d model.Destination, events []model.ForwardEvent) []model.ForwardEvent {
	if !d.Anonymous {
		return events
	}
	out := make([]model.ForwardEvent, len(events))
	for i, e := range events {
		out[i] = Anonymize(e)
	}
	return out
}
