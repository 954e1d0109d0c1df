package sessions

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

var (
	// errForbidden: the key lacks the scope the session endpoints need.
	errForbidden = errors.New("the key may not read sessions (scope read:compliance_user_data or read:org_audit needed)")
	// errUnavailable: the API says local sessions are not offered to this
	// organisation (possibly for now); cursors are kept.
	errUnavailable = errors.New("local sessions are not available to this organization")
	// errCapped: the stream read its hourly number of sessions; the walk's
	// saved position is where the next run goes on.
	errCapped = errors.New("hourly session cap reached")
)

// outcome is what a failed call means for the stream.
type outcome int

const (
	outSkip        outcome = iota // record a failure, go on, retry next run
	outGone                       // the session is gone upstream: mark it deleted
	outCursor                     // the page token was refused or expired: restart that walk
	outUnavailable                // 404 "Local sessions are not available."
	outForbidden                  // 403
	outStop                       // 401: no stream can go on
)

func apiMessage(err error) (int, string) {
	var e *compliance.APIError
	if errors.As(err, &e) {
		return e.Status, e.Message
	}
	return 0, ""
}

func classify(err error) outcome {
	status, msg := apiMessage(err)
	switch {
	case status == http.StatusUnauthorized:
		return outStop
	case status == http.StatusForbidden:
		return outForbidden
	case status == http.StatusNotFound && strings.Contains(strings.ToLower(msg), "not available"):
		return outUnavailable
	case compliance.IsKeyNotFound(err):
		// On these newer paths the bare 404 means the endpoints are not
		// offered here; the chat preflight is what tells a refused key.
		return outUnavailable
	case compliance.IsGone(err):
		return outGone
	case compliance.IsCursorError(err):
		return outCursor
	}
	// 503s (index, CMEK, retention overrides), other 5xx, decode errors:
	// skip the session this run, never hold the stream for minutes.
	return outSkip
}

// fatal turns a whole-stream outcome into the error Run understands.
func fatal(o outcome, err error) error {
	switch o {
	case outStop:
		return fmt.Errorf("%w: %w", stream.ErrStop, err)
	case outForbidden:
		_, msg := apiMessage(err)
		return fmt.Errorf("%w: %s", errForbidden, msg)
	case outUnavailable:
		return fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return nil
}
