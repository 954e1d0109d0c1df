package api

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
)

// confirmTTL is how long a dry run's confirmation token stays valid.
const confirmTTL = 10 * time.Minute

// confirmations are the tokens handed out by a deletion dry run. A delete
// must quote one: the admin has seen the counts for exactly this range.
type confirmations struct {
	mu      sync.Mutex
	pending map[string]pendingDeletion
}

type pendingDeletion struct {
	account  string
	from, to time.Time
	expires  time.Time
}

func newConfirmations() *confirmations {
	return &confirmations{pending: map[string]pendingDeletion{}}
}

func (cf *confirmations) issue(p pendingDeletion, now time.Time) (string, error) {
	tok, err := randomToken(18)
	if err != nil {
		return "", err
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	for k, v := range cf.pending {
		if !now.Before(v.expires) {
			delete(cf.pending, k)
		}
	}
	cf.pending[tok] = p
	return tok, nil
}

// take consumes a token if it matches the account and range.
func (cf *confirmations) take(tok, account string, from, to, now time.Time) bool {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	p, ok := cf.pending[tok]
	if !ok || p.account != account || !p.from.Equal(from) || !p.to.Equal(to) || !now.Before(p.expires) {
		return false
	}
	delete(cf.pending, tok)
	return true
}

type deletionRequest struct {
	From         string `json:"from"` // YYYY-MM-DD or RFC 3339, inclusive
	To           string `json:"to"`   // YYYY-MM-DD (inclusive day) or RFC 3339 (exclusive)
	Confirm      bool   `json:"confirm,omitempty"`
	ConfirmToken string `json:"confirm_token,omitempty"`
}

func (r deletionRequest) span() (time.Time, time.Time, error) {
	from, err := parseTime("from", r.From, false)
	if err != nil {
		return from, from, err
	}
	to, err := parseTime("to", r.To, true)
	if err != nil {
		return from, to, err
	}
	if from.IsZero() || to.IsZero() {
		return from, to, errBadRequest(`"from" and "to" are both required`)
	}
	if !from.Before(to) {
		return from, to, errBadRequest(`"from" must be before "to"`)
	}
	return from, to, nil
}

type deletionPreview struct {
	Messages      int       `json:"messages"`
	Conversations int       `json:"conversations"`
	DryRun        bool      `json:"dry_run"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	ConfirmToken  string    `json:"confirm_token"`
	ExpiresAt     time.Time `json:"expires_at"`
	// Held counts the messages of the range legal holds keep (HeldBy per
	// hold id, HeldMatters names those holds).
	Held        int               `json:"held"`
	HeldBy      map[string]int    `json:"held_by,omitempty"`
	HeldMatters map[string]string `json:"held_matters,omitempty"`
}

// deletionResult is DeleteResult with the held holds named.
type deletionResult struct {
	indexer.DeleteResult
	HeldMatters map[string]string `json:"held_matters,omitempty"`
}

// heldMatters names the holds of a deletion's HeldBy.
func (s *Server) heldMatters(ctx context.Context, by map[string]int) (map[string]string, error) {
	if len(by) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return s.holdMatters(ctx, ids)
}

func (s *Server) previewDeletion(c *fiber.Ctx) error {
	var req deletionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	from, to, err := req.span()
	if err != nil {
		return err
	}
	res, err := s.store.DeleteRange(c.UserContext(), from, to, true)
	if err != nil {
		return err
	}
	p := principalOf(c)
	now := s.now()
	tok, err := s.deletions.issue(pendingDeletion{account: p.Account, from: from, to: to, expires: now.Add(confirmTTL)}, now)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, p, "deletion.preview", "", map[string]string{
		"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339),
		"messages": strconv.Itoa(res.Messages), "conversations": strconv.Itoa(res.Conversations),
		"held": strconv.Itoa(res.Held),
	}); err != nil {
		return err
	}
	matters, err := s.heldMatters(c.UserContext(), res.HeldBy)
	if err != nil {
		return err
	}
	return c.JSON(deletionPreview{Messages: res.Messages, Conversations: res.Conversations, DryRun: true,
		From: from, To: to, ConfirmToken: tok, ExpiresAt: now.Add(confirmTTL),
		Held: res.Held, HeldBy: res.HeldBy, HeldMatters: matters})
}

// deleteRange deletes for real. It needs "confirm": true and the token of a
// dry run for the same range by the same admin in the last ten minutes.
func (s *Server) deleteRange(c *fiber.Ctx) error {
	var req deletionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	from, to, err := req.span()
	if err != nil {
		return err
	}
	if !req.Confirm || req.ConfirmToken == "" {
		return errBadRequest(`deletion needs "confirm": true and the "confirm_token" of a dry run (POST /api/v1/deletions/preview)`)
	}
	p := principalOf(c)
	if !s.deletions.take(req.ConfirmToken, p.Account, from, to, s.now()) {
		return errConflict("confirm_token is unknown, expired, used, or for another range: run the dry run again")
	}
	res, err := s.store.DeleteRange(c.UserContext(), from, to, false)
	detail := map[string]string{
		"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339),
		"messages": strconv.Itoa(res.Messages), "conversations": strconv.Itoa(res.Conversations),
		"held": strconv.Itoa(res.Held),
	}
	if err != nil {
		detail["error"] = "failed"
	}
	// Record even a failed delete: part of the range may be gone.
	if aerr := s.audit.record(c, p, "deletion", "", detail); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	out := deletionResult{DeleteResult: res}
	// The deletion is done: a failure to name the holds must not hide that.
	if out.HeldMatters, err = s.heldMatters(c.UserContext(), res.HeldBy); err != nil {
		s.log.Error("name the holds that kept records of a deletion", "err", err)
	}
	return c.JSON(out)
}
