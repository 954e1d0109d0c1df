package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHalfSentRequestIsDropped: a client that sends half a request and
// stalls (slowloris) loses its connection after Config.ReadTimeout.
// Before, there was no read timeout and the connection was held forever.
func TestHalfSentRequestIsDropped(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.ReadTimeout = 200 * time.Millisecond })
	addr := serveLoopback(t, e)
	for _, partial := range []string{"GET /api/v1/sea", "GET /api/v1/search HTTP/1.1\r\nHost: x\r\nX-Slow: "} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, partial); err != nil {
			t.Fatal(err)
		}
		// The guard deadline only stops a hang: the server must close first.
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err = io.ReadAll(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%q: the server kept the half-sent request's connection open", partial)
		}
		conn.Close()
	}
}

// pacedReader hands out its data a piece per tick after a first piece at
// once: an upload that keeps moving but takes longer in all than the read
// timeout.
type pacedReader struct {
	data         []byte
	first, piece int
	tick         *time.Ticker
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	size := p.first
	if size == 0 {
		<-p.tick.C // pacing, not synchronisation: the point is to be slow
		size = p.piece
	}
	p.first = 0
	n := copy(b[:min(len(b), size)], p.data)
	p.data = p.data[n:]
	return n, nil
}

// TestSlowUploadOutlivesReadTimeout: an upload that keeps sending is not
// cut by the read timeout, however long it takes in all; one that stops
// sending is.
func TestSlowUploadOutlivesReadTimeout(t *testing.T) {
	imp := &recordingImporter{}
	const readTimeout = 500 * time.Millisecond
	e := newTestEnv(t, func(c *Config) { c.Importer = imp; c.ReadTimeout = readTimeout })
	addr := serveLoopback(t, e)
	tok := e.tokenFor(e.admin())
	convs := []byte(`[{"uuid":"c1","name":"` + strings.Repeat("x", 200<<10) + `","chat_messages":[]}]`)
	body, ct := multipartBody(t, upPart{"file", "conversations.json", convs})
	// fasthttp reads the first 8 KiB of a body before the handler, under
	// the fixed ReadTimeout: that part goes at once. The rest follows in
	// 20 pieces 50 ms apart: about 1 s in all, twice the read timeout, but
	// never a gap near it.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	paced := &pacedReader{data: body, first: 16 << 10, piece: (len(body)-16<<10)/20 + 1, tick: tick}
	req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/imports", paced)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+tok.bearer)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("slow upload: %d %s", resp.StatusCode, b)
	}
	if took := time.Since(start); took < readTimeout {
		t.Fatalf("the upload took %s, less than the read timeout: the test proves nothing", took)
	}
	imp.mu.Lock()
	got := imp.data[conversationsFile]
	imp.mu.Unlock()
	if !bytes.Equal(got, convs) {
		t.Errorf("imported %d bytes, want %d", len(got), len(convs))
	}

	// An upload that stalls half-way is dropped.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		tok.bearer, ct, len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("the server kept a stalled upload's connection open")
	}
}
