package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a webhook delivery.
const (
	HeaderTimestamp = "X-Ccsync-Timestamp"
	HeaderSignature = "X-Ccsync-Signature"
	HeaderDelivery  = "X-Ccsync-Delivery"
)

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock before Verify calls it a replay.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: signature or timestamp header missing")
	ErrBadTimestamp = errors.New("webhook: timestamp outside the tolerance (replay or clock skew)")
	ErrBadSignature = errors.New("webhook: signature does not match")
)

// Sign returns the X-Ccsync-Signature value for body sent at ts (unix
// seconds): "v1=" and the lowercase hex HMAC-SHA256, keyed by secret, of
// "<ts>.<body>". Signing the timestamp with the body lets a receiver
// reject an old delivery replayed with a fresh timestamp header.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as a receiver should: the timestamp header is
// within tolerance of now (either way; 0 means DefaultTolerance) and one
// of the comma-separated v1= signatures in sigHeader matches the body,
// compared in constant time. body must be the raw request body, before
// any JSON decoding.
func Verify(secret, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	if tsHeader == "" || sigHeader == "" {
		return ErrNoSignature
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrBadTimestamp, tsHeader)
	}
	sent := time.Unix(ts, 0)
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return ErrBadTimestamp
	}
	want := []byte(Sign(secret, ts, body))
	for _, s := range strings.Split(sigHeader, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), want) {
			return nil
		}
	}
	return ErrBadSignature
}
