package compliance

import (
	"context"
	"net/url"
	"strconv"

	"github.com/goccy/go-json"
)

type pageEnvelope struct {
	Data     json.RawMessage `json:"data"`
	HasMore  bool            `json:"has_more"`
	NextPage *string         `json:"next_page"`
}

// ListOrganizations lists the organisations the key can see. It needs the
// read:compliance_org_data scope; a key without it gets ErrForbidden.
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	var out []Organization
	q := url.Values{"limit": {"1000"}}
	for {
		var env pageEnvelope
		if err := c.GetJSON(ctx, "/v1/compliance/organizations", q, &env, CallOpts{Family: FamilyDirectory}); err != nil {
			return nil, err
		}
		var orgs []Organization
		if len(env.Data) > 0 {
			if err := json.Unmarshal(env.Data, &orgs); err != nil {
				return nil, err
			}
		}
		out = append(out, orgs...)
		if !env.HasMore || deref(env.NextPage) == "" {
			return out, nil
		}
		q.Set("page", *env.NextPage)
	}
}

// ListUsers fetches one page of an organisation's users; pass the previous
// page's NextPage as page ("" for the first).
func (c *Client) ListUsers(ctx context.Context, orgUUID, page string, limit int) (*UserPage, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if page != "" {
		q.Set("page", page)
	}
	var env pageEnvelope
	if err := c.GetJSON(ctx, "/v1/compliance/organizations/"+url.PathEscape(orgUUID)+"/users", q, &env, CallOpts{Family: FamilyDirectory}); err != nil {
		return nil, err
	}
	var users []User
	if len(env.Data) > 0 && string(env.Data) != "null" {
		if err := json.Unmarshal(env.Data, &users); err != nil {
			return nil, err
		}
	}
	return &UserPage{Users: users, HasMore: env.HasMore, NextPage: deref(env.NextPage)}, nil
}
