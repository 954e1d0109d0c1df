package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccsync/ccsync/indexer"
)

// serveLoopback serves the app on a real loopback listener, as WebSockets
// need a real connection.
func serveLoopback(t *testing.T, e *testEnv) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(ln) }()
	return ln.Addr().String()
}

func dialProgress(addr string, c *client, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if c != nil && c.cookie != "" {
		h.Set("Cookie", sessionCookie+"="+c.cookie)
	}
	if c != nil && c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial("ws://"+addr+"/api/v1/progress", h)
}

func readProgress(t *testing.T, conn *websocket.Conn) progressMessage {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m progressMessage
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("read progress: %v", err)
	}
	return m
}

func TestProgressWebSocket(t *testing.T) {
	e := newTestEnv(t)
	addr := serveLoopback(t, e)
	auditor := e.auditor()

	// A job already running when the page opens shows in the snapshot.
	e.ix.Publish(indexer.Event{Job: "import-1", Kind: "import", State: "running", Done: 10, Total: 100, Unit: "conversations"})

	conn, _, err := dialProgress(addr, auditor, testOrigin)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	snap := readProgress(t, conn)
	var inSnap *indexer.Event
	for i, ev := range snap.Events {
		if ev.Job == "import-1" {
			inSnap = &snap.Events[i]
		}
	}
	if snap.Type != "snapshot" || inSnap == nil || inSnap.Done != 10 || inSnap.Total != 100 {
		t.Fatalf("snapshot: %+v", snap)
	}
	e.ix.Publish(indexer.Event{Job: "sync-7", Kind: "sync", State: "running", Done: 3, Counters: map[string]int{"messages": 40}})
	got := map[string]indexer.Event{}
	for len(got) == 0 || got["sync-7"].Done != 3 {
		m := readProgress(t, conn)
		if m.Type != "events" {
			t.Fatalf("message type %q", m.Type)
		}
		for _, ev := range m.Events {
			got[ev.Job] = ev
		}
	}
	if got["sync-7"].Counters["messages"] != 40 {
		t.Errorf("event: %+v", got["sync-7"])
	}

	// A token works for scripts (which send no Origin of a browser, but
	// the handshake still has to name ours).
	tok := e.tokenFor(auditor)
	c2, _, err := dialProgress(addr, tok, testOrigin)
	if err != nil {
		t.Fatalf("dial with token: %v", err)
	}
	c2.Close()

	// Refused handshakes.
	for _, tc := range []struct {
		name   string
		c      *client
		origin string
		status int
	}{
		{"no credentials", nil, testOrigin, 401},
		// Item 9 of issue 12: these were 426 Upgrade Required, which
		// tells a client to retry the very handshake that was refused.
		{"foreign origin (cross-site hijacking)", auditor, "https://evil.example", 403},
		{"no origin", auditor, "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, resp, err := dialProgress(addr, tc.c, tc.origin)
			if err == nil {
				c.Close()
				t.Fatal("handshake accepted")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("refused with %v, want %d", resp, tc.status)
			}
			b, _ := io.ReadAll(resp.Body)
			if want := map[int]string{401: "unauthenticated", 403: "csrf"}[tc.status]; errorType(t, b) != want {
				t.Errorf("refusal body %s, want error type %s", b, want)
			}
		})
	}
	denied := e.audited("access.denied")
	if len(denied) != 1 || denied[0].Actor != auditorName || denied[0].Detail["path"] != "/api/v1/progress" || denied[0].Detail["reason"] != "origin" {
		t.Errorf("refused handshakes audited as %+v, want one access.denied (origin)", denied)
	}
	// A plain GET is told to upgrade.
	resp, b := e.do(auditor, "GET", "/api/v1/progress", nil)
	if resp.StatusCode != 426 || errorType(t, b) == "" {
		t.Errorf("plain GET: %d %s", resp.StatusCode, b)
	}
}

