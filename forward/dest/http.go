package dest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UserAgent is sent by every HTTP destination.
const UserAgent = "ccsync"

// Timeouts of the client HTTP destinations build for themselves.
const (
	HTTPTimeout = 30 * time.Second // a whole request, body included
	DialTimeout = 10 * time.Second
)

// CheckURL validates an endpoint URL of an HTTP destination: http or https,
// a host, no user:password (credentials go in the Secret, which is
// encrypted; a URL is stored and shown in clear) and no fragment. The
// error names field and never quotes the URL, which may carry a token in
// its query.
func CheckURL(field, raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%w: %s: required", ErrInvalid, field)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's message quotes the URL: keep only that it failed.
		return nil, fmt.Errorf("%w: %s: not a valid URL", ErrInvalid, field)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: %s: scheme must be http or https", ErrInvalid, field)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: %s: host missing", ErrInvalid, field)
	case u.User != nil:
		return nil, fmt.Errorf("%w: %s: must not contain user:password (put credentials in the secret)", ErrInvalid, field)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%w: %s: must not contain a #fragment", ErrInvalid, field)
	case strings.ContainsAny(raw, " \t\r\n"):
		return nil, fmt.Errorf("%w: %s: must not contain spaces", ErrInvalid, field)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: %s: bad port", ErrInvalid, field)
		}
	}
	return u, nil
}

// CheckTLS validates ca_cert (PEM with at least one certificate) and
// server_name of d's TLS settings.
func CheckTLS(caCert, serverName string) error {
	if caCert != "" {
		if _, err := certPool(caCert); err != nil {
			return err
		}
	}
	if serverName != "" && (strings.ContainsAny(serverName, " /:@\t\r\n") || len(serverName) > 253) {
		return fmt.Errorf("%w: server_name: not a host name", ErrInvalid)
	}
	return nil
}

// CheckHeaderValue rejects a secret that cannot travel in an HTTP header
// (net/http would refuse it at send time with a less helpful error).
func CheckHeaderValue(field, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: %s: contains control characters", ErrInvalid, field)
		}
	}
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("%w: %s: has leading or trailing spaces", ErrInvalid, field)
	}
	return nil
}

// certPool is the system roots plus the PEM bundle.
func certPool(pemData string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	extra := x509.NewCertPool()
	if !extra.AppendCertsFromPEM([]byte(pemData)) {
		return nil, fmt.Errorf("%w: ca_cert: no PEM certificate found", ErrInvalid)
	}
	pool.AppendCertsFromPEM([]byte(pemData))
	return pool, nil
}

// HTTP posts to one destination's endpoint. It is shared by the HTTP
// kinds so they build clients, trust CAs and keep secrets out of errors
// the same way.
type HTTP struct {
	Client *http.Client
	own    bool
	label  string   // how errors name the endpoint
	redact []string // strings never to appear in errors
}

// NewHTTP returns cfg.HTTPClient, or a client with HTTPTimeout that
// trusts the destination's CACert besides the system roots, checks
// ServerName when set and does not follow redirects (a redirect would
// carry the request, and its credentials, somewhere not configured; the
// 3xx comes back as a permanent error instead). label names the endpoint
// in errors (never the secret); redact lists strings to scrub from errors
// (the secret, authorisation header values, a secret URL).
func NewHTTP(cfg Config, label string, redact ...string) (*HTTP, error) {
	h := &HTTP{Client: cfg.HTTPClient, label: label}
	for _, s := range redact {
		if len(s) >= 3 {
			h.redact = append(h.redact, s)
		}
	}
	if h.Client != nil {
		return h, nil
	}
	d := cfg.Destination
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: d.ServerName}
	if d.CACert != "" {
		pool, err := certPool(d.CACert)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: HTTPTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	h.Client = &http.Client{
		Transport: tr,
		Timeout:   HTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	h.own = true
	return h, nil
}

// Post sends body to u with the headers given (User-Agent added) and
// returns the response for the caller to check (CheckResponse). Transport
// errors name the endpoint by label, not by URL.
func (h *HTTP) Post(ctx context.Context, u string, header http.Header, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, h.Redact(fmt.Errorf("post to %s: %w", h.label, stripURL(err)))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, h.Redact(fmt.Errorf("post to %s: %w", h.label, stripURL(err)))
	}
	return resp, nil
}

// Close drops idle connections of a client NewHTTP built.
func (h *HTTP) Close() error {
	if h.own {
		h.Client.CloseIdleConnections()
	}
	return nil
}

// stripURL drops the URL net/http puts in its errors ("Post \"https://…\": …").
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Redact scrubs the destination's secrets from err's message, keeping
// what the engine classifies by (Permanent, RetryAfterError, context
// errors). err is returned unchanged when it holds no secret.
func (h *HTTP) Redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range h.redact {
		clean = strings.ReplaceAll(clean, s, "[redacted]")
	}
	if clean == msg {
		return err
	}
	base := &redactedError{msg: clean}
	switch {
	case errors.Is(err, context.Canceled):
		base.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		base.cause = context.DeadlineExceeded
	}
	var ra *RetryAfterError
	switch {
	case errors.As(err, &ra):
		return &RetryAfterError{After: ra.After, Err: base}
	case IsPermanent(err):
		return Permanent(base)
	}
	return base
}

// redactedError is an error whose message had a secret removed; it
// unwraps only to a context error, never to the original text.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
