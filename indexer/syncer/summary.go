package syncer

import (
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// Run outcomes in Summary.State.
const (
	StateDone      = "done"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
	// StateCapped means the hourly cap stopped the run; ResumeAt says when
	// the next run can continue from the saved cursor.
	StateCapped = "capped"
)

// Summary is one run's record, persisted as the last run and returned by
// RunOnce. The JSON field names are what `ccsync sync --json` prints.
type Summary struct {
	ID          string     `json:"id"`
	Start       time.Time  `json:"start"`
	End         time.Time  `json:"end"`
	State       string     `json:"state"`
	Phase       string     `json:"phase"`
	Chats       int        `json:"chats"`
	Messages    int        `json:"messages"`
	Users       int        `json:"users"`
	Skipped     int        `json:"skipped"`      // chats recorded as failed this run
	Recovered   int        `json:"recovered"`    // earlier failures read this run
	Ignored     int        `json:"ignored"`      // chats older than Sync from
	Lost        int        `json:"lost"`         // chat list items without an id: neither stored nor retried
	Gone        int        `json:"gone"`         // chats that answered 404 after being listed: marked deleted upstream
	RateLimited int        `json:"rate_limited"` // 429 responses waited out
	Requests    int64      `json:"requests"`
	Errors      []string   `json:"errors"`
	ResumeAt    *time.Time `json:"resume_at,omitempty"`
	// Streams is each stream's state, chats first: what the Settings card
	// shows. Requests and RateLimited above are their totals.
	Streams []stream.State `json:"streams,omitempty"`

	// secret is the run's key. The client already keeps it out of its
	// errors; the summary, stored and shown to auditors, scrubs it again.
	secret string
}

func (s *Summary) addError(err string) {
	// Bounded: a run over a broken tenant must not grow an unbounded summary.
	if len(s.Errors) < 50 {
		s.Errors = append(s.Errors, scrubKey(err, s.secret))
	}
}

// scrubKey replaces key in s with its hint.
func scrubKey(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, keystore.Hint(key))
}
