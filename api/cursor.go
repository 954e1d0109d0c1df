package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

// Cursors bind a page to the search and the account that asked for it.
//
// Only a search's first page is audited: following pages are the same
// search. That holds only if a cursor cannot be made by hand or carried to
// another query: the indexer's cursor is plain base64 JSON
// ({"s":"relevance","o":0} is the first page of any query), so the API
// hands out a sealed one instead, an HMAC over the account, the search
// (everything but the cursor and the page size) and the time it was issued.
// Every page a verified cursor opens is then covered by the audit entry of
// the first page of the same search by the same account.
const (
	cursorKeyMeta = "auth/cursor-key" // 32 random bytes, made once
	cursorVersion = 1
	cursorMACLen  = sha256.Size
	cursorHeader  = 1 + 8 + cursorMACLen // version, issue time, MAC
	// cursorMaxAge is how long a cursor stays valid: long enough for a
	// day's review, short enough that a leaked one dies.
	cursorMaxAge = 24 * time.Hour
	// cursorSkew tolerates a clock step back between issue and use.
	cursorSkew = time.Minute
)

var errForeignCursor = errBadRequest(`parameter "after": cursor does not belong to this search; start from the first page`)

type cursorSealer struct {
	key []byte
	now func() time.Time
}

// loadCursorKey reads the key from meta, or makes and stores one, so
// cursors survive a restart.
func loadCursorKey(store MetaStore) ([]byte, error) {
	k, err := store.Meta(cursorKeyMeta)
	if err == nil && len(k) == 32 {
		return k, nil
	}
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("read cursor key: %w", err)
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("make cursor key: %w", err)
	}
	if err := store.PutMeta(cursorKeyMeta, k); err != nil {
		return nil, fmt.Errorf("store cursor key: %w", err)
	}
	return k, nil
}

// cursorScope is the canonical form of what a cursor is bound to. Field
// order is fixed by the struct, so its JSON is canonical.
type cursorScope struct {
	Account        string   `json:"account"`
	Kind           string   `json:"kind"`
	Query          string   `json:"q"`
	Sort           string   `json:"sort"`
	FindingTypes   []string `json:"finding_type"`
	Severities     []string `json:"severity"`
	Users          []string `json:"user"`
	Models         []string `json:"model"`
	Roles          []string `json:"role"`
	Tools          []string `json:"tool"`
	Sources        []string `json:"source"`
	Flagged        bool     `json:"flagged"`
	ConversationID string   `json:"conversation_id"`
	From           int64    `json:"from"` // Unix nanoseconds, 0 for none (in the window: no wrap)
	To             int64    `json:"to"`
	Inner          string   `json:"inner"` // the indexer's cursor
	Issued         int64    `json:"issued"`
}

// effectiveSort is the order the indexer will use: the cursor of a
// relevance search must not open a time-ordered one.
func effectiveSort(req indexer.SearchRequest) indexer.Sort {
	switch {
	case req.Sort != "":
		return req.Sort
	case strings.TrimSpace(req.Query) != "":
		return indexer.SortRelevance
	}
	return indexer.SortNewest
}

func (cs *cursorSealer) mac(account string, req indexer.SearchRequest, inner string, issued int64) []byte {
	sc := cursorScope{Account: account, Kind: string(req.Kind), Query: req.Query, Sort: string(effectiveSort(req)),
		FindingTypes: req.FindingTypes, Severities: req.Severities, Users: req.Users, Models: req.Models,
		Roles: req.Roles, Tools: req.Tools, Sources: req.Sources, Flagged: req.FlaggedOnly,
		ConversationID: req.ConversationID, Inner: inner, Issued: issued}
	if !req.From.IsZero() {
		sc.From = req.From.UnixNano()
	}
	if !req.To.IsZero() {
		sc.To = req.To.UnixNano()
	}
	b, err := json.Marshal(sc)
	if err != nil {
		panic(fmt.Sprintf("encode cursor scope: %v", err)) // strings, bools and ints always encode
	}
	m := hmac.New(sha256.New, cs.key)
	m.Write([]byte("ccsync cursor v1\x00"))
	m.Write(b)
	return m.Sum(nil)
}

// seal wraps the indexer's cursor for the next page of req by account.
func (cs *cursorSealer) seal(account string, req indexer.SearchRequest, inner string) string {
	if inner == "" {
		return ""
	}
	issued := cs.now().Unix()
	b := make([]byte, cursorHeader, cursorHeader+len(inner))
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(issued))
	copy(b[9:cursorHeader], cs.mac(account, req, inner, issued))
	b = append(b, inner...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// open verifies a cursor for req by account and returns the indexer's
// cursor inside it. Any failure (malformed, tampered, another search or
// account, expired) gets the same answer: start over.
func (cs *cursorSealer) open(account string, req indexer.SearchRequest, token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= cursorHeader || b[0] != cursorVersion {
		return "", errForeignCursor
	}
	issued := int64(binary.BigEndian.Uint64(b[1:9]))
	inner := string(b[cursorHeader:])
	if !hmac.Equal(b[9:cursorHeader], cs.mac(account, req, inner, issued)) {
		return "", errForeignCursor
	}
	now := cs.now()
	if t := time.Unix(issued, 0); now.Sub(t) > cursorMaxAge || t.Sub(now) > cursorSkew {
		return "", errForeignCursor
	}
	return inner, nil
}
