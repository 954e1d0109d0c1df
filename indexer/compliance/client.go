package compliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
)

// DefaultBaseURL is the Compliance API host.
const DefaultBaseURL = "https://api.anthropic.com"

// Config configures a Client. Zero values pick the documented defaults.
type Config struct {
	BaseURL string // default DefaultBaseURL
	Key     string // compliance access key, sent as x-api-key
	// HTTPClient defaults to a client without an overall timeout: Timeout
	// bounds each attempt instead, so a long backoff is not cut short.
	HTTPClient *http.Client
	Timeout    time.Duration // per attempt; default 60 s
	// RequestsPerMinute is the client-side budget; default 550, under the
	// documented 600/min per organisation so other tools sharing the key's
	// organisation are not starved.
	RequestsPerMinute int
	// Budget, when set, is shared with other clients (every stream of a
	// sync) and RequestsPerMinute is ignored.
	Budget *Budget
	// OnResponse is called after every response received, so a caller can
	// remember the request ids it caused (the Activity Feed logs each call).
	OnResponse func(Response)
	// MaxRetries bounds retries of 5xx and timeouts (default 8: 1 s doubling
	// to 60 s is about 3 minutes), and separately of 429s (default 20).
	MaxRetries          int
	MaxRateLimitRetries int
	BackoffInitial      time.Duration // default 1 s
	BackoffMax          time.Duration // default 60 s
	// ToolUseInputMaxChars and ToolResultMaxChars are sent to the messages
	// endpoint; 0 means -1 (no truncation), unlike the API's 10,000 default,
	// because truncated tool input hides exactly what an audit looks for.
	ToolUseInputMaxChars int
	ToolResultMaxChars   int
	Logger               *slog.Logger
	// Now and Sleep are the clock; tests inject them so backoffs are instant.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// OnWait is called before every wait the client makes (rate limit,
	// backoff, budget), so a caller can report progress as "waiting".
	OnWait func(reason string, d time.Duration)
}

// Client talks to the Compliance API. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   *url.URL
	hc     *http.Client
	budget *Budget
	log    *slog.Logger
	stats  *counters
}

type counters struct {
	requests, rateLimited, retries, waits atomic.Int64
}

// Stats counts a client's traffic since it was created.
type Stats struct {
	Requests    int64 `json:"requests"`     // HTTP requests sent, including retries
	RateLimited int64 `json:"rate_limited"` // 429 responses received
	Retries     int64 `json:"retries"`      // requests re-sent after 429, 5xx or timeout
}

// New returns a client. It fails if the base URL is unusable; a missing key is
// reported by the API as 401 on first use, as the real service does.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("compliance: invalid base URL %q", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.RequestsPerMinute <= 0 {
		cfg.RequestsPerMinute = 550
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 8
	}
	if cfg.MaxRateLimitRetries <= 0 {
		cfg.MaxRateLimitRetries = 20
	}
	if cfg.BackoffInitial <= 0 {
		cfg.BackoffInitial = time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 60 * time.Second
	}
	if cfg.ToolUseInputMaxChars == 0 {
		cfg.ToolUseInputMaxChars = -1
	}
	if cfg.ToolResultMaxChars == 0 {
		cfg.ToolResultMaxChars = -1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	b := cfg.Budget
	if b == nil {
		b = NewBudget(cfg.RequestsPerMinute, cfg.Now)
	}
	return &Client{cfg: cfg, base: base, hc: hc, log: cfg.Logger, budget: b, stats: &counters{}}, nil
}

// WithShare returns a client that spends from c's budget but paces itself
// to fraction of its rate (Budget.Share), counting into c's Stats. The files
// stream uses it so file downloads never starve chats and sessions.
func (c *Client) WithShare(fraction float64) *Client {
	cc := *c
	cc.budget = c.budget.Share(fraction)
	return &cc
}

