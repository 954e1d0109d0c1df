package api

import (
	"net"
	"sync"
	"time"
)

// disconnectPoll is how often a running query checks whether its client is
// still there.
const disconnectPoll = 200 * time.Millisecond

// afterProbe, when set (tests only, before the server starts), runs after
// every probe.
var afterProbe func()

// watchDisconnect calls gone once if the peer of conn closes its end while
// the watch runs. fasthttp has no CloseNotify, so the connection is probed
// a few times a second with a non-blocking peek (peerClosed): like
// net/http's background read, end of stream means the client left. Where
// the connection cannot be probed (not a socket, another OS) it does
// nothing. stop ends the watch and returns once it has: the connection is
// not touched after stop returns, so it must be called before the
// connection goes back to fasthttp for the next request.
func watchDisconnect(conn net.Conn, gone func()) (stop func()) {
	probe := peerClosedProbe(conn)
	if probe == nil {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(disconnectPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				closed := probe()
				if afterProbe != nil {
					afterProbe()
				}
				if closed {
					gone()
					return
				}
			}
		}
	}()
	return sync.OnceFunc(func() {
		close(done)
		<-exited
	})
}
