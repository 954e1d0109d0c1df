package syslog

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/internal/rsyslogtest"
	"github.com/ccsync/ccsync/model"
)

// Tests against the real rsyslogd (Debian's rsyslog and rsyslog-gnutls):
// what it writes is what it parsed from our frames, re-serialised as RFC
// 5424, so every field is checked as a receiver saw it.

func send(t testing.TB, s interface {
	Send(context.Context, []model.ForwardEvent) error
}, evs []model.ForwardEvent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Send(ctx, evs); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

// byID parses rsyslogd's lines and indexes them by the id parameter.
func byID(t testing.TB, lines []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range lines {
		out[sd(parse5424(t, l))["id"]] = l
	}
	return out
}

func waitIDs(t testing.TB, srv *rsyslogtest.Server, evs []model.ForwardEvent) map[string]string {
	t.Helper()
	var got map[string]string
	srv.WaitLines(func(lines []string) bool {
		got = byID(t, lines)
		for _, ev := range evs {
			if _, ok := got[ev.ID]; !ok {
				return false
			}
		}
		return true
	})
	return got
}

func TestRsyslogRFC5424(t *testing.T) {
	srv := rsyslogtest.Start(t, false)
	s := newSender(t, model.Destination{ID: "d1", URL: srv.Addr})
	evs := sampleEvents("inst")
	big := evs[2]
	big.ID = "inst-m9"
	big.Text = strings.Repeat("long text é ", 3000) // 36 KB: must be cut to fit 8k
	evs = append(evs, big)
	send(t, s, evs)
	got := waitIDs(t, srv, evs)

	wantSev := map[string]uint8{"inst-a1": 2, "inst-m1-f0": 2, "inst-m1": 2, "inst-m2": 6, "inst-m9": 2}
	for _, ev := range evs {
		line := got[ev.ID]
		m := parse5424(t, line)
		if *m.Facility != 16 || *m.Severity != wantSev[ev.ID] || m.Version != 1 {
			t.Errorf("%s: facility %d severity %d version %d", ev.ID, *m.Facility, *m.Severity, m.Version)
		}
		if !m.Timestamp.Equal(ev.Time.Truncate(time.Microsecond)) {
			t.Errorf("%s: timestamp %v, want %v", ev.ID, m.Timestamp, ev.Time)
		}
		if str(m.Hostname) != testHost || str(m.Appname) != "ccsync" || str(m.MsgID) != ev.Type || m.ProcID != nil {
			t.Errorf("%s: host %q app %q msgid %q procid %v", ev.ID, str(m.Hostname), str(m.Appname), str(m.MsgID), m.ProcID)
		}
		p := sd(m)
		want := map[string]string{
			"id": ev.ID, "type": ev.Type, "origin": "sync",
			"severity": "critical", "findings": "2", "types": "aws_access_key,email",
			"user": strings.ReplaceAll(evilUser, "\n", " "), "message": "msg-secret-id-1", "conversation": "conv-secret-id-1",
		}
		switch ev.Type {
		case "alert":
			want["rule"] = strings.NewReplacer("\r", " ", "\n", " ").Replace(evilRule)
		case "finding":
			want["findings"], want["types"] = "1", "aws_access_key"
		}
		if ev.ID == "inst-m2" {
			want["severity"], want["findings"] = "none", "0"
			delete(want, "types")
		}
		if fmt.Sprint(p) != fmt.Sprint(want) {
			t.Errorf("%s: structured data\n got %v\nwant %v", ev.ID, p, want)
		}
		if len(line) > MaxMessageSize+2 {
			t.Errorf("%s: %d bytes", ev.ID, len(line))
		}
		var back model.ForwardEvent
		if err := json.Unmarshal([]byte(str(m.Message)), &back); err != nil {
			t.Fatalf("%s: MSG is not JSON: %v\n%s", ev.ID, err, str(m.Message))
		}
		if ev.ID == "inst-m9" {
			if !strings.HasSuffix(back.Text, cutMark) || len(back.Text) < 6000 || !strings.HasPrefix(ev.Text, strings.TrimSuffix(back.Text, cutMark)) {
				t.Errorf("big text cut to %d bytes, ends %q", len(back.Text), back.Text[max(0, len(back.Text)-20):])
			}
			back.Text = ev.Text
		}
		// Text had invalid UTF-8, which JSON carries as U+FFFD.
		ev.Text = string([]rune(ev.Text)) // one U+FFFD per bad byte, as encoding/json
		a, _ := json.Marshal(ev)
		b, _ := json.Marshal(back)
		if string(a) != string(b) {
			t.Errorf("%s: MSG JSON differs\n got %s\nwant %s", ev.ID, b, a)
		}
	}
}

func TestRsyslogCEF(t *testing.T) {
	srv := rsyslogtest.Start(t, false)
	s := newSender(t, model.Destination{ID: "d1", URL: srv.Addr, Format: "CEF"})
	evs := sampleEvents("inst")
	send(t, s, evs)
	got := waitIDs(t, srv, evs)

	for _, ev := range evs {
		m := parse5424(t, got[ev.ID])
		h, ext, err := parseCEF(str(m.Message))
		if err != nil {
			t.Fatalf("%s: %v\n%s", ev.ID, err, str(m.Message))
		}
		if h[0] != "CEF:0" || h[1] != "ccsync" || h[2] != "ccsync" || h[3] != productVersion() || h[4] != ev.Type {
			t.Errorf("%s: header %q", ev.ID, h)
		}
		wantName, wantSev := map[string]string{
			"inst-a1":    "Alert: " + strings.NewReplacer("\r", " ", "\n", " ").Replace(evilRule),
			"inst-m1-f0": "Sensitive data found: aws_access_key",
			"inst-m1":    "Message with 2 findings",
			"inst-m2":    "Message",
		}[ev.ID], "10"
		if ev.ID == "inst-m2" {
			wantSev = "0"
		}
		if h[5] != wantName || h[6] != wantSev {
			t.Errorf("%s: name %q severity %q, want %q %q", ev.ID, h[5], h[6], wantName, wantSev)
		}
		want := map[string]string{
			"rt": strconv.FormatInt(t0.UnixMilli(), 10), "externalId": ev.ID, "dvchost": testHost,
			"cnt": "2", "cs1Label": "findingTypes", "cs1": "aws_access_key,email",
			"cs2Label": "origin", "cs2": "sync",
			"deviceCustomDate1Label": "ingestedAt", "deviceCustomDate1": strconv.FormatInt(t0.Add(time.Second).UnixMilli(), 10),
			"suser": strings.ReplaceAll(evilUser, "\n", "\n"), "suid": "user-secret-id-1",
			"cs3Label": "conversationId", "cs3": "conv-secret-id-1", "cs4Label": "messageId", "cs4": "msg-secret-id-1",
			"flexString1Label": "model", "flexString1": "claude-x", "flexString2Label": "product", "flexString2": "claude.ai",
			"request": ev.Link,
		}
		switch ev.ID {
		case "inst-a1":
			want["cs5Label"], want["cs5"] = "alertRule", evilRule
			want["start"], want["end"] = strconv.FormatInt(t0.Add(-time.Minute).UnixMilli(), 10), strconv.FormatInt(t0.UnixMilli(), 10)
			want["cn1Label"], want["cn1"] = "suppressed", "3"
		case "inst-m1-f0":
			want["cnt"], want["cs1"] = "1", "aws_access_key"
			want["cs6Label"], want["cs6"] = "previews", "aws_access_key: "+evilPreview
		case "inst-m1":
			want["cs6Label"], want["cs6"] = "previews", "aws_access_key: "+evilPreview+"; email: a***@example.com"
		case "inst-m2":
			want["cnt"] = "0"
			delete(want, "cs1")
			delete(want, "cs1Label")
		}
		if fmt.Sprint(ext) != fmt.Sprint(want) {
			t.Errorf("%s: extension\n got %q\nwant %q\nline %s", ev.ID, ext, want, str(m.Message))
		}
	}
}

func TestRsyslogAnonymous(t *testing.T) {
	srv := rsyslogtest.Start(t, false)
	for _, format := range []string{"rfc5424", "cef"} {
		t.Run(format, func(t *testing.T) {
			s := newSender(t, model.Destination{ID: "d-" + format, URL: srv.Addr, Format: format, Anonymous: true})
			evs := sampleEvents(format)
			send(t, s, evs)
			got := waitIDs(t, srv, evs)
			for _, ev := range evs {
				line := got[ev.ID]
				for _, secret := range secrets {
					if strings.Contains(line, secret) {
						t.Errorf("%s: anonymous output holds %q:\n%s", ev.ID, secret, line)
					}
				}
				m := parse5424(t, line)
				for k := range sd(m) {
					switch k {
					case "id", "type", "origin", "severity", "findings", "types":
					default:
						t.Errorf("%s: anonymous structured data has %s", ev.ID, k)
					}
				}
				if format == "cef" {
					_, ext, err := parseCEF(str(m.Message))
					if err != nil {
						t.Fatal(err)
					}
					if ext["externalId"] != ev.ID || ext["cs1Label"] != "findingTypes" && ev.ID != "cef-m2" {
						t.Errorf("%s: anonymous CEF lacks id or types: %v", ev.ID, ext)
					}
					continue
				}
				var back model.ForwardEvent
				if err := json.Unmarshal([]byte(str(m.Message)), &back); err != nil {
					t.Fatal(err)
				}
				want := anonymize(ev)
				a, _ := json.Marshal(want)
				b, _ := json.Marshal(back)
				if string(a) != string(b) || !back.Anonymous || back.ID != ev.ID || back.Counts.Findings != ev.Counts.Findings {
					t.Errorf("%s: anonymous JSON\n got %s\nwant %s", ev.ID, b, a)
				}
			}
		})
	}
}

func TestRsyslogTLS(t *testing.T) {
	srv := rsyslogtest.Start(t, true)
	t.Run("ca", func(t *testing.T) {
		s := newSender(t, model.Destination{ID: "d1", URL: srv.Addr, Network: "tls", CACert: srv.CAPEM})
		evs := sampleEvents("tls")
		send(t, s, evs)
		waitIDs(t, srv, evs)
	})
	t.Run("server name", func(t *testing.T) {
		s := newSender(t, model.Destination{ID: "d2", URL: srv.Addr, Network: "tls", CACert: srv.CAPEM, ServerName: "localhost"})
		evs := sampleEvents("tls-sn")
		send(t, s, evs)
		waitIDs(t, srv, evs)
	})
	_, _, otherDER := rsyslogtest.NewCA(t, "some other CA")
	for _, tc := range []struct {
		name string
		d    model.Destination
		want string
		as   any
	}{
		{"wrong CA", model.Destination{URL: srv.Addr, Network: "tls", CACert: rsyslogtest.CAPEMOf(otherDER)},
			"certificate signed by unknown authority", &x509.UnknownAuthorityError{}},
		{"no CA", model.Destination{URL: srv.Addr, Network: "tls"},
			"certificate signed by unknown authority", &x509.UnknownAuthorityError{}},
		{"wrong server name", model.Destination{URL: srv.Addr, Network: "tls", CACert: srv.CAPEM, ServerName: "wrong.example"},
			"wrong.example", &x509.HostnameError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSender(t, tc.d)
			err := s.Send(context.Background(), sampleEvents("bad"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), srv.Addr) {
				t.Fatalf("Send = %v, want an error naming %s and %q", err, srv.Addr, tc.want)
			}
			switch as := tc.as.(type) {
			case *x509.UnknownAuthorityError:
				if !errors.As(err, as) {
					t.Errorf("error %T is not x509.UnknownAuthorityError", err)
				}
			case *x509.HostnameError:
				if !errors.As(err, as) {
					t.Errorf("error %T is not x509.HostnameError", err)
				}
			}
		})
	}
	// Nothing from the refused senders reached rsyslogd.
	for _, l := range srv.Lines() {
		if strings.Contains(l, `id="bad-`) {
			t.Errorf("refused sender delivered: %s", l)
		}
	}
}

