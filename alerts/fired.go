package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// The alert log: fired alerts under alerts/fired/<seq:%016x>, so key order
// is sequence order, plus the evaluator's journal cursor and next sequence.

func firedKey(seq uint64) string { return keyFired + fmt.Sprintf("%016x", seq) }

// readUint reads a decimal meta value; a missing key is 0.
func readUint(s Reader, key string) (uint64, error) {
	v, err := s.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("alerts: read %s: %w", key, err)
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("alerts: read %s %q: %w", key, v, err)
	}
	return n, nil
}

func formatUint(n uint64) []byte { return []byte(strconv.FormatUint(n, 10)) }

// Cursor is the last journal sequence the evaluator has finished with:
// the journal may be trimmed through it.
func Cursor(s Reader) (uint64, error) { return readUint(s, keyCursor) }

// Head is the sequence of the newest fired alert (0: none).
func Head(s Reader) (uint64, error) {
	next, err := readUint(s, keyNext)
	if next == 0 || err != nil {
		return 0, err
	}
	return next - 1, nil
}

// After returns up to limit (default 100, at most 1000) fired alerts with
// sequence above after, oldest first: the alert stream the forwarding
// engine delivers.
func After(ctx context.Context, s Reader, after uint64, limit int) ([]model.Alert, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	if after == ^uint64(0) {
		return nil, nil
	}
	return scanAlerts(ctx, s, fmt.Sprintf("%016x", after+1), false, limit)
}

// Alerts lists fired alerts newest first, starting below sequence before
// (0: the newest), at most limit (default 50, at most 500).
func (ev *Evaluator) Alerts(ctx context.Context, before uint64, limit int) ([]model.Alert, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	start := ""
	if before == 1 {
		return nil, nil
	}
	if before > 1 {
		start = fmt.Sprintf("%016x", before-1)
	}
	return scanAlerts(ctx, ev.opts.Store, start, true, limit)
}

func scanAlerts(ctx context.Context, s Reader, start string, reverse bool, limit int) ([]model.Alert, error) {
	var out []model.Alert
	err := s.ScanMetaFrom(keyFired, start, reverse, func(key string, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var a model.Alert
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("alert %s: %w", key, err)
		}
		out = append(out, a)
		if len(out) >= limit {
			return indexer.ErrStopScan
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: list: %w", err)
	}
	return out, nil
}
