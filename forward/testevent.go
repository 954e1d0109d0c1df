package forward

import (
	"strconv"
	"time"

	"github.com/ccsync/ccsync/model"
)

// ForwardEvent is model.ForwardEvent, named here for brevity.
type ForwardEvent = model.ForwardEvent

// testEvent is what "test send" delivers: an event of the destination's
// stream, marked as a test (Origin "test"), with no real data in it.
func testEvent(inst string, d *model.Destination, now time.Time) ForwardEvent {
	f := model.ForwardFinding{Type: "aws_access_key", Severity: model.SeverityCritical, Rule: "test", Preview: "AKIA…TEST"}
	ev := ForwardEvent{ID: inst + "-test-" + strconv.FormatInt(now.UnixNano(), 10), Time: now, IngestedAt: now, Origin: "test",
		MessageID: "test-message", ConversationID: "test-conversation", UserEmail: "test@example.invalid", UserName: "ccsync test",
		Findings: []model.ForwardFinding{f}, Counts: countFindings([]model.Finding{{Type: f.Type, Severity: f.Severity}})}
	switch d.Stream {
	case model.StreamAlerts:
		ev.Type = "alert"
		ev.Alert = &model.Alert{ID: "test", RuleName: "ccsync test alert", GroupBy: model.AlertGroupUser, Group: "test-user",
			FiredAt: now, FirstSeen: now, LastSeen: now, Findings: 1, ByType: map[string]int{f.Type: 1}, MaxSeverity: f.Severity,
			Messages: []string{"test-message"}, Origin: "test"}
	case model.StreamMessages:
		ev.Type, ev.Text = "message", "ccsync test message: "+f.Preview
	default:
		ev.Type = "finding"
	}
	if d.Anonymous {
		ev = anonymize(ev)
	}
	return ev
}
