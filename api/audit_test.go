package api

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
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

// syncSpy is the real store, noting which audit keys were written without
// a sync.
type syncSpy struct {
	Store
	mu       sync.Mutex
	unsynced []string
	synced   int
}

func (s *syncSpy) PutMeta(key string, value []byte) error {
	if strings.HasPrefix(key, auditPrefix) {
		s.mu.Lock()
		s.unsynced = append(s.unsynced, key)
		s.mu.Unlock()
	}
	return s.Store.PutMeta(key, value)
}

func (s *syncSpy) PutMetaDurable(key string, value []byte) error {
	if strings.HasPrefix(key, auditPrefix) {
		s.mu.Lock()
		s.synced++
		s.mu.Unlock()
	}
	return s.Store.PutMetaDurable(key, value)
}

// Item 8 of issue 12: Badger writes are not synced, so a power cut could
// lose the last audit entries. Every entry is written with a sync.
func TestAuditEntriesAreSynced(t *testing.T) {
	var spy *syncSpy
	e := newTestEnv(t, func(c *Config) { spy = &syncSpy{Store: c.Store}; c.Store = spy })
	admin := e.admin()
	e.do(admin, "GET", "/api/v1/audit", nil)
	e.do(nil, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: "wrong-password-000"})
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.unsynced) > 0 || spy.synced < 3 {
		t.Errorf("%d audit entries synced, %d not (%v)", spy.synced, len(spy.unsynced), spy.unsynced)
	}
}

// BenchmarkAuditRecord measures what syncing costs an audit entry, alone
// and with concurrent writers (parallel searches each record one):
//
//	go test ./api -run '^$' -bench AuditRecord
func BenchmarkAuditRecord(b *testing.B) {
	for _, durable := range []bool{false, true} {
		for _, parallel := range []bool{false, true} {
			name := map[bool]string{false: "plain", true: "durable"}[durable] + map[bool]string{false: "/serial", true: "/parallel"}[parallel]
			b.Run(name, func(b *testing.B) {
				ix, err := indexer.Open(context.Background(), indexer.Options{Dir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Scanner: testScanner{}})
				if err != nil {
					b.Fatal(err)
				}
				defer ix.Close()
				a := newAuditLog(ix, time.Now)
				if !durable {
					a.put = ix.PutMeta
				}
				entry := AuditEntry{Actor: "alice", Role: RoleAuditor, Via: "session", IP: "192.0.2.1", Action: "search",
					Detail: map[string]string{"q": "rotation plan", "total": "42"}}
				b.ReportAllocs()
				b.ResetTimer()
				if !parallel {
					for b.Loop() {
						if err := a.append(entry); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := a.append(entry); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
