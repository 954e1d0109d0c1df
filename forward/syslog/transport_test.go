package syslog

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// hungReceiver accepts connections and never reads from them.
func hungReceiver(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// bigBatch is a full batch of near-maximum messages (1.6 MB).
func bigBatch() []model.ForwardEvent {
	evs := make([]model.ForwardEvent, Kind.MaxBatch)
	for i := range evs {
		ev := sampleEvents("h")[2]
		ev.Text = strings.Repeat("x", 16<<10)
		evs[i] = ev
	}
	return evs
}

// A receiver that stops reading fills the socket buffers; Send then gives
// up at the context deadline instead of hanging the destination.
func TestSendHungReceiverDeadline(t *testing.T) {
	s := newSender(t, model.Destination{URL: hungReceiver(t)})
	evs := bigBatch()
	var err error
	for i := 0; i < 100 && err == nil; i++ { // until the buffers are full
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err = s.Send(ctx, evs)
		cancel()
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Send took %s with a 300ms deadline", d)
		}
	}
	// The context's deadline is also the socket's write deadline: which
	// of the two reports it first is a race, either is the deadline.
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)) {
		t.Fatalf("Send to a hung receiver = %v, want a deadline error", err)
	}
}

// Close cuts a Send blocked on a hung receiver.
func TestCloseUnblocksSend(t *testing.T) {
	s := newSender(t, model.Destination{URL: hungReceiver(t)})
	evs := bigBatch()
	done := make(chan error, 1)
	go func() {
		for {
			if err := s.Send(context.Background(), evs); err != nil {
				done <- err
				return
			}
		}
	}()
	// Wait until a Send is blocked: the buffers are full when a Send has
	// been running for a while. Poll the sender's state instead of
	// sleeping a fixed time: Close must work whenever it comes.
	ss := s.(*sender)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ss.mu.Lock()
		connected := ss.conn != nil
		ss.mu.Unlock()
		if connected || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // poll interval
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Send succeeded after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not unblock Send")
	}
	if err := s.Send(context.Background(), evs[:1]); !errors.Is(err, errClosed) {
		t.Fatalf("Send after Close = %v", err)
	}
}

func TestSendRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newSender(t, model.Destination{URL: addr})
	err = s.Send(context.Background(), sampleEvents("r"))
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "connecting") {
		t.Fatalf("Send = %v, want a connect error naming %s", err, addr)
	}
	if err := s.Send(context.Background(), nil); err != nil {
		t.Fatalf("empty Send = %v", err)
	}
}

// A receiver that closes the connection between batches is noticed
// before the next batch is written, so that batch goes to a new
// connection rather than into a dead socket.
func TestReconnectAfterReceiverCloses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conns := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	s := newSender(t, model.Destination{URL: l.Addr().String()})
	evs := sampleEvents("c")
	read := func(c net.Conn, want int) []byte {
		t.Helper()
		buf, _ := s.(*sender).frames(evs)
		got := make([]byte, len(buf))
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("reading batch %d: %v", want, err)
		}
		return got
	}
	if err := s.Send(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	c1 := <-conns
	read(c1, 1)
	c1.Close() // receiver goes away between batches
	waitClosedSeen(t, s)
	if err := s.Send(context.Background(), evs); err != nil {
		t.Fatalf("Send after the receiver closed: %v", err)
	}
	select {
	case c2 := <-conns:
		defer c2.Close()
		got := read(c2, 2)
		if n := len(parseFrames(t, got)); n != len(evs) {
			t.Fatalf("second connection got %d messages", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sender did not reconnect")
	}
}

// waitClosedSeen waits until the sender's socket has seen the receiver
// close it. On a loaded machine the FIN can take longer than the probe's
// wait; a batch written in that window is lost, which syslog without
// acknowledgements cannot see, so tests wait it out rather than flake.
func waitClosedSeen(t testing.TB, s dest.Sender) {
	t.Helper()
	ss := s.(*sender)
	ss.mu.Lock()
	conn := ss.conn
	ss.mu.Unlock()
	if conn == nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for probe(conn) == nil { // each probe waits probeWait: a poll
		if time.Now().After(deadline) {
			t.Fatal("the sender's socket never saw the receiver close")
		}
	}
}
