package api

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSync stands in for the sync package (which talks to the unreachable
// Compliance API). It behaves like a careless implementation would: its
// errors quote the key, to prove the API never lets that out.
type fakeSync struct {
	mu       sync.Mutex
	key      string
	running  bool
	schedule Schedule
}

func (f *fakeSync) Start(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.key == "" {
		return "", fmt.Errorf("sync: %w", ErrNoKey)
	}
	if f.running {
		return "", fmt.Errorf("sync: %w", ErrAlreadyRunning)
	}
	f.running = true
	return "sync-1", nil
}

func (f *fakeSync) Cancel() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.running {
		return ErrNotRunning
	}
	f.running = false
	return nil
}

func (f *fakeSync) Status(ctx context.Context) (SyncStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := SyncStatus{KeySaved: f.key != "", SyncFrom: f.schedule.SyncFrom, Hourly: f.schedule.Hourly, Running: f.running}
	if f.key != "" {
		st.KeyHint = f.key[:8] + "••••"
	}
	return st, nil
}

func (f *fakeSync) SaveKey(ctx context.Context, key string) (string, error) {
	if strings.HasPrefix(key, "bad") {
		return "", fmt.Errorf("validate key %q: %w", key, ErrInvalidKey)
	}
	if strings.Contains(key, "-revoked-") {
		return "", fmt.Errorf("validate key: %w", ErrInvalidKey)
	}
	if strings.HasPrefix(key, "boom") {
		return "", fmt.Errorf("POST https://api.example/v1?key=%s: connection reset", key)
	}
	f.mu.Lock()
	f.key = key
	f.mu.Unlock()
	return key[:8] + "••••", nil
}

func (f *fakeSync) SetSchedule(ctx context.Context, s Schedule) error {
	f.mu.Lock()
	f.schedule = s
	f.mu.Unlock()
	return nil
}

func TestSyncNotConfigured(t *testing.T) {
	e := newTestEnv(t)
	resp, b := e.do(e.admin(), "POST", "/api/v1/sync", nil)
	if resp.StatusCode != 503 || errorType(t, b) != "unavailable" {
		t.Errorf("got %d %s", resp.StatusCode, b)
	}
}

func TestSettingsAndSync(t *testing.T) {
	fs := &fakeSync{}
	e := newTestEnv(t, func(c *Config) {
		c.Sync = fs
		c.Now = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }
	})
	admin := e.admin()
	steps := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"start without key", "POST", "/api/v1/sync", "", 409, "no Compliance API key saved"},
		{"cancel idle", "POST", "/api/v1/sync/cancel", "", 409, "no sync is running"},
		{"empty key", "PUT", "/api/v1/settings/key", `{"key":""}`, 400, "key must be"},
		{"key with spaces", "PUT", "/api/v1/settings/key", `{"key":"sk ant"}`, 400, "key must be"},
		{"invalid key", "PUT", "/api/v1/settings/key", `{"key":"bad-secret-key-0001"}`, 400, "not valid"},
		{"key error quoting key", "PUT", "/api/v1/settings/key", `{"key":"boom-secret-key-0002"}`, 500, "internal"},
		{"save key", "PUT", "/api/v1/settings/key", `{"key":"sk-ant-api01-secret-key-0003"}`, 200, `"key_hint":"sk-ant-a••••"`},
		{"status", "GET", "/api/v1/settings", "", 200, `"key_saved":true`},
		{"schedule bad date", "PUT", "/api/v1/settings/schedule", `{"sync_from":"soon","hourly":true}`, 400, "sync_from"},
		{"schedule future", "PUT", "/api/v1/settings/schedule", `{"sync_from":"2027-01-01","hourly":true}`, 400, "future"},
		{"schedule", "PUT", "/api/v1/settings/schedule", `{"sync_from":"2026-11-01","hourly":true}`, 200, `"hourly":true`},
		{"start", "POST", "/api/v1/sync", "", 202, `"job_id":"sync-1"`},
		{"start twice", "POST", "/api/v1/sync", "", 409, "already running"},
		{"sync status", "GET", "/api/v1/sync", "", 200, `"running":true`},
		{"cancel", "POST", "/api/v1/sync/cancel", "", 204, ""},
	}
	for _, s := range steps {
		var body any
		if s.body != "" {
			body = s.body
		}
		resp, b := e.do(admin, s.method, s.path, body)
		if resp.StatusCode != s.status || !strings.Contains(string(b), s.contains) {
			t.Errorf("%s: got %d %s, want %d containing %q", s.name, resp.StatusCode, b, s.status, s.contains)
		}
		for _, secret := range []string{"secret-key-0001", "secret-key-0002", "secret-key-0003"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s: response contains the key: %s", s.name, b)
			}
		}
	}
	// Auditors see sync status but cannot change anything.
	if resp, _ := e.do(e.auditor(), "GET", "/api/v1/sync", nil); resp.StatusCode != 200 {
		t.Errorf("auditor sync status: %d", resp.StatusCode)
	}
	// Neither the logs nor the audit trail ever held a key; the audit has
	// the hint.
	for _, secret := range []string{"secret-key-0001", "secret-key-0002", "secret-key-0003"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("log contains the key %s", secret)
		}
	}
	found := false
	err := e.ix.ScanMeta("", func(key string, value []byte) error {
		if strings.Contains(string(value), "secret-key-000") && !strings.HasPrefix(key, "fake") {
			t.Errorf("meta %s contains the key", key)
		}
		if strings.HasPrefix(key, auditPrefix) && strings.Contains(string(value), `"settings.key"`) && strings.Contains(string(value), "sk-ant-a••••") {
			found = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("key change not audited with its hint")
	}
}

// Item 6 of issue 12: failed key saves left no trace in the audit trail.
// They are recorded with the error class, and with the hint only when it
// shows no more than a saved key's would: never the key.
func TestFailedKeySavesAudited(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.Sync = &fakeSync{} })
	admin := e.admin()
	for _, tc := range []struct {
		name, body string
		status     int
		class      string
		hint       string
	}{
		{"malformed", `{"key":"sk ant secret-key-0004"}`, 400, "malformed", ""},
		{"not JSON", `{"key":"secret-key-0005`, 400, "bad_request", ""},
		{"rejected, not a key's shape", `{"key":"bad-secret-key-0006-xxxxxxxx"}`, 400, "invalid_key", ""},
		{"rejected Anthropic key", `{"key":"sk-ant-api03-revoked-secret-key-0007"}`, 400, "invalid_key", "sk-ant-a••••"},
		{"error quoting the key", `{"key":"boom-secret-key-0008-xxxxxxxx"}`, 500, "internal", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(admin, "PUT", "/api/v1/settings/key", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			failed := e.audited("settings.key.failed")
			if len(failed) == 0 {
				t.Fatal("failed key save not audited")
			}
			en := failed[0]
			if en.Actor != adminName || en.Detail["error"] != tc.class || en.Detail["hint"] != tc.hint {
				t.Errorf("entry %+v, want error=%q hint=%q", en, tc.class, tc.hint)
			}
		})
	}
	err := e.ix.ScanMeta(auditPrefix, func(key string, value []byte) error {
		if strings.Contains(string(value), "secret-key-000") {
			t.Errorf("audit entry holds the key: %s", value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
