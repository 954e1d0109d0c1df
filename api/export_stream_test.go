package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// failingStore is the real store whose failAt-th Search (counting from 1)
// fails, as a storage error half-way through an export would, and whose
// blockAt-th Search waits for its context to end (signalling blocked).
type failingStore struct {
	Store
	failAt, blockAt atomic.Int64
	calls           atomic.Int64
	blocked         chan struct{}
}

var errStorageBroke = errors.New("index partition 2026-03: read error")

func (f *failingStore) Search(ctx context.Context, req indexer.SearchRequest) (*indexer.SearchResult, error) {
	switch n := f.calls.Add(1); n {
	case f.failAt.Load():
		return nil, errStorageBroke
	case f.blockAt.Load():
		f.blocked <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.Store.Search(ctx, req)
}

func (e *testEnv) lastAudit(action string) AuditEntry {
	e.t.Helper()
	entries, _, err := e.srv.audit.latest(auditFilter{Action: action}, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(entries) == 0 {
		e.t.Fatalf("no %s entry", action)
	}
	return entries[0]
}

// TestCutExportIsNotWhole: an export whose later page fails after the 200
// is aborted, so the client gets an error rather than a shorter file that
// looks complete, and the audit trail records what was really sent.
// Before, the body ended as well-formed JSON Lines / CSV and the only
// entry claimed the full total.
func TestCutExportIsNotWhole(t *testing.T) {
	fs := &failingStore{}
	e := newTestEnv(t, func(c *Config) {
		fs.Store = c.Store
		c.Store = fs
	})
	const n = 450 // pages of 200, 200, 50
	e.seedBulk(n)
	addr := serveLoopback(t, e)
	c := e.tokenFor(e.auditor())

	for _, format := range []string{"jsonl", "csv"} {
		// A whole export ends complete, with as many rows as lines.
		fs.failAt.Store(0)
		resp := e.live(addr, c, "GET", "/api/v1/export?conversation_id=bulk&format="+format, nil)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("%s: %d %v", format, resp.StatusCode, err)
		}
		lines := bytes.Count(body, []byte("\n"))
		if format == "csv" {
			lines-- // the header
		}
		end := e.lastAudit("export.end")
		if lines != n || end.Detail["complete"] != "true" || end.Detail["rows"] != strconv.Itoa(n) || end.Actor != auditorName {
			t.Errorf("%s whole: %d lines, export.end %+v", format, lines, end)
		}

		// The second page fails after the first was sent.
		fs.calls.Store(0)
		fs.failAt.Store(2)
		resp = e.live(addr, c, "GET", "/api/v1/export?conversation_id=bulk&format="+format, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", format, resp.StatusCode)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s cut: reading the body gave %v after %d bytes, want unexpected EOF", format, err, len(body))
		}
		got := 0
		for sc := bufio.NewScanner(bytes.NewReader(body)); sc.Scan(); {
			got++
		}
		end = e.lastAudit("export.end")
		if end.Detail["complete"] != "false" || end.Detail["rows"] != "200" || end.Detail["reason"] != exportFailed {
			t.Errorf("%s cut: export.end %+v", format, end.Detail)
		}
		if got > 201 { // at most the first page (and the CSV header) arrived
			t.Errorf("%s cut: %d lines arrived", format, got)
		}
		if start := e.lastAudit("export"); start.Detail["total"] != strconv.Itoa(n) {
			t.Errorf("%s: export entry %+v", format, start.Detail)
		}
	}
}

// TestExportCutByShutdown: an export stopped by the server shutting down
// is aborted too, and recorded as such.
func TestExportCutByShutdown(t *testing.T) {
	fs := &failingStore{blocked: make(chan struct{}, 1)}
	e := newTestEnv(t, func(c *Config) {
		fs.Store = c.Store
		c.Store = fs
	})
	e.seedBulk(450)
	addr := serveLoopback(t, e)
	c := e.tokenFor(e.auditor())
	fs.blockAt.Store(2)
	resp := e.live(addr, c, "GET", "/api/v1/export?conversation_id=bulk", nil)
	defer resp.Body.Close()
	wait(t, fs.blocked, "the second page")
	done := make(chan error, 1)
	go func() { done <- e.srv.Shutdown(context.Background()) }()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading an export cut by shutdown: %v, want unexpected EOF", err)
	}
	if err := wait(t, done, "shutdown"); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	end := e.lastAudit("export.end")
	if end.Detail["complete"] != "false" || end.Detail["reason"] != exportShutdown || end.Detail["rows"] != "200" {
		t.Errorf("export.end: %+v", end.Detail)
	}
}

