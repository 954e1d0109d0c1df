package alerts

import (
	"cmp"
	"slices"
	"time"

	"github.com/ccsync/ccsync/model"
)

// maxAlertMessages bounds Alert.Messages and the message ids state keeps.
const maxAlertMessages = 20

func stateKey(rule, group string) string { return keyState + rule + "\x00" + group }

// msgRef is a message counted into an alert and its creation time.
type msgRef struct {
	ID string `json:"i"`
	T  int64  `json:"t"` // unix ns
}

// addRef keeps refs newest first, without repeats, at most maxAlertMessages.
func addRef(refs []msgRef, id string, t int64) []msgRef {
	if slices.ContainsFunc(refs, func(r msgRef) bool { return r.ID == id }) {
		return refs
	}
	refs = append(refs, msgRef{id, t})
	slices.SortStableFunc(refs, func(a, b msgRef) int { return cmp.Or(cmp.Compare(b.T, a.T), cmp.Compare(a.ID, b.ID)) })
	if len(refs) > maxAlertMessages {
		refs = refs[:maxAlertMessages]
	}
	return refs
}

// summary is what an alert reports about the findings counted into it.
type summary struct {
	Findings int            `json:"f,omitempty"`
	ByType   map[string]int `json:"y,omitempty"`
	Max      model.Severity `json:"s,omitempty"`
	First    int64          `json:"a,omitempty"` // unix ns of the earliest message creation
	Last     int64          `json:"b,omitempty"`
	Msgs     []msgRef       `json:"m,omitempty"`
}

func (s *summary) count(typ string, sev model.Severity, n int, t int64) {
	if s.ByType == nil {
		s.ByType = map[string]int{}
	}
	s.Findings += n
	s.ByType[typ] += n
	if sev.Rank() > s.Max.Rank() {
		s.Max = sev
	}
	if s.First == 0 || t < s.First {
		s.First = t
	}
	if t > s.Last {
		s.Last = t
	}
}

// add counts the findings fs of message id, created at t.
func (s *summary) add(id string, t int64, fs []model.Finding) {
	for _, f := range fs {
		s.count(f.Type, f.Severity, 1, t)
	}
	s.Msgs = addRef(s.Msgs, id, t)
}

func (s *summary) merge(o summary) {
	if o.Findings == 0 {
		return
	}
	if s.ByType == nil {
		s.ByType = map[string]int{}
	}
	s.Findings += o.Findings
	for typ, n := range o.ByType {
		s.ByType[typ] += n
	}
	if o.Max.Rank() > s.Max.Rank() {
		s.Max = o.Max
	}
	if o.First != 0 && (s.First == 0 || o.First < s.First) {
		s.First = o.First
	}
	s.Last = max(s.Last, o.Last)
	for _, r := range o.Msgs {
		s.Msgs = addRef(s.Msgs, r.ID, r.T)
	}
}

// fill sets an alert's counts from s.
func (s *summary) fill(a *model.Alert) {
	a.Findings, a.ByType, a.MaxSeverity = s.Findings, s.ByType, s.Max
	if a.ByType == nil {
		a.ByType = map[string]int{}
	}
	if s.First != 0 {
		a.FirstSeen = time.Unix(0, s.First).UTC()
	}
	if s.Last != 0 {
		a.LastSeen = time.Unix(0, s.Last).UTC()
	}
	a.Messages = nil
	for _, r := range s.Msgs {
		a.Messages = append(a.Messages, r.ID)
	}
}

// windowEntry is n matching findings of one type and severity whose
// messages were created at T.
type windowEntry struct {
	T   int64          `json:"t"` // unix ns
	Typ string         `json:"y"`
	Sev model.Severity `json:"s,omitempty"`
	N   int            `json:"n"`
}

// groupState is one rule's state for one group.
type groupState struct {
	// Window holds, for threshold rules, the newest matching findings not
	// yet alerted on (at most Threshold once an entry is evaluated),
	// sorted by T; WinMsgs the newest messages they came from.
	Window  []windowEntry `json:"w,omitempty"`
	WinMsgs []msgRef      `json:"wm,omitempty"`
	// QuietFrom is the ingest time (unix ns) of the entry that fired the
	// group's last alert, while its quiet period may last.
	QuietFrom int64 `json:"q,omitempty"`
	// Suppressed matches since then, and their findings, for the next alert.
	Suppressed int     `json:"n,omitempty"`
	Folded     summary `json:"f"`
}

