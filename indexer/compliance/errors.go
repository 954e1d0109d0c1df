package compliance

import (
	"errors"
	"fmt"
	"net/http"
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
