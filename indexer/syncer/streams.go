package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// chatStream is the chat walk's name among the streams. Its meta keys stay
// the ones it had before there were streams (sync/state, sync/window,
// sync/failed/…), so an upgraded install resumes where it was.
const chatStream = "chats"

// filesStream runs after the others: it fetches what they queued.
const filesStream = "files"

// do runs one sync: preflight, then the chat walk and every stream
// concurrently on one request budget, then the files stream.
func (r *runner) do(ctx context.Context) error {
	e := r.e
	key, err := e.key()
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.sum.secret = key
	r.mu.Unlock()
	// The API counts one quota per parent organisation for every key and
	// endpoint, so every client of the run draws from one budget.
	r.budget = compliance.NewBudget(e.cfg.RequestsPerMinute, e.cfg.Now)
	r.own = &stream.RequestIDs{}
	if err := r.own.Load(e.ix); err != nil {
		e.log.Warn("sync: own request ids not loaded; the activity stream may not recognise recent calls", "err", err)
	}
	defer func() {
		if err := r.own.Save(e.ix); err != nil {
			e.log.Warn("sync: own request ids not saved", "err", err)
		}
	}()
	var last Summary
	if ok, err := getJSON(e.ix, keyLastRun, &last); err == nil && ok && (last.State == StateDone || last.State == StateCapped) {
		r.lastStart = last.Start
	}
	if err := r.addStream(chatStream); err != nil {
		return err
	}
	for _, s := range e.cfg.Streams {
		if err := r.addStream(s.Name()); err != nil {
			return err
		}
	}
	if r.c, err = r.newClient(key, chatStream); err != nil {
		return err
	}
	if err := r.prepareChats(); err != nil {
		return err
	}
	r.progress("starting")
	chatsOK, err := r.preflight(ctx)
	if err != nil {
		return err
	}
	return r.runStreams(ctx, key, chatsOK)
}

func (r *runner) addStream(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" || r.streams[name] != nil {
		return fmt.Errorf("sync: stream name %q empty or used twice", name)
	}
	r.streams[name] = &stream.State{Name: name, State: stream.StateIdle}
	r.order = append(r.order, name)
	return nil
}

// newClient builds a stream's client: its own, so Stats count per stream,
// on the run's shared budget, recording every response's request id.
func (r *runner) newClient(key, name string) (*compliance.Client, error) {
	cc := r.e.cfg.Client
	// Every stream spends from the one budget. Files run after the others
	// (runStreams), so they take no smaller share of it.
	cc.Budget = r.budget
	next := cc.OnResponse
	cc.OnResponse = func(resp compliance.Response) {
		r.own.Observe(resp)
		if next != nil {
			next(resp)
		}
	}
	c, err := r.e.clientWith(cc, key, r.onWait(name))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.clients[name] = c
	r.mu.Unlock()
	return c, nil
}

// preflight lists one chat before anything else runs. A key the API does
// not accept (401, or the bare 404 "Not found" it now answers for a missing
// or wrong kind of key) and a switched-off API stop the run here, before
// any walk, with every cursor as it was. A 403 disables the chat stream
// only: another stream may need a scope the key has.
func (r *runner) preflight(ctx context.Context) (bool, error) {
	_, err := r.c.ListChats(ctx, compliance.ListChatsParams{Limit: 1})
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.Is(err, compliance.ErrUnauthorized) || compliance.IsKeyNotFound(err):
		r.setAll(stream.StateFailed, compliance.ErrKeyNotAccepted.Error())
		return false, keyNotAccepted(err)
	case compliance.IsNotEnabled(err):
		r.setAll(stream.StateFailed, compliance.ErrNotEnabled.Error())
		return false, notEnabled(err)
	case errors.Is(err, compliance.ErrForbidden):
		r.finish(ctx, chatStream, err)
		return false, nil
	}
	return false, fmt.Errorf("preflight (list one chat): %w", err)
}

func keyNotAccepted(err error) error {
	return fmt.Errorf("%w by the Compliance API (a Claude API key or a missing key answers 404 \"Not found\"; use a Compliance Access Key, sk-ant-api01-…): %w",
		compliance.ErrKeyNotAccepted, err)
}

func notEnabled(err error) error {
	return fmt.Errorf("%w: nothing was read and every saved cursor is kept; an organisation owner can enable it in claude.ai: %w",
		compliance.ErrNotEnabled, err)
}

