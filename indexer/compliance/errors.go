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
	// header is the response's, for the retry decision (retry-after,
	// x-should-retry, rate-limit headers); not part of the error's text.
	header http.Header
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
	case ErrKeyNotAccepted:
		return IsKeyNotFound(e)
	case ErrNotEnabled:
		return IsNotEnabled(e)
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
// accepted"; on newer endpoints it can mean the endpoint is not offered.
// An *APIError of that 404 matches it with errors.Is.
var ErrKeyNotAccepted = errors.New("the key was not accepted")

// ErrNotEnabled: 400 "Compliance API is not enabled for this organization".
// An *APIError of that 400 matches it with errors.Is.
var ErrNotEnabled = errors.New("compliance api not enabled for this organization")

// message is the error's message, lower-cased and trimmed, when err is an
// *APIError of status; ok false otherwise.
func message(err error, status int) (string, bool) {
	var e *APIError
	if !errors.As(err, &e) || e.Status != status {
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(e.Message)), true
}

// IsKeyNotFound reports the bare 404 "Not found" (with or without a final
// period) that a missing or wrong key, or an unknown path, gets, as opposed
// to a 404 naming a record ("File not found: …", "Local session not
// found.").
func IsKeyNotFound(err error) bool {
	m, ok := message(err, http.StatusNotFound)
	return ok && strings.TrimSuffix(m, ".") == "not found"
}

// IsNotEnabled reports the 400 that says the organisation has the
// Compliance API switched off: not a cursor error, so no cursor is dropped.
func IsNotEnabled(err error) bool {
	m, ok := message(err, http.StatusBadRequest)
	return ok && strings.Contains(m, "compliance api is not enabled")
}

// IsUnavailable reports the 404 "Local sessions are not available.": the
// feature is off for the whole parent organisation, perhaps for a while. It
// is not about a record, so nothing is marked deleted and queued ids are
// kept.
func IsUnavailable(err error) bool {
	m, ok := message(err, http.StatusNotFound)
	return ok && strings.Contains(m, "are not available")
}

// cursorMessages are the 400 messages that reject the cursor the caller
// sent (reference §3.4, §6, §8.2, and the Aug-21 wordings).
var cursorMessages = []string{
	"invalid pagination cursor",        // chats and chat messages
	"invalid activity_id format",       // Activity Feed
	"not a valid cursor",               // session page tokens
	"page cursor has expired",          // session message walks after 24 h
	"invalid `after_id`",               // Aug-21: "Invalid `after_id`. No activity found for …"
	"invalid `before_id`",              //
	"no activity found for `after_id`", //
	"no activity found for `before_id`",
	"invalid `page` token",              // directory endpoints (fake's wording)
	"issued for a different `order_by`", // a created_at cursor under updated_at
}

// cursorParams are the parameters whose validation message ("after_id:
// Input should …") means the cursor itself is malformed.
var cursorParams = []string{"after_id", "before_id", "page"}

// IsCursorError reports a 400 that rejects the cursor the caller sent, the
// only 400 after which a saved cursor may be dropped and the walk restarted.
// Anything else (unknown parameter, feature not enabled, a bad date, two
// cursors at once) is a fault the cursor did not cause, and dropping it would
// re-walk everything. Matching is on an allowlist of documented messages.
func IsCursorError(err error) bool {
	m, ok := message(err, http.StatusBadRequest)
	if !ok || strings.Contains(m, "unknown query parameter") || strings.Contains(m, "is not enabled") {
		return false
	}
	for _, s := range cursorMessages {
		if strings.Contains(m, s) {
			return true
		}
	}
	if param, rest, ok := strings.Cut(m, ":"); ok && strings.HasPrefix(strings.TrimSpace(rest), "input ") {
		for _, p := range cursorParams {
			if param == p {
				return true
			}
		}
	}
	return false
}

// IsGone reports a 404 about a record (chat, session, file, artifact): it
// was deleted upstream and retrying will not bring it back. Neither the key
// 404 nor the org-wide "not available" 404 is one.
func IsGone(err error) bool {
	_, ok := message(err, http.StatusNotFound)
	return ok && !IsKeyNotFound(err) && !IsUnavailable(err)
}
