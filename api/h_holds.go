package api

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// maxHoldID bounds a hold id taken from a path: longer is no hold of ours.
const maxHoldID = 200

// holdRequest is what a caller may set on a new hold; the server sets the
// id, creator, dates and counts.
type holdRequest struct {
	Matter        string            `json:"matter"`
	Reason        string            `json:"reason"`
	Custodians    []string          `json:"custodians,omitempty"`
	Conversations []string          `json:"conversations,omitempty"`
	Query         *holdQueryRequest `json:"query,omitempty"`
}

type holdQueryRequest struct {
	Text         string   `json:"text,omitempty"`
	FindingTypes []string `json:"finding_types,omitempty"`
	FlaggedOnly  bool     `json:"flagged_only,omitempty"`
	Users        []string `json:"users,omitempty"`
	Models       []string `json:"models,omitempty"`
	Products     []string `json:"products,omitempty"`
	From         string   `json:"from,omitempty"` // YYYY-MM-DD or RFC 3339, inclusive
	To           string   `json:"to,omitempty"`   // YYYY-MM-DD (inclusive day) or RFC 3339 (exclusive)
}

func (r holdRequest) hold(by string) (model.Hold, error) {
	h := model.Hold{Matter: strings.TrimSpace(r.Matter), Reason: strings.TrimSpace(r.Reason), CreatedBy: by,
		Custodians: r.Custodians, Conversations: r.Conversations}
	if q := r.Query; q != nil {
		from, err := queryTime("query.from", q.From, false)
		if err != nil {
			return h, err
		}
		to, err := queryTime("query.to", q.To, true)
		if err != nil {
			return h, err
		}
		if !from.IsZero() && !to.IsZero() && !from.Before(to) {
			return h, errBadRequest(`query.from: must be before "to"`)
		}
		h.Query = &model.HoldQuery{Text: q.Text, FindingTypes: q.FindingTypes, FlaggedOnly: q.FlaggedOnly,
			Users: q.Users, Models: q.Models, Products: q.Products, From: from, To: to}
	}
	if err := h.Validate(); err != nil {
		return h, errBadRequest(err.Error())
	}
	return h, nil
}

// queryTime is parseTime with the message led by the field's path
// ("query.from: …"), the form every validation message of a hold has, so
// a form can put it next to the field.
func queryTime(field, v string, end bool) (time.Time, error) {
	t, err := parseTime(field, v, end)
	var ae *apiError
	if errors.As(err, &ae) {
		msg := ae.Message
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return t, errBadRequest(field + ": " + msg)
	}
	return t, err
}

func (s *Server) listHolds(c *fiber.Ctx) error {
	all := c.Query("all") == "1" || c.Query("all") == "true"
	hs, err := s.store.Holds(c.UserContext(), all)
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []model.Hold{}
	}
	if err := s.audit.record(c, principalOf(c), "hold.list", "", map[string]string{
		"all": boolString(all), "holds": strconv.Itoa(len(hs))}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"holds": hs})
}

func (s *Server) addHold(c *fiber.Ctx) error {
	var req holdRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principalOf(c)
	h, err := req.hold(p.Account)
	if err != nil {
		return err
	}
	h, err = s.store.AddHold(c.UserContext(), h)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, p, "hold.add", h.ID, HoldDetail(h)); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h)
}

// HoldDetail is what the audit trail keeps of a hold: who and what it
// names, not the frozen messages.
func HoldDetail(h model.Hold) map[string]string {
	d := map[string]string{"matter": h.Matter, "reason": h.Reason,
		"custodians": strings.Join(h.Custodians, ","), "conversations": strconv.Itoa(len(h.Conversations)),
		"messages": strconv.Itoa(h.Messages)}
	if h.Query != nil {
		d["query"] = h.Query.Text
		d["query_matched"] = strconv.Itoa(h.Query.Matched)
	}
	return d
}

func (s *Server) holdParam(c *fiber.Ctx) (string, error) {
	id := c.Params("id")
	if id == "" || len(id) > maxHoldID {
		return "", errNotFound("hold")
	}
	return id, nil
}

func (s *Server) getHold(c *fiber.Ctx) error {
	id, err := s.holdParam(c)
	if err != nil {
		return err
	}
	h, err := s.store.Hold(c.UserContext(), id)
	if errors.Is(err, indexer.ErrNotFound) {
		return errNotFound("hold")
	}
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "hold.view", id, map[string]string{"matter": h.Matter}); err != nil {
		return err
	}
	return c.JSON(h)
}

type releaseRequest struct {
	Reason string `json:"reason"`
}

// releaseHold ends a hold. Nothing is deleted by it: what the hold kept
// becomes subject to retention again at the next run.
func (s *Server) releaseHold(c *fiber.Ctx) error {
	id, err := s.holdParam(c)
	if err != nil {
		return err
	}
	var req releaseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case reason == "":
		return errBadRequest("reason: required (why the hold ends)")
	case len(reason) > 2000:
		return errBadRequest("reason: " + strconv.Itoa(len(reason)) + " bytes, at most 2,000")
	}
	p := principalOf(c)
	h, err := s.store.ReleaseHold(c.UserContext(), id, p.Account, reason)
	if errors.Is(err, indexer.ErrNotFound) {
		return errNotFound("hold")
	}
	if err != nil {
		return err
	}
	if err := s.audit.record(c, p, "hold.release", id, map[string]string{"matter": h.Matter, "reason": reason}); err != nil {
		return err
	}
	return c.JSON(h)
}

// holdMatters names the holds in ids (id → matter) for badges and deletion
// reports. One lookup per hold: a conversation or a range is covered by a
// few holds, not thousands, and more than maxMatterLookups reads the list
// once instead.
func (s *Server) holdMatters(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > maxMatterLookups {
		hs, err := s.store.Holds(ctx, true)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		for _, id := range ids {
			want[id] = true
		}
		for _, h := range hs {
			if want[h.ID] {
				out[h.ID] = h.Matter
			}
		}
		return out, nil
	}
	for _, id := range ids {
		h, err := s.store.Hold(ctx, id)
		if errors.Is(err, indexer.ErrNotFound) {
			continue // released and gone meanwhile: no name to show
		}
		if err != nil {
			return nil, err
		}
		out[id] = h.Matter
	}
	return out, nil
}

const maxMatterLookups = 8
