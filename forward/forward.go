// Package forward delivers events to destinations ("log providers"):
// fired alerts to alert destinations, and every finding or every message
// to SIEM feeds. Delivery is at least once and in order per destination:
// each destination has a cursor into its stream (the indexer's journal for
// feeds, the fired alerts for alert destinations) that moves only after
// the receiver accepted a batch, so a crash or an outage re-sends, never
// skips. A batch that keeps failing goes to the destination's dead-letter
// list (visible in the UI, retried on request) and the cursor moves on.
//
// Senders run beside ingest and never hold it up: ingest only appends to
// the journal, and the journal is trimmed behind the slowest consumer.
//
// Meta layout:
//
//	fwd/dest/<id>                   a model.Destination (Secret stripped)
//	fwd/cursor/<id>                 the last sequence delivered (decimal)
//	fwd/status/<id>                 a Status (last delivery, last error)
//	fwd/dead/<id>\x00<seq:%016x>    a DeadLetter
//	fwd/instance                    this store's id, the prefix of event ids
//
// The secret of destination <id> is in the keystore under "forward/<id>".
package forward

import (
	"time"

	"github.com/ccsync/ccsync/model"
)

// Status is a destination's delivery state.
type Status struct {
	Cursor       uint64     `json:"cursor"`  // last sequence delivered or dead-lettered
	Backlog      uint64     `json:"backlog"` // sequences waiting (an upper bound)
	LastDelivery *time.Time `json:"last_delivery,omitempty"`
	LastEvents   int        `json:"last_events,omitempty"` // events in the last delivered batch
	Delivered    int64      `json:"delivered"`             // events delivered since created
	LastError    string     `json:"last_error,omitempty"`
	LastErrorAt  *time.Time `json:"last_error_at,omitempty"`
	Failing      bool       `json:"failing"` // the head batch is being retried
	NextAttempt  *time.Time `json:"next_attempt,omitempty"`
	DeadLetters  int        `json:"dead_letters"`
}

// DestinationStatus is a destination with its status.
type DestinationStatus struct {
	model.Destination
	Status Status `json:"status"`
}

// DeadLetter is a batch that could not be delivered.
type DeadLetter struct {
	ID          string               `json:"id"` // "<first seq:%016x>-<events of that entry before it>"
	Destination string               `json:"destination"`
	From        uint64               `json:"from"` // first and last sequence in the batch
	To          uint64               `json:"to"`
	Events      []model.ForwardEvent `json:"events"`
	Error       string               `json:"error"`
	Attempts    int                  `json:"attempts"`
	FirstTry    time.Time            `json:"first_try"`
	LastTry     time.Time            `json:"last_try"`
}

// TestResult is the outcome of a test send.
type TestResult struct {
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	EventID  string        `json:"event_id"`
}