// Budget is the budget the client spends from, for "waiting until" reports.
func (c *Client) Budget() *Budget { return c.budget }

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.stats.requests.Load(), RateLimited: c.stats.rateLimited.Load(), Retries: c.stats.retries.Load()}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) wait(ctx context.Context, reason string, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.stats.waits.Add(1)
	if c.cfg.OnWait != nil {
		c.cfg.OnWait(reason, d)
	}
	return c.cfg.Sleep(ctx, d)
}

// Response describes one response the client received (Config.OnResponse).
type Response struct {
	RequestID string
	Method    string
	Path      string
	Status    int
	Family    string
}

// CallOpts tunes one call of GetJSON or GetBody.
type CallOpts struct {
	// Family names the endpoint family ("chats", "sessions/local",
	// "sessions/remote", "activities", "files") for per-family rate-limit
	// backoff (FamilyRemoteSessions) and Response.Family.
	Family string
	// ServerRetries bounds retries of 5xx, timeouts and cut bodies for this
	// call: 0 keeps Config.MaxRetries, negative means none. Local-session
	// 503s that can persist and file bodies use a small number, so one item
	// does not hold a stream for minutes.
	ServerRetries int
}

// GetJSON sends GET path?q (path from the API root, e.g.
// "/v1/compliance/apps/sessions/local") with the client's retries and budget
// and decodes a 2xx JSON body into out. Sources of their own packages
// (sessions, activities, files) call it.
func (c *Client) GetJSON(ctx context.Context, path string, q url.Values, out any, opts CallOpts) error {
	return c.redactErr(c.send(ctx, path, q, opts, "application/json", func(r *http.Response) error {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return fmt.Errorf("reading body: %w", err)
		}
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("compliance api: GET %s: %w: %v", path, ErrDecode, err)
		}
		return nil
	}))
}

// get is GetJSON for the chat endpoints of this package.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.GetJSON(ctx, path, q, out, CallOpts{Family: FamilyChats})
}

// Endpoint families of this package's own calls.
const (
	FamilyChats     = "chats"
	FamilyDirectory = "directory"
)

// send sends GET path?q and hands a 2xx response to consume, retrying as the
// API documents: 429 after retry-after (the whole Budget waits) or, for the
// remote-session family, its own backoff; 5xx, timeouts and cut bodies with
// exponential backoff unless x-should-retry: false; 4xx never.
func (c *Client) send(ctx context.Context, path string, q url.Values, opts CallOpts, accept string, consume func(*http.Response) error) error {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = q.Encode()
	maxServer := c.cfg.MaxRetries
	if opts.ServerRetries > 0 {
		maxServer = opts.ServerRetries
	} else if opts.ServerRetries < 0 {
		maxServer = 0
	}
	backoff := c.cfg.BackoffInitial
	serverTries, limitTries := 0, 0
	var waited time.Time // end of the last 429 wait, so acquire does not repeat it
	retryServer := func(attempt int, what string, args ...any) (bool, error) {
		if serverTries >= maxServer {
			return false, nil
		}
		serverTries++
		c.log.Warn("compliance api "+what+"; retrying", append([]any{"path", path, "attempt", attempt, "backoff", backoff}, args...)...)
		if err := c.wait(ctx, "backoff", backoff); err != nil {
			return false, err
		}
		backoff = min(backoff*2, c.cfg.BackoffMax)
		return true, nil
	}
	for attempt := 1; ; attempt++ {
		if err := c.budget.acquire(ctx, opts.Family, c.waitFor, waited); err != nil {
			return err
		}
		if attempt > 1 {
			c.stats.retries.Add(1)
		}
		err := c.attempt(ctx, u.String(), accept, func(resp *http.Response) error {
			c.budget.observe(resp.Header)
			if c.cfg.OnResponse != nil {
				c.cfg.OnResponse(Response{RequestID: resp.Header.Get("request-id"), Method: http.MethodGet,
					Path: path, Status: resp.StatusCode, Family: opts.Family})
			}
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				c.budget.succeeded(opts.Family)
				return consume(resp)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			return c.apiError(path, resp.StatusCode, resp.Header, body, attempt)
		})
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			if errors.Is(err, ErrDecode) || !transient(err) {
				return c.wrapAttemptErr(path, err, attempt)
			}
			ok, werr := retryServer(attempt, "request failed", "err", c.redactErr(err))
			if werr != nil {
				return werr
			}
			if !ok {
				return c.wrapAttemptErr(path, err, attempt)
			}
			continue
		}
		switch {
		case apiErr.Status == http.StatusTooManyRequests:
			c.stats.rateLimited.Add(1)
			if limitTries >= c.cfg.MaxRateLimitRetries {
				return apiErr
			}
			limitTries++
			d, reason := c.budget.rateLimited(opts.Family, apiErr.header, backoff)
			if _, ok := retryAfter(apiErr.header); !ok && reason != WaitFamily {
				backoff = min(backoff*2, c.cfg.BackoffMax)
			}
			waited = c.cfg.Now().Add(d)
			c.log.Info("compliance api rate limited; waiting", "path", path, "family", opts.Family, "wait", d)
			if err := c.wait(ctx, reason, d); err != nil {
				return err
			}
		case apiErr.Status >= 500 && apiErr.header.Get("x-should-retry") != "false":
			ok, werr := retryServer(attempt, "server error", "status", apiErr.Status)
			if werr != nil {
				return werr
			}
			if !ok {
				return apiErr
			}
		default:
			return apiErr
		}
	}
}