func (st *groupState) empty() bool {
	return len(st.Window) == 0 && st.QuietFrom == 0 && st.Suppressed == 0 && st.Folded.Findings == 0
}

// size estimates the encoded size, to bound an UpdateMeta.
func (st *groupState) size() int {
	return 128 + 48*len(st.Window) + 40*(len(st.WinMsgs)+len(st.Folded.Msgs)) + 24*len(st.Folded.ByType)
}

// addWindow adds findings fs of message id, created at t, to the window.
func (st *groupState) addWindow(id string, t int64, fs []model.Finding) {
	for _, f := range fs {
		e := windowEntry{T: t, Typ: f.Type, Sev: f.Severity, N: 1}
		i, found := slices.BinarySearchFunc(st.Window, e, cmpEntry)
		if found {
			st.Window[i].N++
		} else {
			st.Window = slices.Insert(st.Window, i, e)
		}
	}
	st.WinMsgs = addRef(st.WinMsgs, id, t)
}

func cmpEntry(a, b windowEntry) int {
	return cmp.Or(cmp.Compare(a.T, b.T), cmp.Compare(a.Typ, b.Typ), cmp.Compare(a.Sev, b.Sev))
}

// maxWindowEntries bounds a window's distinct (time, type, severity)
// entries, so that one group's state fits an UpdateMeta whatever the
// threshold: past it, creation times are rounded down to ever coarser
// steps, which only a window of more than that many messages sees.
const maxWindowEntries = 8192

func (st *groupState) compact() {
	if len(st.Window) <= maxWindowEntries {
		return
	}
	// Down to half, so that compaction is rare.
	for _, step := range []time.Duration{time.Second, time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour} {
		if len(st.Window) <= maxWindowEntries/2 {
			return
		}
		g := int64(step)
		for i := range st.Window {
			t := st.Window[i].T
			st.Window[i].T = t - ((t%g)+g)%g // floor, also before 1970
		}
		slices.SortStableFunc(st.Window, cmpEntry)
		out := st.Window[:0]
		for _, e := range st.Window {
			if n := len(out); n > 0 && cmpEntry(out[n-1], e) == 0 {
				out[n-1].N += e.N
				continue
			}
			out = append(out, e)
		}
		st.Window = slices.Clip(out)
	}
}

// cross looks for more than n findings created within w of each other.
// When there are, it returns their summary and empties the window;
// otherwise it keeps only the newest n findings.
func (st *groupState) cross(n int, w int64) (summary, bool) {
	sum, i := 0, 0
	for j := range st.Window {
		sum += st.Window[j].N
		for st.Window[j].T-st.Window[i].T > w {
			sum -= st.Window[i].N
			i++
		}
		if sum <= n {
			continue
		}
		// Take in the rest of the window that starts at i.
		for j+1 < len(st.Window) && st.Window[j+1].T-st.Window[i].T <= w {
			j++
		}
		var s summary
		for _, e := range st.Window[i : j+1] {
			s.count(e.Typ, e.Sev, e.N, e.T)
		}
		for _, r := range st.WinMsgs {
			if r.T >= s.First && r.T <= s.Last {
				s.Msgs = addRef(s.Msgs, r.ID, r.T)
			}
		}
		st.Window, st.WinMsgs = nil, nil
		return s, true
	}
	// Keep the newest n findings, so state stays bounded: a window of
	// more than n needs the newest ones anyway unless history older than
	// them arrives later, which is then counted with what is kept.
	keep, k := 0, len(st.Window)
	for k > 0 && keep+st.Window[k-1].N <= n {
		k--
		keep += st.Window[k].N
	}
	if k > 0 && keep < n {
		k--
		st.Window[k].N = n - keep
	}
	if k > 0 {
		st.Window = slices.Delete(st.Window, 0, k)
	}
	st.compact()
	if len(st.Window) == 0 {
		st.Window, st.WinMsgs = nil, nil
	} else {
		oldest := st.Window[0].T
		st.WinMsgs = slices.DeleteFunc(st.WinMsgs, func(r msgRef) bool { return r.T < oldest })
	}
	return summary{}, false
}