// TestProgressSlowClient: a client that never reads must not block
// publishing, and still gets a close on shutdown.
func TestProgressSlowClientAndShutdown(t *testing.T) {
	e := newTestEnv(t)
	addr := serveLoopback(t, e)
	conn, _, err := dialProgress(addr, e.auditor(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	readProgress(t, conn) // snapshot
	big := strings.Repeat("x", 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5000 {
			e.ix.Publish(indexer.Event{Job: "import-slow", Kind: "import", State: "running", Done: int64(i), Message: big})
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("publishing blocked on a client that does not read")
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.hub.count() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Drain what was queued; the stream must end with a close, not hang.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("socket still open after shutdown: %v", err)
		}
		if errors.As(err, &ce) && ce.Code != websocket.CloseGoingAway {
			t.Errorf("close code %d, want %d", ce.Code, websocket.CloseGoingAway)
		}
		break
	}
	if n := e.srv.hub.count(); n != 0 {
		t.Errorf("%d sockets tracked after shutdown", n)
	}
}

func TestCoalesce(t *testing.T) {
	ch := make(chan indexer.Event, 10)
	for _, ev := range []indexer.Event{{Job: "b", Done: 1}, {Job: "a", Done: 2}, {Job: "b", Done: 3}} {
		ch <- ev
	}
	got := coalesce(indexer.Event{Job: "a", Done: 1}, ch)
	if len(got) != 2 || got[0].Job != "a" || got[0].Done != 2 || got[1].Job != "b" || got[1].Done != 3 {
		t.Errorf("coalesce: %+v", got)
	}
}

// expectPolicyClose reads until the socket closes and fails if anything
// but the 1008 policy-violation close arrives first.
func expectPolicyClose(t *testing.T, conn *websocket.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, msg, err := conn.ReadMessage()
	if err == nil {
		t.Fatalf("delivered after the credential ended: %s", msg)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
		t.Fatalf("socket ended with %v, want close %d", err, websocket.ClosePolicyViolation)
	}
}

// Item 6 of issue 12: an open progress socket kept streaming after its
// account was deleted. Sockets re-check their credential before every
// message and close with 1008 once it no longer holds.
func TestProgressSocketEndsWithItsCredential(t *testing.T) {
	for _, tc := range []struct {
		name string
		// dial opens the socket as the auditor; end ends that credential.
		token bool
		end   func(e *testEnv, admin, auditor *client)
	}{
		{"account deleted", false, func(e *testEnv, admin, _ *client) {
			e.status(admin, "DELETE", "/api/v1/accounts/"+auditorName, nil)
		}},
		{"own password changed in another browser", false, func(e *testEnv, _, _ *client) {
			e.status(e.auditor(), "PUT", "/api/v1/auth/password", passwordChange{Current: auditorPW, New: "new-password-12345"})
		}},
		{"logged out", false, func(e *testEnv, _, auditor *client) {
			e.status(auditor, "POST", "/api/v1/auth/logout", nil)
		}},
		{"token: password reset by an admin", true, func(e *testEnv, admin, _ *client) {
			e.status(admin, "PATCH", "/api/v1/accounts/"+auditorName, `{"password":"reset-by-admin-123"}`)
		}},
		{"token: revoked by an admin", true, func(e *testEnv, admin, _ *client) {
			e.status(admin, "DELETE", "/api/v1/accounts/"+auditorName+"/tokens", nil)
		}},
		{"token: account deleted", true, func(e *testEnv, admin, _ *client) {
			e.status(admin, "DELETE", "/api/v1/accounts/"+auditorName, nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			addr := serveLoopback(t, e)
			admin, auditor := e.admin(), e.auditor()
			cred := auditor
			if tc.token {
				cred = e.tokenFor(auditor)
			}
			conn, _, err := dialProgress(addr, cred, testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			readProgress(t, conn) // the snapshot: subscribed from here on
			tc.end(e, admin, auditor)
			e.ix.Publish(indexer.Event{Job: "sync-9", Kind: "sync", State: "running", Message: "after the credential ended"})
			expectPolicyClose(t, conn)
		})
	}
}

// Without any event to send, the ping tick re-checks too.
func TestProgressSocketRechecksOnPing(t *testing.T) {
	e := newTestEnv(t)
	e.srv.wsPing = 10 * time.Millisecond
	addr := serveLoopback(t, e)
	admin, auditor := e.admin(), e.auditor()
	conn, _, err := dialProgress(addr, auditor, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	readProgress(t, conn)
	e.status(admin, "DELETE", "/api/v1/accounts/"+auditorName, nil)
	expectPolicyClose(t, conn)
}
