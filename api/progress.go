package api

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	fws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
)

const (
	wsWriteTimeout = 5 * time.Second
	wsPingEvery    = 30 * time.Second
	// wsCoalesce is how many queued events are merged into one write: a
	// slow browser gets the latest state per job, never a backlog.
	wsCoalesce = 64
)

// progressMessage is what the socket sends: first one "snapshot" with the
// latest event of every job seen so far, then "events" batches.
type progressMessage struct {
	Type   string          `json:"type"` // "snapshot" or "events"
	Events []indexer.Event `json:"events"`
}

// progressHub tracks open sockets so Shutdown can close them: Fiber's own
// shutdown does not know about hijacked connections.
type progressHub struct {
	mu     sync.Mutex
	conns  map[*websocket.Conn]chan struct{}
	closed bool
}

func newProgressHub() *progressHub {
	return &progressHub{conns: map[*websocket.Conn]chan struct{}{}}
}

func (h *progressHub) add(c *websocket.Conn) (<-chan struct{}, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	done := make(chan struct{})
	h.conns[c] = done
	return done, true
}

func (h *progressHub) remove(c *websocket.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if done, ok := h.conns[c]; ok {
		close(done)
		delete(h.conns, c)
	}
}

func (h *progressHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// closeAll tells every socket the server is going away and closes it.
func (h *progressHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
	for c, done := range h.conns {
		_ = c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = c.Close()
		close(done)
		delete(h.conns, c)
	}
}

// progressSocket relays the indexer's job events to every authenticated
// browser. Authentication ran before the upgrade (a browser sends its
// cookie with the handshake). The Origin is checked here, before the
// upgrade, so that a foreign page gets a 403 in the API's error shape (the
// upgrader's own check, kept as a second line, would answer 426): without
// it any site could open the socket with the user's cookie.
func (s *Server) progressSocket() fiber.Handler {
	ws := fws.New(s.relayProgress, fws.Config{
		Origins:          []string{s.cfg.Origin},
		HandshakeTimeout: 10 * time.Second,
	})
	return func(c *fiber.Ctx) error {
		if !fws.IsWebSocketUpgrade(c) {
			return fiber.ErrUpgradeRequired
		}
		if c.Get(fiber.HeaderOrigin) != s.cfg.Origin {
			return s.deny(c, principalOf(c), "origin", &apiError{fiber.StatusForbidden, "csrf", "WebSocket handshake from a foreign or missing Origin refused"})
		}
		return ws(c)
	}
}

// errCredentialEnded closes a socket whose session or token no longer holds.
var errCredentialEnded = errors.New("credential no longer valid")

func (s *Server) relayProgress(fc *fws.Conn) {
	// The contrib wrapper is recycled when this returns; keep the
	// underlying connection, which goroutines below may still touch.
	conn := fc.Conn
	p, _ := fc.Locals(localPrincipal).(*principal)
	done, ok := s.hub.add(conn)
	if !ok {
		return
	}
	defer s.hub.remove(conn)
	events, snapshot, cancel := s.store.Subscribe()
	defer cancel()

	// The client sends nothing we need; reading detects its close and
	// handles pongs. Wait for the reader before returning.
	gone := make(chan struct{})
	conn.SetReadLimit(512)
	go func() {
		defer close(gone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	defer func() { _ = conn.Close(); <-gone }()

	// The socket outlives the request that authenticated it: before every
	// message and at every ping, make sure the account still exists and
	// the session or token is still valid, or close with 1008.
	send := func(m progressMessage) error {
		if err := s.principalHolds(p); err != nil {
			msg := websocket.FormatCloseMessage(websocket.ClosePolicyViolation, errCredentialEnded.Error())
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wsWriteTimeout))
			return err
		}
		if m.Type == "" {
			return conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout))
		}
		return s.writeProgress(conn, m)
	}

	sort.Slice(snapshot, func(i, j int) bool { return snapshot[i].Time.Before(snapshot[j].Time) })
	if snapshot == nil {
		snapshot = []indexer.Event{}
	}
	if send(progressMessage{Type: "snapshot", Events: snapshot}) != nil {
		return
	}
	ping := time.NewTicker(s.wsPing)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-gone:
			return
		case <-ping.C:
			if send(progressMessage{}) != nil {
				return
			}
		case e, ok := <-events:
			if !ok {
				return
			}
			batch := coalesce(e, events)
			if send(progressMessage{Type: "events", Events: batch}) != nil {
				return
			}
		}
	}
}

// principalHolds re-checks a socket's principal; a store error counts as
// not holding (the socket closes; the browser reconnects and is checked
// afresh).
func (s *Server) principalHolds(p *principal) error {
	if p == nil {
		return errCredentialEnded
	}
	if err := s.recheck(p); err != nil {
		return fmt.Errorf("%w: %w", errCredentialEnded, err)
	}
	return nil
}

// coalesce drains what is already queued and keeps the latest event per job,
// in the order jobs were first seen.
func coalesce(first indexer.Event, ch <-chan indexer.Event) []indexer.Event {
	out := []indexer.Event{first}
	at := map[string]int{first.Job: 0}
	for range wsCoalesce {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			if i, seen := at[e.Job]; seen {
				out[i] = e
			} else {
				at[e.Job] = len(out)
				out = append(out, e)
			}
		default:
			return out
		}
	}
	return out
}

func (s *Server) writeProgress(conn *websocket.Conn, m progressMessage) error {
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return conn.WriteJSON(m)
}
