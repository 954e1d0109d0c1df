package forward

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// Limits on what an admin can store.
const (
	maxName   = 200
	maxField  = 2048
	maxCACert = 64 << 10
	maxLabels = 20
	maxSecret = 4096
)

// Destinations lists destinations with their status, by name.
func (e *Engine) Destinations(ctx context.Context) ([]DestinationStatus, error) {
	ds, err := e.loadDestinations()
	if err != nil {
		return nil, err
	}
	out := make([]DestinationStatus, 0, len(ds))
	for _, d := range ds {
		st, err := e.status(ctx, &d)
		if err != nil {
			return nil, err
		}
		out = append(out, DestinationStatus{Destination: d, Status: st})
	}
	slices.SortFunc(out, func(a, b DestinationStatus) int {
		return strings.Compare(strings.ToLower(a.Name)+"\x00"+a.ID, strings.ToLower(b.Name)+"\x00"+b.ID)
	})
	return out, nil
}

// Destination returns one destination with its status, or ErrNotFound.
func (e *Engine) Destination(ctx context.Context, id string) (DestinationStatus, error) {
	d, err := e.loadDestination(id)
	if err != nil {
		return DestinationStatus{}, err
	}
	st, err := e.status(ctx, &d)
	if err != nil {
		return DestinationStatus{}, err
	}
	return DestinationStatus{Destination: d, Status: st}, nil
}

// PutDestination validates and stores a destination: new when d.ID is
// empty, else a replacement (ErrNotFound if none). A non-empty Secret is
// encrypted and replaces the saved one; an empty one keeps it. The result
// has Secret cleared and SecretHint set. A new destination, and one that is
// enabled again, starts at the head of its stream: it gets what happens
// from now on, not history nor what happened while it was off.
func (e *Engine) PutDestination(ctx context.Context, d model.Destination) (model.Destination, error) {
	var old *model.Destination
	if d.ID != "" {
		o, err := e.loadDestination(d.ID)
		if err != nil {
			return model.Destination{}, err
		}
		old = &o
	}
	secret := d.Secret
	d.Secret = ""
	if err := validate(&d, secret, old); err != nil {
		return model.Destination{}, err
	}
	now := e.opts.Clock.Now().UTC()
	if old == nil {
		d.ID = newID()
		d.CreatedAt = now
	} else {
		d.CreatedAt, d.CreatedBy, d.SecretHint = old.CreatedAt, old.CreatedBy, old.SecretHint
		if old.Kind != d.Kind && secret == "" && kinds[d.Kind].SecretRequired {
			return model.Destination{}, fmt.Errorf("%w: secret: required when the kind changes", ErrInvalid)
		}
	}
	d.UpdatedAt = now
	if old != nil && !old.UpdatedAt.Before(now) {
		d.UpdatedAt = old.UpdatedAt.Add(1) // a restart of its worker must see a change
	}
	if secret != "" {
		if e.opts.Secrets == nil {
			return model.Destination{}, errors.New("forward: no keystore to keep the secret in")
		}
		hint, err := e.opts.Secrets.Put(secretPurpose(d.ID), secret)
		if err != nil {
			return model.Destination{}, fmt.Errorf("save secret of destination %s: %w", d.ID, err)
		}
		d.SecretHint = hint
	}
	raw, err := json.Marshal(&d)
	if err != nil {
		return model.Destination{}, err
	}
	sets := map[string][]byte{metaDest + d.ID: raw}
	if old == nil || (d.Enabled && !old.Enabled) || d.Stream != old.Stream {
		head, err := e.head(&d)
		if err != nil {
			return model.Destination{}, err
		}
		sets[metaCursor+d.ID] = []byte(strconv.FormatUint(head, 10))
	}
	if old != nil {
		e.stopWorker(d.ID) // it must not write its cursor behind this one
	}
	if err := e.opts.Store.UpdateMeta(sets); err != nil {
		return model.Destination{}, fmt.Errorf("save destination %s: %w", d.ID, err)
	}
	if err := e.reload(); err != nil {
		e.log.Error("restart destinations", "error", err)
	}
	return d, nil
}

// head is the newest sequence of the destination's stream.
func (e *Engine) head(d *model.Destination) (uint64, error) {
	if d.Stream == model.StreamAlerts {
		h, err := alerts.Head(e.opts.Store)
		if err != nil {
			return 0, fmt.Errorf("alert log head: %w", err)
		}
		return h, nil
	}
	return e.opts.Store.JournalHead(), nil
}

