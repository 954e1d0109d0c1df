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

	skip  int       // events of entry cursor+1 already delivered (kept in memory only)
	retry *retrying // the head's retries, nil while it is not failing

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
			g, err = w.e.nextGroup(ctx, &w.d, cursor, w.skip, w.maxBatch())
		}
		if err == nil && g.to == g.from {
			select {
			case <-ctx.Done():
			case <-woken:
			case <-w.e.opts.Clock.After(w.e.opts.Poll):
			}
			continue
		}
		if err == nil {
			wait, err = w.deliver(ctx, snd, g)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Error("deliver", "error", err)
			wait = w.e.opts.MaxBackoff
		}
	}
}

func (w *worker) maxBatch() int {
	if w.kind.MaxBatch <= 0 {
		return 100
	}
	return w.kind.MaxBatch
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

// position is a place in the stream: every entry through cursor is done,
// and the first skip events of entry cursor+1.
type position struct {
	cursor uint64
	skip   int
}

// at is the position just before g.events[i].
func at(g *group, i int) position {
	if i >= len(g.events) {
		return position{cursor: g.to}
	}
	seq := g.seqs[i]
	n := 0
	if seq == g.from+1 {
		n = g.skip
	}
	for j := i - 1; j >= 0 && g.seqs[j] == seq; j-- {
		n++
	}
	return position{cursor: seq - 1, skip: n}
}

func (p position) letter() string { return fmt.Sprintf("%016x-%04d", p.cursor+1, p.skip) }

// retrying is the head's retry state. It outlives a rebuild of the group:
// each retry builds the head again from the records as they are then, so
// a message deleted during an outage is not sent once the receiver is back.
type retrying struct {
	at       position
	attempts int
	start    time.Time
	bo       *backoff.ExponentialBackOff
}

// deliver sends the group in requests of at most MaxBatch events, moving
// the cursor after each. On a failure it returns how long to wait before
// the head is built and tried again; a head that has failed for RetryFor
// (or PermanentAttempts times, when the receiver refused it) is
// dead-lettered and passed. A crash re-sends from the stored cursor:
// receivers deduplicate by event id.
func (w *worker) deliver(ctx context.Context, snd dest.Sender, g group) (time.Duration, error) {
	clock := w.e.opts.Clock
	for a := 0; a < len(g.events); {
		b := min(a+w.maxBatch(), len(g.events))
		chunk := g.events[a:b]
		head := at(&g, a)
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := snd.Send(sctx, chunk)
		cancel()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		delivered := ""
		if err == nil {
			w.retry = nil
			w.setFailing(false, time.Time{})
			delivered = head.letter()
		} else {
			r := w.retry
			if r == nil || r.at != head {
				r = &retrying{at: head, start: clock.Now(),
					bo: &backoff.ExponentialBackOff{InitialInterval: w.e.opts.MinBackoff, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: w.e.opts.MaxBackoff}}
				r.bo.Reset()
				w.retry = r
			}
			r.attempts++
			msg := err.Error()
			w.log.Warn("delivery failed", "attempt", r.attempts, "events", len(chunk), "error", msg)
			if (dest.IsPermanent(err) && r.attempts >= w.e.opts.PermanentAttempts) || clock.Now().Sub(r.start) >= w.e.opts.RetryFor {
				if err := w.deadLetter(chunk, head, g.seqs[b-1], msg, r.attempts, r.start); err != nil {
					return 0, err
				}
				w.retry = nil
				w.setFailing(false, time.Time{})
			} else {
				wait := r.bo.NextBackOff()
				var ra *dest.RetryAfterError
				if errors.As(err, &ra) && ra.After > wait {
					wait = ra.After
				}
				w.setError(msg)
				w.setFailing(true, clock.Now().Add(wait))
				return wait, nil
			}
		}
		next := at(&g, b)
		sent := 0
		if delivered != "" {
			sent = len(chunk)
		}
		if err := w.advance(next.cursor, sent, delivered); err != nil {
			return 0, err
		}
		w.skip = next.skip
		a = b
	}
	if len(g.events) == 0 {
		if err := w.advance(g.to, 0, ""); err != nil {
			return 0, err
		}
		w.skip = 0
	}
	return 0, nil
}

func (w *worker) deadLetter(chunk []model.ForwardEvent, head position, last uint64, msg string, attempts int, start time.Time) error {
	dl := DeadLetter{ID: head.letter(), Destination: w.d.ID, From: head.cursor + 1, To: last, Events: chunk, Error: msg,
		Attempts: attempts, FirstTry: start.UTC(), LastTry: w.e.opts.Clock.Now().UTC()}
	raw, err := json.Marshal(&dl)
	if err != nil {
		return err
	}
	w.log.Error("dead-lettered a batch", "letter", dl.ID, "events", len(chunk), "attempts", attempts, "error", msg)
	if err := w.e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(w.d.ID) + dl.ID: raw}); err != nil {
		return fmt.Errorf("save dead letter: %w", err)
	}
	return nil
}

// advance moves the cursor and the stored status in one write; delivered,
// when set, is the letter id of the request just accepted (a dead letter
// of an earlier try of it, left by a crash, is removed with it).
func (w *worker) advance(to uint64, sent int, delivered string) error {
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
	if delivered != "" {
		sets[deadPrefix(w.d.ID)+delivered] = nil
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
