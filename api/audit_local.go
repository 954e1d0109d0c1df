package api

import (
	"os/user"
	"sync"
	"time"
)

// RecordLocal appends an audit entry for an action taken outside HTTP: a
// CLI command on the server's machine or the demo's setup. The actor is
// "cli:<OS user>" (or who, when given) and Via says how ("cli", "demo"), so
// the trail tells these apart from accounts. Callers do not act when it
// fails, like the handlers.
func RecordLocal(store MetaStore, via, who, action, target string, detail map[string]string) error {
	if who == "" {
		who = "cli:" + osUser()
	}
	localMu.Lock()
	defer localMu.Unlock()
	a := newAuditLog(store, time.Now)
	a.last = localLast // keys stay unique across calls in one process
	err := a.append(AuditEntry{Actor: who, Via: via, IP: "local", Action: action, Target: target, Detail: detail})
	localLast = a.last
	return err
}

var (
	localMu   sync.Mutex
	localLast int64
)

// LocalActor names the OS user running a command, for created_by and
// released_by fields ("cli:<user>").
func LocalActor() string { return "cli:" + osUser() }

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
