package fakeapi

import (
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// sessPage is what a session page token carries. Tokens are opaque to
// clients ("page_…"); the fake binds them to their walk (kind, session and
// order) and signs them, so an altered or foreign token is refused as the
// real API refuses it.
type sessPage struct {
	Kind    string `json:"k"`           // ll, rl (lists), lm, rm (messages)
	Session string `json:"s,omitempty"` // messages: the session id
	Order   string `json:"o,omitempty"`
	// Lists: the last item returned, (created_at, id), newest first.
	T  int64  `json:"t,omitempty"`
	ID string `json:"i,omitempty"`
	// Messages: the Ord of the last message returned.
	Ord int `json:"n"`
	// Walk is when the walk's first page was served (messages expire 24 h
	// after it).
	Walk int64  `json:"w"`
	Sig  string `json:"h"`
}

func (p sessPage) sign() string {
	h := fnv.New64a()
	h.Write([]byte("fakeapi-session-token|" + p.Kind + "|" + p.Session + "|" + p.Order + "|" + p.ID + "|" +
		strconv.FormatInt(p.T, 10) + "|" + strconv.Itoa(p.Ord) + "|" + strconv.FormatInt(p.Walk, 10)))
	return strconv.FormatUint(h.Sum64(), 36)
}

func encodeSessPage(p sessPage) string {
	p.Sig = p.sign()
	b, _ := json.Marshal(p)
	return "page_" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeSessPage(s string) (sessPage, bool) {
	raw, ok := strings.CutPrefix(s, "page_")
	if !ok {
		return sessPage{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return sessPage{}, false
	}
	var p sessPage
	if json.Unmarshal(b, &p) != nil || p.Sig == "" || p.Sig != p.sign() {
		return sessPage{}, false
	}
	return p, true
}

// listAfter is the newest-first order of session lists: (created_at desc,
// id desc).
func listAfter(t time.Time, id string, p sessPage) bool {
	pt := time.UnixMicro(p.T)
	if !t.Equal(pt) {
		return t.Before(pt)
	}
	return id < p.ID
}
