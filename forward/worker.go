package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// sendTimeout bounds one attempt: a receiver that accepts the connection
// and never answers is a failure like any other.
const sendTimeout = 60 * time.Second

// worker delivers one destination's stream.
type worker struct {
	e      *Engine
	d      model.Destination
	kind   dest.Kind
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex // guards the live status below
	failing     bool
	nextAttempt time.Time
}

func (e *Engine) newWorker(d model.Destination) *worker {
	return &worker{e: e, d: d, kind: kinds[d.Kind], log: e.log.With("destination", d.ID, "kind", d.Kind), done: make(chan struct{})}
}

func (w *worker) stop() {
	w.cancel()
	<-w.done
}

func (w *worker) run(ctx context.Context) {
	defer close(w.done)

	var snd dest.Sender
	defer func() {
		if snd != nil {
			_ = snd.Close()
		}
	}()
	wait := time.Duration(0)
	for ctx.Err() == nil {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-w.e.opts.Clock.After(wait):
			}
			wait = 0
		}
		if snd == nil {
			var err error
			if snd, err = w.e.sender(&w.d); err != nil {
				w.setError(fmt.Sprintf("cannot start: %v", err))
				w.log.Error("start sender", "error", err)
				wait = w.e.opts.MaxBackoff
				continue
			}
		}
		woken := w.wake()
		cursor, err := w.e.loadCursor(w.d.ID)
		var g group
		if err == nil {
			max := w.kind.MaxBatch
			if max <= 0 {
				max = 100
			}
			g, err = w.e.nextGroup(ctx, &w.d, cursor, max)
		}
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("read stream", "error", err)
				wait = w.e.opts.MaxBackoff
			}
			continue
		}
		if g.to == g.from {
			select {
			case <-ctx.Done():
			case <-woken:
			case <-w.e.opts.Clock.After(w.e.opts.Poll):
			}
			continue
		}
		if err := w.deliver(ctx, snd, g); err != nil {
			if ctx.Err() == nil {
				w.log.Error("deliver", "error", err)
				wait = w.e.opts.MaxBackoff
			}
		}
	}
}

// wake is what tells the worker its stream has grown.
func (w *worker) wake() <-chan struct{} {
	if w.d.Stream == model.StreamAlerts {
		if w.e.opts.AlertNotify != nil {
			return w.e.opts.AlertNotify()
		}
		return nil
	}
	return w.e.opts.Store.JournalNotify()
}

// deliver sends a group in chunks of MaxBatch, each retried until it is
// accepted or dead-lettered, then moves the cursor past the group. A crash
// before that sends the group again: receivers deduplicate by event id.
func (w *worker) deliver(ctx context.Context, snd dest.Sender, g group) error {
	max := w.kind.MaxBatch
	if max <= 0 {
		max = 100
	}
	sent := 0
	var delivered []string // dead letters of earlier tries now delivered
	for i := 0; i*max < len(g.events); i++ {
		chunk := g.events[i*max : min((i+1)*max, len(g.events))]
		letter := letterID(g.from, i)
		ok, err := w.attempt(ctx, snd, chunk, letter, g)
		if err != nil {
			return err
		}
		if ok {
			sent += len(chunk)
			delivered = append(delivered, letter)
		}
	}
	return w.advance(g.to, sent, delivered)
}

