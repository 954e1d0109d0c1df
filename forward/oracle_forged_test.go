package forward_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// TestOracleForgedIDs: unknown, empty, prefix and path-like ids are
// ErrNotFound everywhere (a prefix of a real id must not reach its dead
// letters), and invalid kinds and streams are ErrInvalid.
func TestOracleForgedIDs(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	rec := newReceiver(t, "forged", "whsec-plant-forged-0123456789")
	d := e.addDest("forged", model.StreamMessages, false, rec)
	rec.setMode(modeBadRequest)
	c := genCorpus(corpusOpts{Seed: 9, Batches: 1, PerBatch: 6, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})
	e.ingest(c.Batches[0])
	var letters []forward.DeadLetter
	waitFor(t, 20*time.Second, func() string { return "no dead letter" }, func() bool {
		letters, _ = e.eng.DeadLetters(e.ctx, d.ID, 0)
		return len(letters) > 0
	})
	ctx := e.ctx
	for _, id := range []string{"", "nope", d.ID[:len(d.ID)-1], d.ID + "\x00", "../" + d.ID, d.ID + "/x"} {
		if _, err := e.eng.Destination(ctx, id); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("Destination(%q): %v", id, err)
		}
		if l, err := e.eng.DeadLetters(ctx, id, 0); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("DeadLetters(%q): %d letters, %v", id, len(l), err)
		}
		if _, err := e.eng.TestSend(ctx, id); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("TestSend(%q): %v", id, err)
		}
		if err := e.eng.DeleteDestination(ctx, id); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("DeleteDestination(%q): %v", id, err)
		}
		if err := e.eng.RetryDeadLetter(ctx, id, letters[0].ID); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("RetryDeadLetter(%q, real letter): %v", id, err)
		}
		if err := e.eng.DiscardDeadLetter(ctx, id, letters[0].ID); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("DiscardDeadLetter(%q, real letter): %v", id, err)
		}
		if id == "" {
			continue // an empty id creates
		}
		if _, err := e.eng.PutDestination(ctx, model.Destination{ID: id, Name: "x", Kind: model.DestWebhook, Stream: model.StreamMessages,
			URL: rec.URL(), Secret: rec.secret}); !errors.Is(err, forward.ErrNotFound) && !errors.Is(err, forward.ErrInvalid) {
			t.Errorf("PutDestination with forged id %q: %v", id, err)
		}
	}
	for _, l := range []string{"", "nope", letters[0].ID[:len(letters[0].ID)-1], "../" + letters[0].ID, letters[0].ID + "\x00"} {
		if err := e.eng.RetryDeadLetter(ctx, d.ID, l); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("RetryDeadLetter(letter %q): %v", l, err)
		}
		if err := e.eng.DiscardDeadLetter(ctx, d.ID, l); !errors.Is(err, forward.ErrNotFound) {
			t.Errorf("DiscardDeadLetter(letter %q): %v", l, err)
		}
	}
	if got, _ := e.eng.DeadLetters(ctx, d.ID, 0); len(got) != len(letters) {
		t.Errorf("forged calls changed the dead letters: %d, was %d", len(got), len(letters))
	}
	for _, bad := range []model.Destination{
		{Name: "k", Kind: "ftp", Stream: model.StreamMessages, URL: rec.URL(), Secret: rec.secret},
		{Name: "s", Kind: model.DestWebhook, Stream: "everything", URL: rec.URL(), Secret: rec.secret},
		{Name: "u", Kind: model.DestWebhook, Stream: model.StreamMessages, URL: "file:///etc/passwd", Secret: rec.secret},
		{Name: "n", Kind: model.DestWebhook, Stream: model.StreamMessages, URL: rec.URL()},
	} {
		if _, err := e.eng.PutDestination(ctx, bad); !errors.Is(err, forward.ErrInvalid) {
			t.Errorf("PutDestination(%s %s %s secret %v): %v, want ErrInvalid", bad.Kind, bad.Stream, bad.URL, bad.Secret != "", err)
		}
	}
	if list, _ := e.eng.Destinations(ctx); len(list) != 1 {
		t.Errorf("%d destinations after invalid creations", len(list))
	}
}
