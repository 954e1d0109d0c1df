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
	disabled   bool // the organisation has the Compliance API switched off
	byRecord   map[faultKey]*Fault
}

type faultKey struct{ family, id string }

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
		s.fail(w, http.StatusTooManyRequests, "rate_limit_error", fmt.Sprintf(msgRateLimit, s.opts.RequestsPerMinute))
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

// SetEnabled switches the organisation's Compliance API on or off. While it
// is off every request with an accepted key gets 400 "Compliance API is not
// enabled for this organization" (reference §8.2), before the quota: the
// reference does not say the refusal costs a unit, and it is refused as
// early as an auth failure.
func (s *Server) SetEnabled(on bool) {
	s.mu.Lock()
	s.faults.disabled = !on
	s.mu.Unlock()
}

// Fault is a canned failure for one record of an endpoint family (a chat,
// session, file…) or, with id "", for the whole family. Families are the
// route families (Family* constants). With Status set the server answers it
// before the family's handler runs; with Status 0 only the family's handler
// gives Kind a meaning (a malformed body, a cut stream…), through faultFor.
type Fault struct {
	Kind    string // family-specific behaviour; "" when Status says it all
	Status  int
	Type    string // error.type; default from Status
	Message string
	Header  map[string]string // extra response headers (retry-after, x-should-retry)
	// Times answers the fault this many times, then clears it; 0 = until
	// cleared.
	Times int
}

// SetFault installs f on family/id ("" = every record of the family);
// ClearFault removes it.
func (s *Server) SetFault(family, id string, f Fault) {
	s.mu.Lock()
	if s.faults.byRecord == nil {
		s.faults.byRecord = map[faultKey]*Fault{}
	}
	s.faults.byRecord[faultKey{family, id}] = &f
	s.mu.Unlock()
}

// ClearFault removes a fault set with SetFault.
func (s *Server) ClearFault(family, id string) {
	s.mu.Lock()
	delete(s.faults.byRecord, faultKey{family, id})
	s.mu.Unlock()
}

// faultFor returns the fault for a record of family (the record's own, else
// the family's) and counts one use of it. Handlers of Kind faults call it
// once per request with the id from the path; status faults never reach
// them (ServeHTTP answers those). The caller holds s.mu.
func (s *Server) faultFor(family, id string) (Fault, bool) {
	f, k := s.lookupFault(family, id)
	if f == nil {
		return Fault{}, false
	}
	s.useFault(f, k)
	return *f, true
}

func (s *Server) lookupFault(family, id string) (*Fault, faultKey) {
	for _, k := range []faultKey{{family, id}, {family, ""}} {
		if f, ok := s.faults.byRecord[k]; ok {
			return f, k
		}
	}
	return nil, faultKey{}
}

func (s *Server) useFault(f *Fault, k faultKey) {
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			delete(s.faults.byRecord, k)
		}
	}
}

// statusFault answers a status fault on family/id, if one is set, and
// reports whether it did; Kind faults are left for the handler.
func (s *Server) statusFault(w http.ResponseWriter, family, id string) bool {
	f, k := s.lookupFault(family, id)
	if f == nil || f.Status == 0 {
		return false
	}
	s.useFault(f, k)
	return s.serveFault(w, *f)
}

// serveFault answers f when it is a status fault and reports whether it did.
func (s *Server) serveFault(w http.ResponseWriter, f Fault) bool {
	if f.Status == 0 {
		return false
	}
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	typ := f.Type
	if typ == "" {
		typ = errorType(f.Status)
	}
	s.fail(w, f.Status, typ, f.Message)
	return true
}

// errorType is the error.type the API pairs with a status.
func errorType(status int) string {
	switch {
	case status == http.StatusBadRequest, status == http.StatusConflict:
		return "invalid_request_error"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusServiceUnavailable, status == 529:
		return "overloaded_error"
	}
	return "api_error"
}
