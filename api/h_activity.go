package api

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	feed "github.com/ccsync/ccsync/indexer/compliance/activity"
	actsync "github.com/ccsync/ccsync/indexer/syncer/activity"
	"github.com/ccsync/ccsync/model"
)

// ActivityStore is what the Activity mode needs from the indexer, apart
// from Store so a wrapped Store need not grow with it.
type ActivityStore interface {
	SearchActivities(ctx context.Context, req indexer.ActivityRequest) (*indexer.ActivityResult, error)
	ActivityHealth(from, to time.Time) ([]indexer.ActivityHour, error)
	LatestActivity() (time.Time, error)
}

var _ ActivityStore = (*indexer.Indexer)(nil)

func (s *Server) activities() (ActivityStore, error) {
	a, ok := s.store.(ActivityStore)
	if !ok {
		return nil, errUnavailable("this server's store keeps no Activity Feed")
	}
	return a, nil
}

var activityFacetNames = []string{indexer.ActivityFacetType, indexer.ActivityFacetFamily, indexer.ActivityFacetActor,
	indexer.ActivityFacetActorType, indexer.ActivityFacetIP, indexer.ActivityFacetOrg, indexer.ActivityFacetFlag,
	indexer.ActivityFacetStatus, indexer.ActivityFacetDate}

var activityFlags = []string{model.FlagOwnKey, model.FlagOtherKey, model.FlagAdminKey, model.FlagUnknownIP}

