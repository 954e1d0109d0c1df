package api

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/ccsync/ccsync/indexer"
)

// Storage conditions the operator can act on reach the caller as what they
// are, not as "500 internal error".
func TestClassifyStorageConditions(t *testing.T) {
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	full := fmt.Errorf("delete: %w", fmt.Errorf("%w (12 MiB free in /srv/ccsync, 256 MiB kept in reserve)", indexer.ErrDiskFull))
	for _, tc := range []struct {
		err    error
		status int
		typ    string
		msg    string
	}{
		{full, 507, "insufficient_storage", "12 MiB free in /srv/ccsync, 256 MiB kept in reserve"},
		{fmt.Errorf("ingest: %w", indexer.ErrClosed), 503, "unavailable", "shutting down"},
	} {
		ae := classify(tc.err, log, c)
		if ae.Status != tc.status || ae.Type != tc.typ || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("classify(%v) = %d %s %q; want %d %s containing %q", tc.err, ae.Status, ae.Type, ae.Message, tc.status, tc.typ, tc.msg)
		}
	}
}
