package alerts

import (
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

func TestWindowStaysBoundedForHugeThresholds(t *testing.T) {
	var st groupState
	types := []string{"email", "ssn", "jwt"}
	const msgs = 30000
	for i := range msgs {
		t := t0.Add(time.Duration(i) * 10 * time.Second).UnixNano()
		st.addWindow(itoa(i), t, []model.Finding{{Type: types[i%3], Severity: model.SeverityHigh}})
		if _, crossed := st.cross(100000, int64(7*24*time.Hour)); crossed {
			break
		}
	}
	n := 0
	for _, e := range st.Window {
		n += e.N
	}
	if n != msgs {
		t.Errorf("window counts %d findings, want %d", n, msgs)
	}
	raw, _ := json.Marshal(&st)
	if len(st.Window) > maxWindowEntries || len(raw) > 512<<10 {
		t.Errorf("%d window entries, %d bytes encoded", len(st.Window), len(raw))
	}
	// Crossing still works on the compacted window.
	st.addWindow("last", t0.Add(msgs*10*time.Second).UnixNano(), make([]model.Finding, 70001))
	if s, crossed := st.cross(100000, int64(7*24*time.Hour)); !crossed || s.Findings != msgs+70001 {
		t.Errorf("crossed %v with %d findings", crossed, s.Findings)
	}
}
