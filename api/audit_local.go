package api

import (
	"os/user"
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
	a := newAuditLog(store, time.Now)
	return a.append(AuditEntry{Actor: who, Via: via, IP: "local", Action: action, Target: target, Detail: detail})
}

// LocalActor names the OS user running a command, for created_by and
// released_by fields ("cli:<user>").
func LocalActor() string { return "cli:" + osUser() }

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