// runStreams runs the chat walk and every stream but files concurrently,
// then files. A stream's fault stops only that stream unless the key or
// the API as a whole is refused.
func (r *runner) runStreams(parent context.Context, key string, chatsOK bool) error {
	ctx, stopAll := context.WithCancel(parent)
	defer stopAll()
	var once sync.Once
	var stopErr error
	run := func(name string, f func(context.Context) error) {
		if err := r.finish(ctx, name, safeRun(ctx, f)); err != nil {
			once.Do(func() { stopErr = err })
			stopAll()
		}
	}
	var wg sync.WaitGroup
	if chatsOK {
		r.report(chatStream, func(st *stream.State) { st.State = stream.StateRunning })
		wg.Go(func() { run(chatStream, r.chats) })
	}
	var later []stream.Stream
	for _, s := range r.e.cfg.Streams {
		if s.Name() == filesStream {
			later = append(later, s)
			continue
		}
		wg.Go(func() { run(s.Name(), func(ctx context.Context) error { return r.runStream(ctx, key, s) }) })
	}
	wg.Wait()
	for _, s := range later {
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() { run(s.Name(), func(ctx context.Context) error { return r.runStream(ctx, key, s) }) })
	}
	wg.Wait()
	if stopErr != nil {
		return stopErr
	}
	if err := parent.Err(); err != nil {
		return err
	}
	return r.outcome()
}

// safeRun turns a stream's panic into its error: one broken source must
// not take the process, and the other streams' work, down with it.
func safeRun(ctx context.Context, f func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(ctx)
}

func (r *runner) runStream(ctx context.Context, key string, s stream.Stream) error {
	name := s.Name()
	c, err := r.newClient(key, name)
	if err != nil {
		return err
	}
	limit := 0
	if name == "sessions" {
		limit = r.e.cfg.SessionsHourlyCap
	}
	cp, err := stream.LoadCap(r.e.ix, name, limit)
	if err != nil {
		return err
	}
	env := &stream.Env{Client: c, Ix: r.e.ix, Now: r.e.cfg.Now, Log: r.e.log.With("stream", name),
		SyncFrom: r.from, RunStart: r.sum.Start, LastRunStart: r.lastStart,
		Report: func(f func(*stream.State)) { r.report(name, f) }, OwnRequests: r.own, Cap: cp}
	r.report(name, func(st *stream.State) { st.State = stream.StateRunning })
	return s.Run(ctx, env)
}

// finish records how a stream ended and returns an error only when the
// whole run must stop: the key refused (401 anywhere; the bare 404 on
// chats, where it cannot mean a missing endpoint), the API switched off,
// or a stream asking for it (stream.ErrStop).
func (r *runner) finish(ctx context.Context, name string, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.streams[name]
	msg := ""
	if err != nil {
		msg = scrubKey(err.Error(), r.sum.secret)
	}
	var stop error
	switch {
	case err == nil:
		switch {
		case name == chatStream && r.sum.State == StateCapped:
			st.State, st.WaitUntil = stream.StateWaiting, r.sum.ResumeAt
		case st.State == stream.StateRunning || st.State == stream.StateIdle ||
			st.State == stream.StateWaiting && (st.WaitUntil == nil || !st.WaitUntil.After(r.e.cfg.Now())):
			st.State, st.WaitUntil = stream.StateDone, nil
		}
	case ctx.Err() != nil:
		if st.State == stream.StateRunning || st.State == stream.StateWaiting {
			st.State, st.WaitUntil = stream.StateIdle, nil
		}
	case errors.Is(err, compliance.ErrUnauthorized) || name == chatStream && compliance.IsKeyNotFound(err):
		st.State, st.LastError = stream.StateFailed, msg
		stop = keyNotAccepted(err)
	case compliance.IsNotEnabled(err):
		st.State, st.LastError = stream.StateFailed, msg
		stop = notEnabled(err)
	case errors.Is(err, stream.ErrStop):
		st.State, st.LastError = stream.StateFailed, msg
		stop = fmt.Errorf("%s: %w", name, err)
	case errors.Is(err, compliance.ErrForbidden):
		// The 403 names the scopes it needed; the card shows it as is.
		st.State, st.LastError = stream.StateForbidden, msg
		r.sum.addError(fmt.Sprintf("%s disabled: the key lacks the scope: %s", name, msg))
	case compliance.IsKeyNotFound(err):
		// On a newer endpoint the bare 404 means "not offered here".
		st.State, st.LastError = stream.StateUnavailable, msg
		r.sum.addError(fmt.Sprintf("%s unavailable: %s", name, msg))
	case compliance.IsUnavailable(err):
		// "Local sessions are not available.": org-wide and possibly
		// temporary; the stream's cursors are kept for the next run.
		st.State, st.LastError = stream.StateUnavailable, msg
		r.sum.addError(fmt.Sprintf("%s unavailable: %s", name, msg))
	default:
		st.State, st.LastError = stream.StateFailed, msg
		r.failures = append(r.failures, fmt.Errorf("%s: %w", name, err))
	}
	if err != nil && name != chatStream {
		r.e.log.Warn("sync: stream stopped", "stream", name, "state", st.State, "err", msg)
	}
	r.refreshLocked()
	r.e.setProgress(r.sum)
	return stop
}

