package forward

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

var letterRe = regexp.MustCompile(`^[0-9a-f]{16}-[0-9]{4,9}$`)

// DeadLetters lists a destination's dead letters, oldest first, at most
// limit (default 100, at most 1000).
func (e *Engine) DeadLetters(ctx context.Context, id string, limit int) ([]DeadLetter, error) {
	if _, err := e.loadDestination(id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var out []DeadLetter
	err := e.opts.Store.ScanMetaFrom(deadPrefix(id), "", false, func(k string, v []byte) error {
		var dl DeadLetter
		if err := json.Unmarshal(v, &dl); err != nil {
			return fmt.Errorf("dead letter %s: decode: %w", k, err)
		}
		var err error
		if dl.Events, err = e.dropDeleted(ctx, dl.Events); err != nil {
			return err
		}
		out = append(out, dl)
		if len(out) >= limit {
			return indexer.ErrStopScan
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", id, err)
	}
	return out, nil
}

func (e *Engine) loadLetter(id, letter string) (DeadLetter, error) {
	var dl DeadLetter
	if _, err := e.loadDestination(id); err != nil {
		return dl, err
	}
	if !letterRe.MatchString(letter) {
		return dl, fmt.Errorf("dead letter %q: %w", letter, ErrNotFound)
	}
	raw, err := e.opts.Store.Meta(deadPrefix(id) + letter)
	if errors.Is(err, indexer.ErrNotFound) {
		return dl, fmt.Errorf("dead letter %q: %w", letter, ErrNotFound)
	}
	if err != nil {
		return dl, err
	}
	if err := json.Unmarshal(raw, &dl); err != nil {
		return dl, fmt.Errorf("dead letter %s: decode: %w", letter, err)
	}
	return dl, nil
}

// RetryDeadLetter sends a dead letter again now; on success it is removed,
// otherwise it stays with the new error (returned).
func (e *Engine) RetryDeadLetter(ctx context.Context, id, letter string) error {
	dl, err := e.loadLetter(id, letter)
	if err != nil {
		return err
	}
	d, err := e.loadDestination(id)
	if err != nil {
		return err
	}
	if dl.Events, err = e.dropDeleted(ctx, dl.Events); err != nil {
		return err
	}
	if len(dl.Events) == 0 { // everything in it was deleted since
		return e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(id) + letter: nil})
	}
	snd, err := e.sender(&d)
	if err != nil {
		return err
	}
	defer snd.Close()
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	sendErr := snd.Send(sctx, dl.Events)
	cancel()
	if sendErr == nil {
		st, err := e.loadStatus(id)
		if err != nil {
			return err
		}
		now := e.opts.Clock.Now().UnixNano()
		st.Delivered += int64(len(dl.Events))
		st.LastDelivery, st.LastEvents = &now, len(dl.Events)
		raw, err := json.Marshal(&st)
		if err != nil {
			return err
		}
		if err := e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(id) + letter: nil, metaStatus + id: raw}); err != nil {
			return fmt.Errorf("remove delivered dead letter: %w", err)
		}
		return nil
	}
	dl.Attempts++
	dl.Error, dl.LastTry = sendErr.Error(), e.opts.Clock.Now().UTC()
	raw, err := json.Marshal(&dl)
	if err != nil {
		return err
	}
	if err := e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(id) + letter: raw}); err != nil {
		return fmt.Errorf("update dead letter: %w", err)
	}
	return fmt.Errorf("retry dead letter %s: %w", letter, sendErr)
}

// DiscardDeadLetter removes a dead letter without sending it.
func (e *Engine) DiscardDeadLetter(ctx context.Context, id, letter string) error {
	if _, err := e.loadLetter(id, letter); err != nil {
		return err
	}
	return e.opts.Store.UpdateMeta(map[string][]byte{deadPrefix(id) + letter: nil})
}

// TestSend sends one synthetic event of the destination's stream now,
// outside its queue, and reports what the receiver said.
func (e *Engine) TestSend(ctx context.Context, id string) (TestResult, error) {
	d, err := e.loadDestination(id)
	if err != nil {
		return TestResult{}, err
	}
	inst, err := e.instance()
	if err != nil {
		return TestResult{}, err
	}
	now := e.opts.Clock.Now().UTC()
	ev := testEvent(inst, &d, now)
	res := TestResult{EventID: ev.ID}
	snd, err := e.sender(&d)
	if err != nil {
		res.Error = err.Error()
		return res, nil
	}
	defer snd.Close()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	err = snd.Send(sctx, []ForwardEvent{ev})
	res.Duration = time.Since(start)
	if err != nil {
		res.Error = err.Error()
	} else {
		res.OK = true
	}
	return res, nil
}

// dropDeleted leaves out the events of messages deleted since the letter
// was written: a dead letter must not keep, show or send what an admin
// removed. Alerts carry no content and stay.
func (e *Engine) dropDeleted(ctx context.Context, evs []ForwardEvent) ([]ForwardEvent, error) {
	out := evs[:0:0]
	gone := map[string]bool{}
	for _, ev := range evs {
		if ev.Type != "alert" && ev.MessageID != "" {
			deleted, ok := gone[ev.MessageID]
			if !ok {
				_, err := e.opts.Store.Message(ctx, ev.MessageID)
				if err != nil && !errors.Is(err, indexer.ErrNotFound) {
					return nil, fmt.Errorf("dead letter event %s: %w", ev.ID, err)
				}
				deleted = err != nil
				gone[ev.MessageID] = deleted
			}
			if deleted {
				continue
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// purgeDeadLetters rewrites stored dead letters without the events of
// messages deleted since, and removes letters left empty, so that deleted
// content does not stay at rest in them either. Run from Run's trim tick.
func (e *Engine) purgeDeadLetters(ctx context.Context) error {
	sets := map[string][]byte{}
	err := e.opts.Store.ScanMeta(metaDead, func(k string, v []byte) error {
		var dl DeadLetter
		if err := json.Unmarshal(v, &dl); err != nil {
			return fmt.Errorf("dead letter %s: decode: %w", k, err)
		}
		kept, err := e.dropDeleted(ctx, dl.Events)
		if err != nil || len(kept) == len(dl.Events) {
			return err
		}
		if len(kept) == 0 {
			sets[k] = nil
		} else {
			dl.Events = kept
			raw, err := json.Marshal(&dl)
			if err != nil {
				return err
			}
			sets[k] = raw
		}
		if len(sets) >= 100 {
			return errBatchFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errBatchFull) {
		return err
	}
	if len(sets) == 0 {
		return nil
	}
	return e.opts.Store.UpdateMeta(sets) // the rest at the next tick
}
