package forward

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

const (
	metaDest     = "fwd/dest/"
	metaCursor   = "fwd/cursor/"
	metaStatus   = "fwd/status/"
	metaDead     = "fwd/dead/"
	metaInstance = "fwd/instance"
)

func secretPurpose(id string) string { return "forward/" + id }

func deadPrefix(dest string) string { return metaDead + dest + "\x00" }

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID keeps ids that come from URLs to what newID makes, so a forged
// one cannot reach another key of the meta namespace.
func validID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (e *Engine) loadDestination(id string) (model.Destination, error) {
	var d model.Destination
	if !validID(id) {
		return d, fmt.Errorf("destination %q: %w", id, ErrNotFound)
	}
	raw, err := e.opts.Store.Meta(metaDest + id)
	if errors.Is(err, indexer.ErrNotFound) {
		return d, fmt.Errorf("destination %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("destination %s: %w", id, err)
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, fmt.Errorf("destination %s: decode: %w", id, err)
	}
	return d, nil
}

func (e *Engine) loadDestinations() ([]model.Destination, error) {
	var out []model.Destination
	err := e.opts.Store.ScanMeta(metaDest, func(k string, v []byte) error {
		var d model.Destination
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("destination %s: decode: %w", k[len(metaDest):], err)
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	return out, nil
}

func (e *Engine) loadCursor(id string) (uint64, error) {
	raw, err := e.opts.Store.Meta(metaCursor + id)
	if errors.Is(err, indexer.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cursor of %s: %w", id, err)
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cursor of %s: %q: %w", id, raw, err)
	}
	return n, nil
}

// storedStatus is the part of Status that survives a restart.
type storedStatus struct {
	Delivered    int64  `json:"delivered"`
	LastDelivery *int64 `json:"last_delivery,omitempty"` // unix ns
	LastEvents   int    `json:"last_events,omitempty"`
	LastError    string `json:"last_error,omitempty"`
	LastErrorAt  *int64 `json:"last_error_at,omitempty"`
}

func (e *Engine) loadStatus(id string) (storedStatus, error) {
	var s storedStatus
	raw, err := e.opts.Store.Meta(metaStatus + id)
	if errors.Is(err, indexer.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("status of %s: %w", id, err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("status of %s: decode: %w", id, err)
	}
	return s, nil
}

// instance is this store's id, the prefix of every event id, so ids from
// two ccsync installations feeding one SIEM never collide.
func (e *Engine) instance() (string, error) {
	e.instMu.Lock()
	defer e.instMu.Unlock()
	if e.inst != "" {
		return e.inst, nil
	}
	raw, err := e.opts.Store.Meta(metaInstance)
	switch {
	case err == nil:
		e.inst = string(raw)
	case errors.Is(err, indexer.ErrNotFound):
		id := newID()
		if err := e.opts.Store.PutMeta(metaInstance, []byte(id)); err != nil {
			return "", fmt.Errorf("instance id: %w", err)
		}
		e.inst = id
	default:
		return "", fmt.Errorf("instance id: %w", err)
	}
	return e.inst, nil
}