// DeleteDestination removes a destination, its cursor, status, dead
// letters and secret.
func (e *Engine) DeleteDestination(ctx context.Context, id string) error {
	if _, err := e.loadDestination(id); err != nil {
		return err
	}
	e.stopWorker(id)
	sets := map[string][]byte{metaDest + id: nil, metaCursor + id: nil, metaStatus + id: nil}
	err := e.opts.Store.ScanMeta(deadPrefix(id), func(k string, _ []byte) error {
		sets[k] = nil
		if len(sets) >= 1000 {
			return errBatchFull
		}
		return nil
	})
	for errors.Is(err, errBatchFull) {
		// Dead letters first, in bounded batches; the record goes last
		// so an interrupted delete can be repeated.
		if err := e.opts.Store.UpdateMeta(onlyDead(sets)); err != nil {
			return fmt.Errorf("delete destination %s: %w", id, err)
		}
		sets = map[string][]byte{metaDest + id: nil, metaCursor + id: nil, metaStatus + id: nil}
		err = e.opts.Store.ScanMeta(deadPrefix(id), func(k string, _ []byte) error {
			sets[k] = nil
			if len(sets) >= 1000 {
				return errBatchFull
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("delete destination %s: %w", id, err)
	}
	if e.opts.Secrets != nil {
		if err := e.opts.Secrets.Delete(secretPurpose(id)); err != nil {
			return fmt.Errorf("delete secret of destination %s: %w", id, err)
		}
	}
	if err := e.opts.Store.UpdateMeta(sets); err != nil {
		return fmt.Errorf("delete destination %s: %w", id, err)
	}
	return e.reload()
}

var errBatchFull = errors.New("batch full")

func onlyDead(sets map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range sets {
		if strings.HasPrefix(k, metaDead) {
			out[k] = v
		}
	}
	return out
}

// validate checks what every kind shares, then the kind's own rules.
func validate(d *model.Destination, secret string, old *model.Destination) error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s: %s", ErrInvalid, field, why) }
	d.Name = strings.TrimSpace(d.Name)
	switch {
	case d.Name == "":
		return bad("name", "required")
	case utf8.RuneCountInString(d.Name) > maxName:
		return bad("name", fmt.Sprintf("longer than %d characters", maxName))
	case !utf8.ValidString(d.Name):
		return bad("name", "not valid UTF-8")
	}
	k, ok := kinds[d.Kind]
	if !ok {
		return bad("kind", fmt.Sprintf("unknown kind %q (one of %s)", d.Kind, strings.Join(kindNames(), ", ")))
	}
	switch d.Stream {
	case model.StreamAlerts, model.StreamFindings, model.StreamMessages:
	case "":
		d.Stream = model.StreamAlerts
	default:
		return bad("stream", fmt.Sprintf("%q is not alerts, findings or messages", d.Stream))
	}
	for name, v := range map[string]string{"url": d.URL, "network": d.Network, "format": d.Format, "server_name": d.ServerName,
		"index": d.Index, "sourcetype": d.Sourcetype, "tenant_id": d.TenantID, "username": d.Username} {
		if len(v) > maxField {
			return bad(name, fmt.Sprintf("longer than %d bytes", maxField))
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return bad(name, "contains a control character")
		}
	}
	if len(d.CACert) > maxCACert {
		return bad("ca_cert", fmt.Sprintf("longer than %d bytes", maxCACert))
	}
	if len(d.Labels) > maxLabels {
		return bad("labels", fmt.Sprintf("more than %d", maxLabels))
	}
	if len(secret) > maxSecret {
		return bad("secret", fmt.Sprintf("longer than %d bytes", maxSecret))
	}
	hasSecret := secret != "" || (old != nil && old.SecretHint != "")
	if k.SecretRequired && !hasSecret {
		return bad("secret", "required for "+d.Kind)
	}
	check := *d
	check.Secret = secret
	if err := k.Validate(&check); err != nil {
		if !errors.Is(err, dest.ErrInvalid) {
			err = fmt.Errorf("%w: %w", dest.ErrInvalid, err)
		}
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	check.Secret = ""
	*d = check
	return nil
}

func kindNames() []string {
	var out []string
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