// activityRequest reads the Activity mode's query string, with the bounds
// of the search parameters (params.go).
func activityRequest(c *fiber.Ctx) (indexer.ActivityRequest, error) {
	var r indexer.ActivityRequest
	var err error
	if r.Query = c.Query("q"); len(r.Query) > maxQueryLen {
		return r, errBadRequest(fmt.Sprintf("parameter \"q\": longer than %d bytes", maxQueryLen))
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{
		{"type", &r.Types}, {"family", &r.Families}, {"actor", &r.Actors}, {"actor_type", &r.ActorTypes},
		{"ip", &r.IPs}, {"org", &r.Orgs}, {"flag", &r.Flags}, {"status", &r.Statuses},
	} {
		if *f.dst, err = multi(c, f.name); err != nil {
			return r, err
		}
	}
	for _, f := range r.Flags {
		if !slices.Contains(activityFlags, f) {
			return r, errBadRequest(fmt.Sprintf("parameter \"flag\": %q is not one of %s", f, strings.Join(activityFlags, ", ")))
		}
	}
	if r.FlaggedOnly, err = parseBool("flagged", c.Query("flagged")); err != nil {
		return r, err
	}
	if r.From, r.To, err = queryRange(c); err != nil {
		return r, err
	}
	// A feed reads newest first, query or not.
	if r.Sort, err = parseSort(c, indexer.SortNewest); err != nil {
		return r, err
	}
	if r.Size, err = parseSize(c); err != nil {
		return r, err
	}
	r.After = c.Query("after")
	if r.Facets, r.NoFacets, err = parseFacets(c, func(n string) bool { return slices.Contains(activityFacetNames, n) }); err != nil {
		return r, err
	}
	return r, nil
}

// sealable maps an activity search onto the search request the cursor
// sealer binds (cursor.go), field for field, so an Activity cursor is as
// unforgeable, account-bound and search-bound as a search cursor, and
// cannot open a message search (kind "activity").
func sealable(r indexer.ActivityRequest) indexer.SearchRequest {
	sources := slices.Clone(r.Flags)
	for _, st := range r.Statuses {
		sources = append(sources, "status="+st)
	}
	for _, o := range r.Orgs {
		sources = append(sources, "org="+o)
	}
	return indexer.SearchRequest{Kind: "activity", Query: r.Query, Sort: r.Sort, FindingTypes: r.Types,
		Severities: r.Families, Users: r.Actors, Models: r.ActorTypes, Roles: r.IPs, Sources: sources,
		FlaggedOnly: r.FlaggedOnly, From: r.From, To: r.To}
}

func activityAudit(r indexer.ActivityRequest) map[string]string {
	d := auditDetail(sealable(r))
	d["kind"] = "activity"
	return d
}

// listActivities answers GET /api/v1/activities: Activity Feed events
// matching a query and filters, with facets and a sealed cursor.
func (s *Server) listActivities(c *fiber.Ctx) error {
	store, err := s.activities()
	if err != nil {
		return err
	}
	req, err := activityRequest(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	if req.After != "" {
		if req.After, err = s.cursors.open(p.Account, sealable(req), req.After); err != nil {
			return err
		}
	} else if err := s.audit.record(c, p, "activity.search", "", activityAudit(req)); err != nil {
		return err
	}
	res, err := store.SearchActivities(c.UserContext(), req)
	if err != nil {
		return err
	}
	res.Next = s.cursors.seal(p.Account, sealable(req), res.Next)
	return c.JSON(res)
}

// ActivityHealth is the health panel of the Activity mode.
type ActivityHealth struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// OwnCalls are ccsync's own Compliance API calls per hour by status,
	// as the feed recorded them.
	OwnCalls    []indexer.ActivityHour `json:"own_calls"`
	OwnTotal    int                    `json:"own_total"`
	OwnErrors   int                    `json:"own_errors"` // status >= 400
	RateLimited int                    `json:"rate_limited"`
	// Latest is the newest event stored; LagSeconds how far behind now.
	Latest     *time.Time `json:"latest,omitempty"`
	LagSeconds *int64     `json:"lag_seconds,omitempty"`
	// Logging is the last org_compliance_api_settings_updated event;
	// LoggingAlert is set when it switched the API or its logging off.
	Logging      *model.Activity `json:"logging,omitempty"`
	LoggingAlert string          `json:"logging_alert,omitempty"`
	// Flagged counts other-key, admin-key and unknown-address calls in the
	// window; Recent are the newest of them.
	Flagged      map[string]int        `json:"flagged"`
	FlaggedTotal uint64                `json:"flagged_total"`
	Recent       []model.Activity      `json:"recent_flagged"`
	OwnKeys      []*actsync.LearnedKey `json:"own_keys"`
}

const maxHealthHours = 31 * 24

// activityHealth answers GET /api/v1/activities/health?hours=N (default 48).
func (s *Server) activityHealth(c *fiber.Ctx) error {
	store, err := s.activities()
	if err != nil {
		return err
	}
	hours := 48
	if v := c.Query("hours"); v != "" {
		if hours, err = strconv.Atoi(v); err != nil || hours < 1 || hours > maxHealthHours {
			return errBadRequest(fmt.Sprintf("parameter \"hours\": %q is not a number from 1 to %d", v, maxHealthHours))
		}
	}
	now := s.now().UTC()
	h := ActivityHealth{To: now.Truncate(time.Hour).Add(time.Hour), Flagged: map[string]int{}, Recent: []model.Activity{}}
	h.From = h.To.Add(-time.Duration(hours) * time.Hour)
	if h.OwnCalls, err = store.ActivityHealth(h.From, h.To); err != nil {
		return err
	}
	if h.OwnCalls == nil {
		h.OwnCalls = []indexer.ActivityHour{}
	}
	for _, hr := range h.OwnCalls {
		for st, n := range hr.Status {
			h.OwnTotal += n
			if code, _ := strconv.Atoi(st); code >= 400 {
				h.OwnErrors += n
			}
			if st == "429" {
				h.RateLimited += n
			}
		}
	}
	if t, err := store.LatestActivity(); err != nil {
		return err
	} else if !t.IsZero() {
		lag := int64(now.Sub(t).Seconds())
		h.Latest, h.LagSeconds = &t, &lag
	}
	ctx := c.UserContext()
	last, err := store.SearchActivities(ctx, indexer.ActivityRequest{Types: []string{feed.TypeComplianceSettings}, Size: 1, NoFacets: true})
	if err != nil {
		return err
	}
	if len(last.Hits) > 0 {
		ev := last.Hits[0]
		h.Logging = &ev
		switch {
		case ev.Subjects["compliance_api_enabled"] == "false":
			h.LoggingAlert = "The Compliance API was switched off on " + ev.CreatedAt.Format(time.RFC3339) + ": nothing after that can be synced."
		case ev.Subjects["compliance_api_logging_enabled"] == "false":
			h.LoggingAlert = "Compliance API access logging was switched off on " + ev.CreatedAt.Format(time.RFC3339) +
				": calls after that, ccsync's and anyone else's, are not in the feed."
		}
	}
	flagged, err := store.SearchActivities(ctx, indexer.ActivityRequest{FlaggedOnly: true, From: h.From, To: h.To, Size: 10,
		Facets: []string{indexer.ActivityFacetFlag}})
	if err != nil {
		return err
	}
	h.FlaggedTotal, h.Recent = flagged.Total, flagged.Hits
	for _, f := range flagged.Facets[indexer.ActivityFacetFlag] {
		if f.Term != model.FlagOwnKey {
			h.Flagged[f.Term] = f.Count
		}
	}
	learned, err := actsync.LoadLearned(s.store)
	if err != nil {
		return err
	}
	h.OwnKeys = []*actsync.LearnedKey{}
	for _, k := range learned.Keys {
		h.OwnKeys = append(h.OwnKeys, k)
	}
	slices.SortFunc(h.OwnKeys, func(a, b *actsync.LearnedKey) int { return strings.Compare(a.ID, b.ID) })
	return c.JSON(h)
}

// activitySettingsView is the settings plus what ccsync learned, which an
// admin confirms or overrides with a key entry.
type activitySettingsView struct {
	actsync.Settings
	Learned []*actsync.LearnedKey `json:"learned"`
}

func (s *Server) activitySettingsView() (activitySettingsView, error) {
	st, err := actsync.LoadSettings(s.store)
	if err != nil {
		return activitySettingsView{}, err
	}
	learned, err := actsync.LoadLearned(s.store)
	if err != nil {
		return activitySettingsView{}, err
	}
	v := activitySettingsView{Settings: st, Learned: []*actsync.LearnedKey{}}
	for _, k := range learned.Keys {
		v.Learned = append(v.Learned, k)
	}
	slices.SortFunc(v.Learned, func(a, b *actsync.LearnedKey) int { return strings.Compare(a.ID, b.ID) })
	return v, nil
}

// getActivitySettings answers GET /api/v1/activities/settings (admins).
func (s *Server) getActivitySettings(c *fiber.Ctx) error {
	v, err := s.activitySettingsView()
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// putActivitySettings answers PUT /api/v1/activities/settings (admins): the
// known keys (labels and roles) and the address ranges calls are expected
// from. They apply to events synced from then on.
func (s *Server) putActivitySettings(c *fiber.Ctx) error {
	var req actsync.Settings
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return errBadRequest(err.Error())
	}
	ids := make([]string, 0, len(req.Keys))
	for _, k := range req.Keys {
		ids = append(ids, k.ID+"="+k.Role)
	}
	detail := map[string]string{"keys": strings.Join(ids, ","), "cidrs": strings.Join(req.CIDRs, ",")}
	// Audited first: a change that cannot be accounted for is not made.
	if err := s.audit.record(c, principalOf(c), "settings.activity", "", detail); err != nil {
		return err
	}
	if _, err := actsync.SaveSettings(s.store, req); err != nil {
		return err
	}
	v, err := s.activitySettingsView()
	if err != nil {
		return err
	}
	return c.JSON(v)
}
