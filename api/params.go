package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

const (
	maxPageSize  = 200
	maxQueryLen  = 4096
	maxFilterLen = 256
	// maxFilterValues bounds the values of one filter: each is a term
	// query ORed with the others, and Bleve refuses a disjunction of more
	// than 1024 (indexer.maxTermExpansion).
	maxFilterValues = 100
)

// multi returns every value of a query parameter, accepting both repeated
// (?user=a&user=b) and comma-separated (?user=a,b) forms.
func multi(c *fiber.Ctx, name string) ([]string, error) {
	var out []string
	var err error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) != name {
			return
		}
		for _, s := range strings.Split(string(v), ",") {
			if s = strings.TrimSpace(s); s != "" {
				if len(s) > maxFilterLen {
					err = errBadRequest(fmt.Sprintf("parameter %q: value longer than %d bytes", name, maxFilterLen))
				}
				out = append(out, s)
				if len(out) > maxFilterValues && err == nil {
					err = errBadRequest(fmt.Sprintf("parameter %q: more than %d values", name, maxFilterValues))
				}
			}
		}
	})
	return out, err
}

// parseTime accepts RFC 3339 or a bare date. A bare date as the end of a
// range means the end of that day, so from=2026-01-01&to=2026-01-31 covers
// all of January.
//
// Every date the API accepts goes through here, and is bounded to the
// indexer's supported window: beyond it, times wrap around as int64
// nanoseconds in keys and in the index (a deletion "from 1000-01-01" once
// dropped every partition). An end may be the window's end itself (to=
// 2199-12-31 is through that day); a start must lie before it.
func parseTime(name, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err == nil {
		t = t.UTC()
	} else {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return time.Time{}, errBadRequest(fmt.Sprintf("parameter %q: %q is not a date (YYYY-MM-DD) or RFC 3339 time", name, v))
		}
		if end {
			t = t.AddDate(0, 0, 1)
		}
	}
	if !indexer.InWindow(t) || (!end && t.Equal(indexer.MaxTime)) {
		return time.Time{}, errBadRequest(fmt.Sprintf("parameter %q: %q is outside the supported dates %s to %s", name, v,
			indexer.MinTime.Format(time.DateOnly), indexer.MaxTime.AddDate(0, 0, -1).Format(time.DateOnly)))
	}
	return t, nil
}

// queryRange reads the ?from= and ?to= of a request, either open, and
// checks that from comes before to.
func queryRange(c *fiber.Ctx) (from, to time.Time, err error) {
	if from, err = parseTime("from", c.Query("from"), false); err != nil {
		return from, to, err
	}
	if to, err = parseTime("to", c.Query("to"), true); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, errBadRequest("parameter \"from\" must be before \"to\"")
	}
	return from, to, nil
}

func parseBool(name, v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errBadRequest(fmt.Sprintf("parameter %q: %q is not true or false", name, v))
	}
	return b, nil
}

