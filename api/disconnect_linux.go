package api

import (
	"errors"
	"net"
	"syscall"
)

// peerClosedProbe returns a function reporting whether the peer of conn has
// closed the connection, or nil if conn is not a socket it can peek at.
//
// It peeks one byte without blocking (MSG_PEEK|MSG_DONTWAIT) on the file
// descriptor: 0 bytes is an orderly close (FIN), an error other than
// "would block" a reset. Bytes waiting (a pipelined request) mean the
// client is still there. The peek consumes nothing, so fasthttp reads the
// connection as before. It goes through RawConn.Control, not Read: Read
// honours the connection's read deadline, which fasthttp sets for reading
// the request, and once that passed (30 s into a long export) every probe
// failed and was taken for a gone client.
func peerClosedProbe(conn net.Conn) func() bool {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // *tls.Conn
		conn = nc.NetConn()
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var buf [1]byte
	return func() bool {
		closed := false
		err := raw.Control(func(fd uintptr) {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case err == nil:
				closed = n == 0
			case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
			default:
				closed = true
			}
		})
		return closed || err != nil // err: the connection is closed on our side
	}
}
