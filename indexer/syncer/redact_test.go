package syncer

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
)

// TestUpstreamQuotingKeyNeverStored: an API error that quotes the key must
// not put the key in the run's summary (stored in Badger as the last run,
// read by auditors through GET /sync), in a failed chat's reason, or in the
// logs. The upstream quotes it twice: for one chat's messages (a skipped
// chat), then in a 401 (a failed run).
func TestUpstreamQuotingKeyNeverStored(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 8, DeletedEvery: -1}, 21)
	var logs lockedBuf
	e.cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := e.engine()
	snap := e.fake.Snapshot()
	e.fake.SetChatFault(snap.Chats[3].ID, fakeapi.FaultEchoKey)
	s1, err := eng.RunOnce(context.Background())
	if err != nil || s1.Skipped != 1 {
		t.Fatalf("run with one chat quoting the key: %+v %v", s1, err)
	}
	e.fake.EchoKeyNext(1, 401, false) // a 401 ends the run
	s2, runErr := eng.RunOnce(context.Background())
	if runErr == nil || s2.State != StateFailed {
		t.Fatalf("run whose first request quotes the key: %+v %v", s2, runErr)
	}
	st, err := eng.Status()
	if err != nil {
		t.Fatal(err)
	}
	hint := keystore.Hint(testKey)
	var seen []string // where the quoted key (now its hint) surfaced
	for name, v := range map[string]any{"first summary": s1, "second summary": s2, "status": st, "run error": runErr.Error()} {
		b, _ := json.Marshal(v)
		if bytes.Contains(b, []byte(testKey[13:])) {
			t.Errorf("%s holds the key: %s", name, b)
		}
		if strings.Contains(string(b), hint) {
			seen = append(seen, name)
		}
	}
	if len(seen) < 3 {
		t.Errorf("the upstream's quote shows up (as the hint) only in %v; the faults did not reach the summaries", seen)
	}
	if bytes.Contains(logs.Bytes(), []byte(testKey[13:])) {
		t.Errorf("logs hold the key:\n%s", logs.Bytes())
	}
	if len(st.Failed) != 1 || !strings.Contains(st.Failed[0].Reason, hint) {
		t.Errorf("failed chat %+v, want its reason with the hint in place of the key", st.Failed)
	}
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(e.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(testKey[13:])) {
			t.Errorf("%s holds the key", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The summary scrubs the key itself too, whatever reaches it.
func TestSummaryScrubsKey(t *testing.T) {
	s := &Summary{secret: testKey}
	s.addError("upstream said: " + testKey + " is wrong")
	if strings.Contains(s.Errors[0], testKey[13:]) || !strings.Contains(s.Errors[0], keystore.Hint(testKey)) {
		t.Errorf("error %q, want the key replaced by its hint", s.Errors[0])
	}
}
