package api

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// renewReadDeadline makes body's connection read deadline a rolling one:
// every read of the body first pushes it Config.ReadTimeout ahead. fasthttp
// sets ReadTimeout once, before the headers, and with StreamRequestBody the
// handler's reads of the body fall under that same deadline, which would
// cut a 2 GiB upload on a slow line. A client that stops sending for
// ReadTimeout is still dropped.
//
// fasthttp reads the first 8 KiB of a body before the handler, under the
// fixed deadline; the rolling one applies from there.
func (s *Server) renewReadDeadline(c *fiber.Ctx, body io.Reader) io.Reader {
	return &renewingReader{r: body, ctx: c.Context(), d: s.cfg.ReadTimeout}
}

type renewingReader struct {
	r   io.Reader
	ctx *fasthttp.RequestCtx
	d   time.Duration
}

func (r *renewingReader) Read(p []byte) (int, error) {
	_ = r.ctx.Conn().SetReadDeadline(time.Now().Add(r.d))
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		// The rest of the body is unread (the client stalled or broke
		// off): the connection cannot carry another request.
		r.ctx.SetConnectionClose()
	}
	return n, err
}

// streamBody streams a response body written by fn, with a rolling write
// deadline: fasthttp sets WriteTimeout once per response, which would cut
// a long export however fast its client reads. Every write here pushes the
// deadline Config.WriteTimeout ahead instead. fasthttp copies the body from
// a pipe of a few small buffers, so fn's writes block soon after the client
// stops reading, the deadline then passes, fasthttp's write fails and
// closes the pipe, and fn's next write fails: a stalled reader is dropped.
//
// fn runs on its own goroutine, possibly after the handler returned: it
// must not touch the fiber.Ctx, which is recycled by then.
//
// Shutdown closes the connection of every stream still running: a stream
// blocked writing to a slow reader would otherwise hold the shutdown for
// WriteTimeout, and end uncounted once the store has closed.
func (s *Server) streamBody(c *fiber.Ctx, fn func(w *bufio.Writer)) {
	conn, d := c.Context().Conn(), s.cfg.WriteTimeout
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if !s.streams.add(conn) {
			// Shutting down: not a byte more, and fn learns so at its
			// first write (and records the stream as cut).
			_ = conn.Close()
			fn(bufio.NewWriter(closedWriter{}))
			return
		}
		defer s.streams.remove(conn)
		bw := bufio.NewWriter(&renewingWriter{w: w, conn: conn, d: d})
		fn(bw)
		_ = bw.Flush()
	})
}

// closedWriter is a stream that was cut before it began.
type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) { return 0, net.ErrClosed }

// streamSet tracks the connections of running streams for Shutdown.
type streamSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (ss *streamSet) add(c net.Conn) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return false
	}
	if ss.conns == nil {
		ss.conns = map[net.Conn]struct{}{}
	}
	ss.conns[c] = struct{}{}
	return true
}

func (ss *streamSet) remove(c net.Conn) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.conns, c)
}

func (ss *streamSet) running() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.conns)
}

// closeAll closes every running stream's connection and refuses new ones.
func (ss *streamSet) closeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = true
	for c := range ss.conns {
		_ = c.Close()
	}
}

type renewingWriter struct {
	w    *bufio.Writer
	conn net.Conn
	d    time.Duration
}

// Write passes p on at once (fn's own buffer batches it): a flush by fn
// must reach the pipe, where a gone client shows as an error.
func (r *renewingWriter) Write(p []byte) (int, error) {
	_ = r.conn.SetWriteDeadline(time.Now().Add(r.d))
	n, err := r.w.Write(p)
	if err == nil {
		err = r.w.Flush()
	}
	return n, err
}