// attempt sends one chunk with retries. It returns true when the chunk was
// delivered, false when it was dead-lettered.
func (w *worker) attempt(ctx context.Context, snd dest.Sender, chunk []model.ForwardEvent, letter string, g group) (bool, error) {
	clock := w.e.opts.Clock
	start := clock.Now()
	bo := &backoff.ExponentialBackOff{InitialInterval: w.e.opts.MinBackoff, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: w.e.opts.MaxBackoff}
	bo.Reset()
	for attempts := 1; ; attempts++ {
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := snd.Send(sctx, chunk)
		cancel()
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err == nil {
			w.setFailing(false, time.Time{})
			return true, nil
		}
		msg := err.Error()
		w.log.Warn("delivery failed", "attempt", attempts, "events", len(chunk), "error", msg)
		if (dest.IsPermanent(err) && attempts >= w.e.opts.PermanentAttempts) || clock.Now().Sub(start) >= w.e.opts.RetryFor {
			if err := w.deadLetter(chunk, letter, g, msg, attempts, start); err != nil {
				return false, err
			}
			w.setFailing(false, time.Time{})
			return false, nil
		}
		wait := bo.NextBackOff()
		var ra *dest.RetryAfterError
		if errors.As(err, &ra) && ra.After > wait {
			wait = ra.After
		}
		w.setError(msg)
		w.setFailing(true, clock.Now().Add(wait))
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-clock.After(wait):
		}
	}
}

func letterID(from uint64, chunk int) string { return fmt.Sprintf("%016x-%04d", from, chunk) }

func (w *worker) deadLetter(chunk []model.ForwardEvent, letter string, g group, msg string, attempts int, start time.Time) error {
	dl := DeadLetter{ID: letter, Destination: w.d.ID, From: g.from + 1, To: g.to, Events: chunk, Error: msg,
		Attempts: attempts, FirstTry: start.UTC(), LastTry: w.e.opts.Clock.Now().UTC()}
	raw, err := json.Marshal(&dl)
	if err != nil {
		return err
	}
	w.log.Error("dead-lettered a batch", "letter", letter, "events", len(chunk), "attempts", attempts, "error", msg)
	if err := w.e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(w.d.ID) + letter: raw}); err != nil {
		return fmt.Errorf("save dead letter: %w", err)
	}
	return nil
}

// advance moves the cursor and the stored status in one write.
func (w *worker) advance(to uint64, sent int, delivered []string) error {
	st, err := w.e.loadStatus(w.d.ID)
	if err != nil {
		return err
	}
	if sent > 0 {
		now := w.e.opts.Clock.Now().UnixNano()
		st.Delivered += int64(sent)
		st.LastDelivery, st.LastEvents = &now, sent
	}
	raw, err := json.Marshal(&st)
	if err != nil {
		return err
	}
	sets := map[string][]byte{metaCursor + w.d.ID: []byte(strconv.FormatUint(to, 10)), metaStatus + w.d.ID: raw}
	for _, l := range delivered {
		sets[deadPrefix(w.d.ID)+l] = nil
	}
	if err := w.e.opts.Store.UpdateMeta(sets); err != nil {
		return fmt.Errorf("move cursor to %d: %w", to, err)
	}
	return nil
}

func (w *worker) setFailing(f bool, next time.Time) {
	w.mu.Lock()
	w.failing, w.nextAttempt = f, next
	w.mu.Unlock()
}

// setError records the last error in the stored status (best effort: a
// failure to write it is logged, delivery goes on).
func (w *worker) setError(msg string) {
	st, err := w.e.loadStatus(w.d.ID)
	if err == nil {
		now := w.e.opts.Clock.Now().UnixNano()
		st.LastError, st.LastErrorAt = msg, &now
		var raw []byte
		if raw, err = json.Marshal(&st); err == nil {
			err = w.e.opts.Store.PutMeta(metaStatus+w.d.ID, raw)
		}
	}
	if err != nil {
		w.log.Warn("save status", "error", err)
	}
}

// sender builds a Sender for a stored destination, with its secret.
func (e *Engine) sender(d *model.Destination) (dest.Sender, error) {
	k, ok := kinds[d.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", d.Kind)
	}
	full := *d
	if e.opts.Secrets != nil && d.SecretHint != "" {
		s, err := e.opts.Secrets.Get(secretPurpose(d.ID))
		if err != nil {
			return nil, fmt.Errorf("secret of destination %s: %w", d.ID, err)
		}
		full.Secret = s
	}
	return k.New(dest.Config{Destination: full, HTTPClient: e.opts.HTTP, Hostname: e.opts.Hostname, Logger: e.log,
		Now: e.opts.Clock.Now})
}