func (c *Client) wrapAttemptErr(path string, err error, attempt int) error {
	if errors.Is(err, ErrDecode) {
		return err
	}
	return fmt.Errorf("compliance api: GET %s: %w (after %d attempts)", path, err, attempt)
}

// waitFor adapts Client.wait to the Budget's Wait.
func (c *Client) waitFor(ctx context.Context, reason string, d time.Duration) error {
	return c.wait(ctx, reason, d)
}

// errAttemptTimeout marks an attempt cut off by Config.Timeout, which is
// retried, as opposed to the caller's own cancellation, which is not.
var errAttemptTimeout = errors.New("request timed out")

// attempt sends one request and passes the response to handle while the
// attempt's timeout still runs, so reading the body is bounded too.
func (c *Client) attempt(ctx context.Context, u, accept string, handle func(*http.Response) error) error {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-api-key", c.cfg.Key)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("accept", accept)
	c.stats.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return errAttemptTimeout
		}
		return scrubURL(err)
	}
	defer resp.Body.Close()
	err = handle(resp)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		return errAttemptTimeout
	}
	return err
}

// maxErrorBody bounds an error response read: error envelopes are small.
const maxErrorBody = 1 << 20

// maxBody bounds one response in memory. The API's own bound is 1 MiB per
// text block; a whole chat in one response can hold many of them.
const maxBody = 256 << 20

// scrubURL drops the URL from *url.Error: it holds query strings, and the
// client's own path is added by the caller.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func transient(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false // a mistyped base URL does not heal with backoff
	}
	if errors.Is(err, errAttemptTimeout) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

func (c *Client) apiError(path string, status int, hdr http.Header, body []byte, attempts int) *APIError {
	// Scrubbed before parsing and truncating: a key cut in half by the
	// truncation would no longer be found, and half a key is still a leak.
	body = c.redactBytes(body)
	e := &APIError{Method: http.MethodGet, Path: path, Status: status, RequestID: c.redact(hdr.Get("request-id")), Attempts: attempts, header: hdr}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.Type, e.Message = eb.Error.Type, truncate(eb.Error.Message, 500)
		if e.RequestID == "" {
			e.RequestID = eb.RequestID
		}
	}
	if e.Type == "" {
		e.Message = truncate(strings.TrimSpace(string(body)), 200)
	}
	return e
}

func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
