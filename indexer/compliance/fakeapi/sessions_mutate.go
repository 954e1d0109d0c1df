package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// sessionState holds the session endpoints' injected faults.
type sessionState struct {
	localOff  bool                    // every local call answers 404 "Local sessions are not available."
	listFault SessionFault            // a 503 on the local list
	fault     map[string]SessionFault // by session id
}

// SetSessionFault sets or clears (SessFaultNone) a fault on one local or
// remote session.
func (s *Server) SetSessionFault(id string, f SessionFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess.fault == nil {
		s.sess.fault = map[string]SessionFault{}
	}
	if f == SessFaultNone {
		delete(s.sess.fault, id)
	} else {
		s.sess.fault[id] = f
	}
}

// SetLocalListFault makes the local sessions list answer one of the 503s
// (SessFaultIndex503, SessFaultRetention503) until cleared.
func (s *Server) SetLocalListFault(f SessionFault) {
	s.mu.Lock()
	s.sess.listFault = f
	s.mu.Unlock()
}

// SetLocalSessionsUnavailable switches the org-wide 404 "Local sessions are
// not available." on or off (it can be temporary, §3.4).
func (s *Server) SetLocalSessionsUnavailable(off bool) {
	s.mu.Lock()
	s.sess.localOff = off
	s.mu.Unlock()
}

func (s *Server) later(t time.Time) time.Time {
	n := micro(s.opts.Now())
	if !n.After(t) {
		n = t.Add(time.Microsecond)
	}
	return n
}

// AppendSessionTurns adds n turns (a user prompt, then alternating
// assistant / tool-result turns) to a local or remote session, bumping its
// updated_at, and returns the new message ids.
func (s *Server) AppendSessionTurns(id string, n int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := rand.New(rand.NewPCG(uint64(n), uint64(len(id)+int(s.opts.Now().UnixNano()%1e6))))
	var ids []string
	if l := s.org.LocalSession(id); l != nil {
		t := s.later(l.UpdatedAt)
		next := 0
		if k := len(l.Messages); k > 0 {
			next = l.Messages[k-1].Ord + 1
		}
		for i := 0; i < n; i++ {
			m := LocalMessage{ID: tagged(r, "clsm_"), Ord: next + i, CreatedAt: t}
			switch i % 3 {
			case 0:
				m.Role, m.Content = "user", []Block{{Type: "text", Text: fmt.Sprintf("Follow-up %d: also check the logs", next+i)}}
			case 1:
				m.Role, m.Model = "assistant", sessionModels[0]
				m.Content = []Block{{Type: "tool_use", ToolID: fmt.Sprintf("toolu_01app%d", next+i), Name: "Bash", Input: jsonInput("command", "tail -n 20 /var/log/app.log")}}
			default:
				m.Role = "user"
				m.Content = []Block{{Type: "tool_result", ToolID: fmt.Sprintf("toolu_01app%d", next+i-1), Name: "Bash", ResultText: []string{"INFO started\nINFO ready"}}}
			}
			l.Messages = append(l.Messages, m)
			ids = append(ids, m.ID)
		}
		l.UpdatedAt = t
		return ids, nil
	}
	if rs := s.org.RemoteSession(id); rs != nil {
		t := s.later(rs.UpdatedAt)
		next := 0
		if k := len(rs.Messages); k > 0 {
			next = rs.Messages[k-1].Ord + 1
		}
		for i := 0; i < n; i++ {
			role := []string{"user", "assistant"}[i%2]
			m := RemoteMessage{ID: tagged(r, "csev_"), Ord: next + i, Role: role, CreatedAt: t,
				Content: []Block{{Type: "text", Text: fmt.Sprintf("Remote turn %d", next+i)}}}
			rs.Messages = append(rs.Messages, m)
			ids = append(ids, m.ID)
		}
		rs.UpdatedAt = t
		return ids, nil
	}
	return nil, fmt.Errorf("fakeapi: no session %s", id)
}

// AgeOutSession drops the n oldest turns of a local session, as retention
// does: created_at moves forward to the earliest retained call. Dropping
// every turn makes the session vanish (404, not listed).
func (s *Server) AgeOutSession(id string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.org.LocalSession(id)
	if l == nil {
		return fmt.Errorf("fakeapi: no local session %s", id)
	}
	n = min(n, len(l.Messages))
	l.Messages = append([]LocalMessage(nil), l.Messages[n:]...)
	if len(l.Messages) > 0 {
		l.CreatedAt = l.Messages[0].CreatedAt
	}
	return nil
}

// DeleteRemoteSession removes a remote session as its user can since late
// September 2026: it is no longer listed and its messages answer 404.
func (s *Server) DeleteRemoteSession(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, rs := range s.org.Remote {
		if rs.ID == id {
			s.org.Remote = append(s.org.Remote[:i], s.org.Remote[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("fakeapi: no remote session %s", id)
}

// SetRemoteStatus changes a remote session's status (a pending session
// starting, an active one archived), bumping updated_at.
func (s *Server) SetRemoteStatus(id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.org.RemoteSession(id)
	if rs == nil {
		return fmt.Errorf("fakeapi: no remote session %s", id)
	}
	rs.Status = status
	rs.UpdatedAt = s.later(rs.UpdatedAt)
	return nil
}

// Sessions returns deep copies of the local and remote sessions as served.
func (s *Server) Sessions() (local []*LocalSession, remote []*RemoteSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.org.Local {
		c := *l
		c.Messages = append([]LocalMessage(nil), l.Messages...)
		local = append(local, &c)
	}
	for _, r := range s.org.Remote {
		c := *r
		c.Messages = append([]RemoteMessage(nil), r.Messages...)
		remote = append(remote, &c)
	}
	return local, remote
}

// SessionPlants returns the values planted in session transcripts.
func (o *Org) SessionPlants() []Plant {
	var out []Plant
	for _, p := range o.Planted {
		if strings.HasPrefix(p.ChatID, "clls_") || strings.HasPrefix(p.ChatID, "cse_") {
			out = append(out, p)
		}
	}
	return out
}