// TestRsyslogRestart: rsyslogd goes away and comes back on the same port;
// the sender notices the dead connection before writing, reports the
// outage, and delivers on the new connection. Nothing of a batch that
// Send accepted is lost.
func TestRsyslogRestart(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		kill bool
	}{{"tcp kill -9", false, true}, {"tcp sigterm", false, false}, {"tls kill -9", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := rsyslogtest.Start(t, tc.tls)
			d := model.Destination{ID: "d1", URL: srv.Addr}
			if tc.tls {
				d.Network, d.CACert = "tls", srv.CAPEM
			}
			s := newSender(t, d)
			var all []model.ForwardEvent
			batch := func(n int) []model.ForwardEvent {
				evs := sampleEvents(fmt.Sprintf("r%d", n))
				all = append(all, evs...)
				return evs
			}
			b1 := batch(1)
			send(t, s, b1)
			waitIDs(t, srv, b1) // delivered before the receiver dies
			if tc.kill {
				srv.Kill()
			} else {
				srv.Stop()
			}
			waitClosedSeen(t, s)

			// Down: Send fails fast, naming the receiver; the engine
			// would retry this batch later.
			down := batch(2)
			start := time.Now()
			err := s.Send(context.Background(), down)
			if err == nil || !strings.Contains(err.Error(), srv.Addr) {
				t.Fatalf("Send while rsyslogd is down = %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Send while down took %s", d)
			}

			srv.Restart()
			// The engine resends the failed batch; the sender reconnects.
			send(t, s, down)
			b3 := batch(3)
			send(t, s, b3)
			got := waitIDs(t, srv, all)
			if len(got) != len(all) {
				t.Errorf("got %d distinct events, want %d", len(got), len(all))
			}
		})
	}
}