// outcome is the run's error once every stream has ended: the streams that
// failed, or, when no stream could read at all, the refusal.
func (r *runner) outcome() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) > 0 {
		return errors.Join(r.failures...)
	}
	read, refused := false, []string{}
	for _, name := range r.order {
		switch st := r.streams[name]; st.State {
		case stream.StateForbidden:
			refused = append(refused, name)
		case stream.StateUnavailable:
		default:
			read = true
		}
	}
	if !read && len(refused) > 0 {
		return fmt.Errorf("%w: every stream was refused (%s); the key lacks the scopes they need", compliance.ErrForbidden, strings.Join(refused, ", "))
	}
	return nil
}

// setAll puts every stream in state, for a run stopped before they began.
func (r *runner) setAll(state, lastError string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.streams {
		st.State, st.LastError = state, lastError
	}
	r.refreshLocked()
}

// report applies a stream's update and publishes progress.
func (r *runner) report(name string, f func(*stream.State)) {
	r.mu.Lock()
	st := r.streams[name]
	if st == nil {
		r.mu.Unlock()
		return
	}
	f(st)
	st.Name = name
	r.touchLocked(name)
	r.refreshLocked()
	r.e.setProgress(r.sum)
	snap := r.copyLocked()
	msg := name + ": " + st.State
	if st.Phase != "" {
		msg += " (" + st.Phase + ")"
	}
	r.mu.Unlock()
	r.e.publish(&snap, "running", msg)
}

// touchLocked ends a stream's "waiting" once its wait is over: a stream
// that reports again has resumed.
func (r *runner) touchLocked(name string) {
	st := r.streams[name]
	if st == nil {
		return
	}
	if st.State == stream.StateWaiting && (st.WaitUntil == nil || !st.WaitUntil.After(r.e.cfg.Now())) {
		st.State, st.WaitUntil = stream.StateRunning, nil
	}
}

// refreshLocked copies the clients' counters and the chat walk's totals
// into the stream states, and the states into the summary.
func (r *runner) refreshLocked() {
	var req, limited int64
	for name, c := range r.clients {
		s := c.Stats()
		req += s.Requests
		limited += s.RateLimited
		if st := r.streams[name]; st != nil {
			st.Requests, st.RateLimited = s.Requests, s.RateLimited
		}
	}
	r.sum.Requests, r.sum.RateLimited = req, int(limited)
	if st := r.streams[chatStream]; st != nil {
		st.Items, st.Messages, st.Skipped, st.Phase = r.sum.Chats, r.sum.Messages, r.sum.Skipped, r.phase
	}
	r.sum.Streams = r.sum.Streams[:0]
	for _, name := range r.order {
		r.sum.Streams = append(r.sum.Streams, *r.streams[name])
	}
}

// onWait reports a stream's client waiting (rate limit, backoff, spent
// budget): the stream shows "waiting" until then.
func (r *runner) onWait(name string) func(string, time.Duration) {
	return func(reason string, d time.Duration) {
		if reason == "budget" && d < time.Second {
			return // ordinary pacing is not news
		}
		until := r.e.cfg.Now().Add(d).UTC()
		r.mu.Lock()
		if st := r.streams[name]; st != nil && (st.State == stream.StateRunning || st.State == stream.StateWaiting) {
			st.State, st.WaitUntil = stream.StateWaiting, &until
		}
		r.refreshLocked()
		r.e.setProgress(r.sum)
		snap := r.copyLocked()
		r.mu.Unlock()
		r.e.publish(&snap, "waiting", fmt.Sprintf("%s: %s: waiting %s", name, map[string]string{
			"rate_limit": "rate limited by the API", "backoff": "API error, retrying", "budget": "request budget spent",
		}[reason], d.Round(time.Second)))
	}
}