// searchRequest builds an indexer request from the query string. kind is the
// default kind ("" lets ?kind= choose).
func searchRequest(c *fiber.Ctx, kind indexer.Kind) (indexer.SearchRequest, error) {
	var r indexer.SearchRequest
	var err error
	r.Query = c.Query("q")
	if len(r.Query) > maxQueryLen {
		return r, errBadRequest(fmt.Sprintf("parameter \"q\": longer than %d bytes", maxQueryLen))
	}
	r.Kind = kind
	// ?kind= takes two vocabularies that never overlap: message or
	// conversation picks what a hit is, chat or session filters by the
	// conversation's kind (repeatable: kind=conversation&kind=session).
	kinds, err := multi(c, "kind")
	if err != nil {
		return r, err
	}
	for _, k := range kinds {
		switch k {
		case string(indexer.KindMessage), string(indexer.KindConversation):
			if (kind != "" && indexer.Kind(k) != kind) || (r.Kind != "" && r.Kind != indexer.Kind(k)) {
				if kind != "" {
					return r, errBadRequest(fmt.Sprintf("parameter \"kind\": this endpoint lists %ss", kind))
				}
				return r, errBadRequest("parameter \"kind\": both message and conversation")
			}
			r.Kind = indexer.Kind(k)
		case string(model.KindChat), string(model.KindSession):
			r.ConversationKinds = append(r.ConversationKinds, k)
		default:
			return r, errBadRequest(fmt.Sprintf("parameter \"kind\": %q is not message, conversation, chat or session", k))
		}
	}
	if r.Kind == "" {
		r.Kind = indexer.KindMessage
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{
		{"finding_type", &r.FindingTypes}, {"severity", &r.Severities}, {"user", &r.Users},
		{"model", &r.Models}, {"role", &r.Roles}, {"tool", &r.Tools}, {"source", &r.Sources},
		{"product", &r.Products},
	} {
		if *f.dst, err = multi(c, f.name); err != nil {
			return r, err
		}
	}
	for _, role := range r.Roles {
		switch model.Role(role) {
		case model.RoleHuman, model.RoleAssistant, model.RoleTool, model.RoleSystem:
		default:
			return r, errBadRequest(fmt.Sprintf("parameter \"role\": %q is not human, assistant, tool or system", role))
		}
	}
	for _, sev := range r.Severities {
		switch sev {
		case "low", "medium", "high", "critical":
		default:
			return r, errBadRequest(fmt.Sprintf("parameter \"severity\": %q is not low, medium, high or critical", sev))
		}
	}
	if r.FlaggedOnly, err = parseBool("flagged", c.Query("flagged")); err != nil {
		return r, err
	}
	r.ConversationID = c.Query("conversation_id")
	if r.From, r.To, err = queryRange(c); err != nil {
		return r, err
	}
	if r.Sort, err = parseSort(c, ""); err != nil {
		return r, err
	}
	if r.Size, err = parseSize(c); err != nil {
		return r, err
	}
	r.After = c.Query("after")
	if r.Facets, r.NoFacets, err = parseFacets(c, func(n string) bool { return facetNames[n] }); err != nil {
		return r, err
	}
	return r, nil
}

// parseSort reads ?sort=, with def for an absent one.
func parseSort(c *fiber.Ctx, def indexer.Sort) (indexer.Sort, error) {
	switch s := indexer.Sort(c.Query("sort")); s {
	case "":
		return def, nil
	case indexer.SortRelevance, indexer.SortNewest, indexer.SortOldest:
		return s, nil
	default:
		return "", errBadRequest(fmt.Sprintf("parameter \"sort\": %q is not relevance, newest or oldest", s))
	}
}

// parseSize reads ?size=; 0 when absent leaves the page size to the indexer.
func parseSize(c *fiber.Ctx) (int, error) {
	v := c.Query("size")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, errBadRequest(fmt.Sprintf("parameter \"size\": %q is not a number from 1 to %d", v, maxPageSize))
	}
	return n, nil
}

// auditDetail summarises a search for the audit trail: what was looked for,
// not what was found.
func auditDetail(r indexer.SearchRequest) map[string]string {
	d := map[string]string{"kind": string(r.Kind)}
	add := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	add("q", r.Query)
	add("finding_type", strings.Join(r.FindingTypes, ","))
	add("severity", strings.Join(r.Severities, ","))
	add("user", strings.Join(r.Users, ","))
	add("model", strings.Join(r.Models, ","))
	add("role", strings.Join(r.Roles, ","))
	add("tool", strings.Join(r.Tools, ","))
	add("source", strings.Join(r.Sources, ","))
	add("product", strings.Join(r.Products, ","))
	add("conversation_kind", strings.Join(r.ConversationKinds, ","))
	add("conversation_id", r.ConversationID)
	if r.FlaggedOnly {
		d["flagged"] = "true"
	}
	if !r.From.IsZero() {
		d["from"] = r.From.Format(time.RFC3339)
	}
	if !r.To.IsZero() {
		d["to"] = r.To.Format(time.RFC3339)
	}
	return d
}

var facetNames = map[string]bool{
	indexer.FacetFindingType: true, indexer.FacetSeverity: true, indexer.FacetUser: true, indexer.FacetModel: true,
	indexer.FacetRole: true, indexer.FacetTool: true, indexer.FacetSource: true, indexer.FacetDate: true,
	indexer.FacetProduct: true, indexer.FacetConversationKind: true,
}

// parseFacets reads ?facets=: absent or "all" computes every facet, "none"
// (or "false") none, else a comma-separated list of facet names. Asking
// only for the facets a page shows matters: facet cost grows with the hits.
// known says which names the mode has.
func parseFacets(c *fiber.Ctx, known func(string) bool) ([]string, bool, error) {
	names, err := multi(c, "facets")
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(names) == 0:
		return nil, false, nil
	case len(names) == 1 && (names[0] == "all" || names[0] == "true"):
		return nil, false, nil
	case len(names) == 1 && (names[0] == "none" || names[0] == "false"):
		return nil, true, nil
	}
	for _, n := range names {
		if !known(n) {
			return nil, false, errBadRequest(fmt.Sprintf("parameter \"facets\": unknown facet %q", n))
		}
	}
	return names, false, nil
}