// TestExportFromCursor: /export takes a search's cursor ("export from
// here") and checks it like the searches do.
func TestExportFromCursor(t *testing.T) {
	e := newTestEnv(t)
	e.seedBulk(5)
	c := e.tokenFor(e.auditor())

	const search = "/api/v1/search?conversation_id=bulk&sort=oldest&size=2"
	first := e.page(c, search)
	resp, b := e.do(c, "GET", "/api/v1/export?conversation_id=bulk&sort=oldest&after="+url.QueryEscape(first.Next), nil)
	if resp.StatusCode != 200 || strings.Count(string(b), "\n") != 3 || !strings.Contains(string(b), "bulk-0002") ||
		strings.Contains(string(b), "bulk-0001") {
		t.Errorf("export from a cursor: %d %s", resp.StatusCode, b)
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"newest","a":["x","m/x"]}`))
	for name, target := range map[string]string{
		"another search's cursor": "/api/v1/export?conversation_id=other&sort=oldest&after=" + url.QueryEscape(first.Next),
		"a forged cursor":         "/api/v1/export?after=" + forged,
	} {
		resp, b = e.do(c, "GET", target, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "cursor does not belong") {
			t.Errorf("export with %s: %d %s", name, resp.StatusCode, b)
		}
	}
	if start := e.lastAudit("export"); start.Detail["from_cursor"] != "true" {
		t.Errorf("export from a cursor: audit %+v", start.Detail)
	}
}

// auditSignalStore reports every audit entry written with a given action:
// the event tests wait on instead of polling.
type auditSignalStore struct {
	Store
	action string
	ch     chan AuditEntry
}

// PutMetaDurable is how audit entries are written.
func (a *auditSignalStore) PutMetaDurable(key string, value []byte) error {
	if err := a.Store.PutMetaDurable(key, value); err != nil {
		return err
	}
	if strings.HasPrefix(key, auditPrefix) {
		var e AuditEntry
		if json.Unmarshal(value, &e) == nil && e.Action == a.action {
			a.ch <- e
		}
	}
	return nil
}

// smallBufferListener gives accepted connections a small send buffer, so
// a client that stops reading stalls the server after a few kilobytes
// instead of after the megabytes of loopback's autotuned buffers.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

// TestStalledExportReaderIsDropped: an export whose client stops reading
// is dropped once Config.WriteTimeout passes without progress, and the
// audit trail says it was cut. Before, the stream blocked forever.
func TestStalledExportReaderIsDropped(t *testing.T) {
	var sig *auditSignalStore
	e := newTestEnv(t, func(c *Config) {
		sig = &auditSignalStore{Store: c.Store, action: "export.end", ch: make(chan AuditEntry, 4)}
		c.Store = sig
		c.WriteTimeout = 300 * time.Millisecond
	})
	stalledExport(t, e)
	// Never read: the export must be dropped, not wait forever.
	end := wait(t, sig.ch, "the stalled export to be dropped")
	if end.Detail["complete"] != "false" || end.Detail["reason"] != exportClientGone || end.Detail["rows"] == "500" {
		t.Errorf("export.end of a stalled export: %+v", end.Detail)
	}
}

// TestShutdownCutsStalledExport: an export blocked writing to a client that
// stopped reading does not hold the shutdown (the pen-test's SIGTERM waited
// 10 s, exited 1 and left no export.end); it is cut and recorded as cut by
// the shutdown.
func TestShutdownCutsStalledExport(t *testing.T) {
	var sig *auditSignalStore
	e := newTestEnv(t, func(c *Config) {
		sig = &auditSignalStore{Store: c.Store, action: "export.end", ch: make(chan AuditEntry, 4)}
		c.Store = sig
		c.WriteTimeout = time.Hour // only the shutdown may end it
	})
	started := &auditSignalStore{Store: sig, action: "export", ch: make(chan AuditEntry, 4)}
	e.srv.audit.put = started.PutMetaDurable
	stalledExport(t, e)
	wait(t, started.ch, "the export to start")
	for e.srv.streams.running() == 0 { // the stream is under way (and soon blocked)
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stalled export: %v", err)
	}
	end := wait(t, sig.ch, "export.end")
	if end.Detail["complete"] != "false" || end.Detail["reason"] != exportShutdown || end.Detail["rows"] == "500" {
		t.Errorf("export.end of an export cut by shutdown: %+v", end.Detail)
	}
}

// seedBig stores one conversation of 500 messages, about 1 MiB of export:
// far more than the socket buffers hold.
func (e *testEnv) seedBig(t *testing.T) {
	t.Helper()
	b := indexer.Batch{Conversations: []model.Conversation{{ID: "big", Source: model.SourceExport, CreatedAt: t0}}}
	for i := range 500 {
		b.Messages = append(b.Messages, model.Message{ID: fmt.Sprintf("big-%04d", i), ConversationID: "big", Seq: i,
			Role: model.RoleHuman, CreatedAt: t0.Add(time.Duration(i) * time.Second),
			Blocks: []model.Block{{Type: model.BlockText, Text: strings.Repeat(fmt.Sprintf("row %d ", i), 250)}}})
	}
	if _, err := e.ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// stalledExport seeds about 1 MiB of export and asks for it over a real
// connection whose both ends have small buffers, then never reads: the
// server's writes block soon. The connection closes with the test.
func stalledExport(t *testing.T, e *testEnv) {
	t.Helper()
	e.seedBig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(smallBufferListener{ln}) }()
	tok := e.tokenFor(e.auditor())
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
	}}
	conn, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /api/v1/export?conversation_id=big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", tok.bearer)
}
