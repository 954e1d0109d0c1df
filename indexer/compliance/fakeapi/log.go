package fakeapi

import "time"

// Logged is one request the server answered, for the Activity Feed's
// compliance_api_accessed events and for tests that count requests per
// minute.
type Logged struct {
	Time      time.Time
	KeyID     string
	Method    string
	Path      string
	Query     string
	Status    int
	RequestID string
	RemoteIP  string
	UserAgent string
}

// Log returns every request logged so far, oldest first.
func (s *Server) Log() []Logged {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Logged(nil), s.logged...)
}
