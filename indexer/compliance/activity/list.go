package activity

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
)

// Path is the feed's endpoint.
const Path = "/v1/compliance/activities"

// MaxLimit is the largest page the feed serves (§6.2).
const MaxLimit = 5000

// Params are the query of one List call. Activity types are deliberately
// not among them: the enum misses types the feed does emit (§6.4), so a
// type filter would silently drop events.
type Params struct {
	Ascending      bool      // order=asc (incremental sync); default newest first
	CreatedGTE     time.Time // created_at.gte, zero for none
	CreatedLT      time.Time // created_at.lt, zero for none
	AfterID        string
	BeforeID       string
	Limit          int // 0 means MaxLimit
	OrganizationID string
}

// Query encodes p with the API's exact parameter names.
func (p Params) Query() url.Values {
	q := url.Values{}
	if p.Ascending {
		q.Set("order", "asc")
	}
	if !p.CreatedGTE.IsZero() {
		q.Set("created_at.gte", p.CreatedGTE.UTC().Format(time.RFC3339Nano))
	}
	if !p.CreatedLT.IsZero() {
		q.Set("created_at.lt", p.CreatedLT.UTC().Format(time.RFC3339Nano))
	}
	if p.AfterID != "" {
		q.Set("after_id", p.AfterID)
	}
	if p.BeforeID != "" {
		q.Set("before_id", p.BeforeID)
	}
	limit := p.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	q.Set("limit", strconv.Itoa(limit))
	if p.OrganizationID != "" {
		q.Add("organization_ids[]", p.OrganizationID)
	}
	return q
}

// Client is the part of the compliance client the feed needs.
type Client interface {
	GetJSON(ctx context.Context, path string, q url.Values, out any, opts compliance.CallOpts) error
}

// List fetches one page.
func List(ctx context.Context, c Client, p Params) (*Page, error) {
	if p.AfterID != "" && p.BeforeID != "" {
		return nil, fmt.Errorf("list activities: after_id and before_id are exclusive")
	}
	var page Page
	if err := c.GetJSON(ctx, Path, p.Query(), &page, compliance.CallOpts{Family: "activities"}); err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return &page, nil
}