// TestRsyslogLoad sends full batches of near-maximum messages from
// several senders at once: every frame arrives whole.
func TestRsyslogLoad(t *testing.T) {
	srv := rsyslogtest.Start(t, false)
	const senders, batches = 4, 3
	batchSize := Kind.MaxBatch
	if testing.Short() {
		batchSize = 50
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []model.ForwardEvent
	start := time.Now()
	for i := range senders {
		s := newSender(t, model.Destination{ID: fmt.Sprint("d", i), URL: srv.Addr, Format: []string{"rfc5424", "cef"}[i%2]})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				evs := make([]model.ForwardEvent, batchSize)
				for j := range evs {
					ev := sampleEvents("x")[2]
					ev.ID = fmt.Sprintf("load-%d-%d-%d", i, b, j)
					ev.Text = strings.Repeat("0123456789", 1000)
					evs[j] = ev
				}
				if err := s.Send(context.Background(), evs); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
				mu.Lock()
				all = append(all, evs...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	got := waitIDs(t, srv, all)
	t.Logf("%d events of ~8 KB from %d senders: written in %s, all in rsyslogd's file after %s",
		len(all), senders, sent, time.Since(start))
	for _, l := range got {
		if len(l) > MaxMessageSize+1 {
			t.Fatalf("line of %d bytes", len(l))
		}
	}
}
