// Package dest is what every forwarding destination implements: a Sender
// for one configured destination, and the errors that tell the delivery
// engine (package forward) whether to retry. Each kind lives in its own
// package beside this one (webhook, slack, syslog, hec, loki) and exports
// a Kind value; forward's table lists them.
package dest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ccsync/ccsync/model"
)

// Sender delivers events to one destination.
type Sender interface {
	// Send delivers events, oldest first, as one request where the
	// format allows (at most the Kind's MaxBatch). nil means the receiver
	// accepted every one; an error means it may have accepted none, some
	// or all, and the engine sends the whole batch again (receivers
	// deduplicate by event id). Errors must not contain the secret.
	Send(ctx context.Context, events []model.ForwardEvent) error
	// Close releases connections.
	Close() error
}

// Config is what a Sender is built from.
type Config struct {
	// Destination is the stored configuration with Secret decrypted.
	Destination model.Destination
	// HTTPClient is used by HTTP destinations; nil gets a client with a
	// 30 s timeout that trusts Destination.CACert besides system roots.
	HTTPClient *http.Client
	// Hostname names this ccsync in syslog and HEC events.
	Hostname string
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger
}

// Kind describes one destination kind.
type Kind struct {
	// Validate checks a destination of this kind before it is stored, with
	// the Secret as given (empty on an update that keeps the saved one);
	// errors name the field. It may fill defaults (a Format, a port).
	Validate func(d *model.Destination) error
	New      func(cfg Config) (Sender, error)
	MaxBatch int // events per Send
	// SecretRequired: the kind cannot work without a Secret.
	SecretRequired bool
}

// ErrInvalid marks a configuration error (wrap it and name the field).
var ErrInvalid = errors.New("invalid destination")

// permanentError is a failure retrying will not fix: the receiver refused
// the request itself (4xx other than timeouts and rate limits).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying soon.
func Permanent(err error) error { return &permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// RetryAfterError is a failure where the receiver said when to come back.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// CheckResponse turns an HTTP response into Send's error: nil for 2xx; a
// Permanent error for 4xx other than 408, 425 and 429; a RetryAfterError
// when the server sent Retry-After; otherwise a plain (retryable) error.
// It reads at most 512 bytes of the body into the message and closes it.
func CheckResponse(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err := fmt.Errorf("receiver answered %s: %s", resp.Status, strings.TrimSpace(printable(body)))
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, perr := strconv.Atoi(s); perr == nil && n >= 0 {
			return &RetryAfterError{After: time.Duration(min(n, 3600)) * time.Second, Err: err}
		}
	}
	switch c := resp.StatusCode; {
	case c == 408 || c == 425 || c == 429 || c >= 500:
		return err
	default:
		return Permanent(err)
	}
}

// printable keeps a receiver's error text readable and free of control
// characters before it lands in logs and the UI.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(b))
}
