package api

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

func TestAuditLatestWindows(t *testing.T) {
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Scanner: testScanner{}})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	a := newAuditLog(ix, func() time.Time { return clock })
	for _, tc := range []struct {
		ago    time.Duration
		action string
	}{{400 * 24 * time.Hour, "old"}, {10 * 24 * time.Hour, "tenDays"}, {2 * time.Hour, "recent"}, {time.Minute, "newest"}} {
		clock = now.Add(-tc.ago)
		if err := a.append(AuditEntry{Action: tc.action}); err != nil {
			t.Fatal(err)
		}
	}
	clock = now
	for _, tc := range []struct {
		name  string
		f     auditFilter
		limit int
		want  []string
		more  bool
	}{
		{"all, beyond every window", auditFilter{}, 10, []string{"newest", "recent", "tenDays", "old"}, false},
		{"page inside the first window", auditFilter{}, 2, []string{"newest", "recent"}, true},
		{"filter reaching back", auditFilter{Action: "tenDays"}, 10, []string{"tenDays"}, false},
		{"explicit range", auditFilter{From: now.Add(-11 * 24 * time.Hour), To: now.Add(-time.Hour)}, 10, []string{"recent", "tenDays"}, false},
		{"to in the past", auditFilter{To: now.Add(-24 * time.Hour)}, 10, []string{"tenDays", "old"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more, err := a.latest(tc.f, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if len(actions) != len(tc.want) || more != tc.more {
				t.Fatalf("got %v more=%v, want %v more=%v", actions, more, tc.want, tc.more)
			}
			for i := range actions {
				if actions[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", actions, tc.want)
				}
			}
		})
	}
}
