package compliance

import (
	"bytes"
	"errors"
	"strings"

	"github.com/ccsync/ccsync/indexer/keystore"
)

// An upstream or a proxy in front of it may quote the request's key in an
// error body ("key sk-ant-… is not valid"). Client errors end up in the
// sync's stored summary, shown to auditors by GET /sync, and in the server
// log, so the client replaces its key with its hint before any error or log
// line leaves it.

func (c *Client) redact(s string) string {
	if c.cfg.Key == "" || !strings.Contains(s, c.cfg.Key) {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Key, keystore.Hint(c.cfg.Key))
}

func (c *Client) redactBytes(b []byte) []byte {
	if c.cfg.Key == "" || !bytes.Contains(b, []byte(c.cfg.Key)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(c.cfg.Key), []byte(keystore.Hint(c.cfg.Key)))
}

// redactErr returns err with the key replaced by its hint. An *APIError in
// the chain is scrubbed in place (apiError already scrubs what it builds);
// any other error quoting the key is wrapped so that its text is scrubbed
// while errors.Is and errors.As still see what it wraps.
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Message, ae.RequestID, ae.Type = c.redact(ae.Message), c.redact(ae.RequestID), c.redact(ae.Type)
	}
	msg := err.Error()
	if red := c.redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
