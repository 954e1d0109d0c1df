package fakeapi

import (
	"fmt"
	"net/http"
	"strconv"
)

// ChatFault makes one chat's messages endpoint misbehave.
type ChatFault int

const (
	FaultNone ChatFault = iota
	// FaultNotFound answers 404 not_found_error, as for a chat hard-deleted
	// between listing and reading.
	FaultNotFound
	// FaultMalformed answers 200 with a content block that is not an object.
	FaultMalformed
	// FaultServerError answers 500 with x-should-retry: false.
	FaultServerError
	// FaultMalformedListing also breaks the chat's item in the chats list.
	FaultMalformedListing
	// FaultEchoKey answers 400 with an error quoting the request's key.
	FaultEchoKey
)

type faults struct {
	rateLimit  int // next n requests get 429
	retryAfter int
	server     int // next n requests get serverCode
	serverCode int
	chat       map[string]ChatFault
	echoKey    int // next n requests get echoStatus quoting the key sent
	echoStatus int
	echoText   bool // a text/plain body instead of the JSON error envelope
}

// RateLimitNext answers the next n authorised requests with 429 and
// retry-after: seconds (omitted when seconds < 0).
func (s *Server) RateLimitNext(n, seconds int) {
	s.mu.Lock()
	s.faults.rateLimit, s.faults.retryAfter = n, seconds
	s.mu.Unlock()
}

// FailNext answers the next n authorised requests with status (500, 503…).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	s.faults.server, s.faults.serverCode = n, status
	s.mu.Unlock()
}

// EchoKeyNext answers the next n requests, whatever key they carry, with
// status and an error that quotes the key sent (x-api-key or Authorization),
// as a careless upstream or proxy might. With text the body is plain text,
// not the JSON error envelope. Clients must never pass the key on.
func (s *Server) EchoKeyNext(n, status int, text bool) {
	s.mu.Lock()
	s.faults.echoKey, s.faults.echoStatus, s.faults.echoText = n, status, text
	s.mu.Unlock()
}

// echoedKey answers with a pending key-echo fault, if any.
func (s *Server) echoedKey(w http.ResponseWriter, r *http.Request) bool {
	if s.faults.echoKey <= 0 {
		return false
	}
	s.faults.echoKey--
	msg := echoMessage(r)
	if s.faults.echoText {
		w.Header().Set("content-type", "text/plain")
		w.WriteHeader(s.faults.echoStatus)
		_, _ = w.Write([]byte(msg))
		return true
	}
	s.fail(w, s.faults.echoStatus, "invalid_request_error", msg)
	return true
}

func echoMessage(r *http.Request) string {
	sent := r.Header.Get("x-api-key")
	if sent == "" {
		sent = r.Header.Get("authorization")
	}
	return fmt.Sprintf("Request with x-api-key %s was refused: key %q is not valid for this endpoint.", sent, sent)
}

// SetChatFault sets or clears (FaultNone) a fault on one chat.
func (s *Server) SetChatFault(chatID string, f ChatFault) {
	s.mu.Lock()
	if f == FaultNone {
		delete(s.faults.chat, chatID)
	} else {
		s.faults.chat[chatID] = f
	}
	s.mu.Unlock()
}

// injected answers with a pending request-level fault, if any.
func (s *Server) injected(w http.ResponseWriter) bool {
	switch {
	case s.faults.rateLimit > 0:
		s.faults.rateLimit--
		if s.faults.retryAfter >= 0 {
			w.Header().Set("retry-after", strconv.Itoa(s.faults.retryAfter))
		}
		w.Header().Set("anthropic-ratelimit-requests-remaining", "0")
		s.fail(w, http.StatusTooManyRequests, "rate_limit_error",
			"Compliance API rate limit of 600 requests per minute per parent organization has been exceeded.")
		return true
	case s.faults.server > 0:
		s.faults.server--
		typ := "api_error"
		if s.faults.serverCode == http.StatusServiceUnavailable || s.faults.serverCode == 529 {
			typ = "overloaded_error"
		}
		s.fail(w, s.faults.serverCode, typ, "Internal server error.")
		return true
	}
	return false
}
