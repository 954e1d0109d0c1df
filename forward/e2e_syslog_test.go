package forward

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/internal/rsyslogtest"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

var sdID = regexp.MustCompile(`\[ccsync@32473 [^\]]*\bid="([^"]+)"`)

// TestSyslogFeedThroughRsyslog runs the engine against Debian's rsyslogd
// over TLS: every finding arrives once, and findings made while rsyslogd
// is down arrive after it is back.
func TestSyslogFeedThroughRsyslog(t *testing.T) {
	srv := rsyslogtest.Start(t, true)
	v := newEnv(t, func(o *Options) {
		o.Clock = wallClock{}
		o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	})
	v.run(t)
	d := v.put(t, model.Destination{Name: "rsyslog", Kind: model.DestSyslog, Stream: model.StreamFindings,
		URL: srv.Addr, Network: "tls", CACert: srv.CAPEM, ServerName: "localhost"})
	ids := func(lines []string) map[string]int {
		got := map[string]int{}
		for _, l := range lines {
			if m := sdID.FindStringSubmatch(l); m != nil {
				got[m[1]]++
			}
		}
		return got
	}
	v.ingest(t, 60, indexer.OriginSync) // every third message carries a key
	srv.WaitLines(func(lines []string) bool { return len(ids(lines)) >= 20 })

	srv.Kill()
	v.ingest(t, 30, indexer.OriginSync)
	// The sender finds the receiver gone and retries.
	waitFor(t, "the sender to notice the outage", func() bool {
		st, err := v.e.Destination(context.Background(), d.ID)
		return err == nil && st.Status.Failing
	})
	srv.Restart()
	lines := srv.WaitLines(func(lines []string) bool { return len(ids(lines)) >= 30 })
	got := ids(lines)
	if len(got) != 30 {
		t.Fatalf("rsyslogd has %d distinct events, want 30", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s arrived %d times", id, n)
		}
	}
	st, err := v.e.Destination(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.DeadLetters != 0 || st.Status.Delivered != 30 {
		t.Errorf("status after recovery = %+v", st.Status)
	}
}
