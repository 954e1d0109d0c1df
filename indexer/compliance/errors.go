package compliance

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors; an *APIError matches the one for its status with errors.Is.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
	// ErrDecode means a 2xx response body could not be parsed.
	ErrDecode = errors.New("malformed response")
)

// APIError is a non-2xx response. Type and Message come from the API's error
// body; callers match on Status and Type, never on Message.
type APIError struct {
	Method    string
	Path      string // URL path only: queries carry cursors, not secrets, but stay out of logs
	Status    int
	Type      string
	Message   string
	RequestID string
	// Attempts is how many times the request was sent before giving up.
	Attempts int
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("compliance api: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Type != "" {
		s += " " + e.Type
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return s
}

// Is maps the status to the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

// errorBody is both documented error envelopes: {"error":{...}} and the
// platform-wide {"type":"error","error":{...},"request_id":"..."}.
type errorBody struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// ErrKeyNotAccepted: since late 2026 a missing key, a key of the wrong kind
// and an unknown path all answer 404 with the bare message "Not found"
// (reference §8.2). Only the chat preflight reads it as "the key was not
// accepted"; on newer endpoints it can mean the endpoint is not available.
var ErrKeyNotAccepted = errors.New("the key was not accepted")

// ErrNotEnabled: 400 "Compliance API is not enabled for this organization".
var ErrNotEnabled = errors.New("compliance api not enabled for this organization")

// IsKeyNotFound reports the bare 404 "Not found" that a missing or wrong key
// gets, as opposed to a 404 naming a record.
func IsKeyNotFound(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.Status != http.StatusNotFound {
		return false
	}
	m := strings.TrimSuffix(strings.TrimSpace(e.Message), ".")
	return strings.EqualFold(m, "not found")
}

// IsNotEnabled reports the 400 that says the organisation has the
// Compliance API switched off: not a cursor error, so no cursor is dropped.
func IsNotEnabled(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(e.Message), "not enabled")
}

// IsCursorError reports a 400 that rejects the cursor the caller sent, the
// only 400 after which a saved cursor may be dropped and the walk restarted.
// Anything else (unknown parameter, feature not enabled, a bad date) is a
// fault the cursor did not cause, and dropping it would re-walk everything.
func IsCursorError(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(e.Message)
	if strings.Contains(m, "unknown query parameter") || strings.Contains(m, "not enabled") {
		return false
	}
	for _, s := range []string{"pagination cursor", "invalid activity_id", "not a valid cursor", "page cursor has expired", "after_id", "before_id", "cursor"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// IsGone reports a 404 about a record (chat, session, file): it was deleted
// upstream and retrying will not bring it back. The key 404 is not one.
func IsGone(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound && !IsKeyNotFound(err)
}
