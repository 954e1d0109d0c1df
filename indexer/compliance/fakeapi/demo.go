package fakeapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Demo is a generated organisation served on a loopback port.
type Demo struct {
	URL    string  // base URL, http://127.0.0.1:port
	Key    string  // the accepted compliance key
	Server *Server // for faults and mutations

	stop    func()
	after   sync.Once
	changes DemoChanges
	err     error
}

// DemoChanges are the ids AfterFirstSync changed.
type DemoChanges struct {
	UserDeleted []string // deleted in claude.ai: listed nameless, content gone
	HardDeleted []string // gone from the API
}

// DemoRequestsPerMinute is the demo organisation's quota. The demo is
// ccsync's own fake on loopback; ten times the real API's 600/min lets the
// first sync of every stream finish in seconds. Everywhere else the default
// budget is the documented 600.
const DemoRequestsPerMinute = 6000

// StartDemo serves a generated organisation, with every stream the API has
// (chats, local and remote sessions, the Activity Feed, file content), on a
// loopback port until Stop is called or ctx ends. The key is random per call
// so a demo key is never a real credential; it is shaped like a compliance
// key so the UI's hint (sk-ant-a••••) looks as it will with a real one.
func StartDemo(ctx context.Context, seed uint64) (*Demo, error) {
	now := time.Now().UTC()
	org := Generate(seed, GenOptions{Users: 12, Chats: 120, NoUserEvery: 40,
		Sessions: 40, RemoteSessions: 10, Activities: 300, FileContent: true,
		Start: now.Add(-20 * 24 * time.Hour), End: now.Add(-time.Hour)})
	var kb [24]byte
	for i := range kb {
		kb[i] = byte(rand.Uint32())
	}
	key := fmt.Sprintf("%sdemo%x", prefixCompliance, kb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakeapi demo: listen: %w", err)
	}
	d := &Demo{URL: "http://" + ln.Addr().String(), Key: key, Server: New(org, Options{Key: key, RequestsPerMinute: DemoRequestsPerMinute})}
	srv := &http.Server{Handler: d.Server, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the demo has no one to report to; requests will fail visibly
		}
	}()
	done := make(chan struct{})
	var once sync.Once
	d.stop = func() {
		once.Do(func() {
			close(done)
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			d.stop()
		case <-done:
		}
	}()
	return d, nil
}

// Stop shuts the demo server down; safe to call more than once.
func (d *Demo) Stop() { d.stop() }

// AfterFirstSync plays what users and retention do between two syncs, so a
// second sync has deletions to show: the two most recently updated live
// chats are deleted in claude.ai and the next one is hard-deleted. It acts
// once; later calls return the same changes.
func (d *Demo) AfterFirstSync() (DemoChanges, error) {
	d.after.Do(func() {
		var ch DemoChanges
		var err error
		defer func() { d.changes, d.err = ch, err }()
		var live []*Chat
		for _, c := range d.Server.Snapshot().Chats {
			if c.DeletedAt == nil {
				live = append(live, c)
			}
		}
		if len(live) < 3 {
			err = errors.New("fakeapi demo: fewer than 3 live chats to delete")
			return
		}
		sort.Slice(live, func(i, j int) bool { return after(live[i].UpdatedAt, live[i].ID, live[j].UpdatedAt, live[j].ID) })
		for _, c := range live[:2] {
			if err = d.Server.DeleteChat(c.ID); err != nil {
				return
			}
			ch.UserDeleted = append(ch.UserDeleted, c.ID)
		}
		if err = d.Server.HardDeleteChat(live[2].ID); err != nil {
			return
		}
		ch.HardDeleted = []string{live[2].ID}
	})
	return d.changes, d.err
}
