package docmap

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/ccsync/ccsync/model"
)

// ActivityMappingVersion is stored beside the activity index; a change
// rebuilds that index (only) from Badger at the next start.
const ActivityMappingVersion = "1"

// Activity field names. "text" is analysed; the rest are keywords for
// filters and facets.
const (
	AFieldText      = "text"
	AFieldType      = "type"
	AFieldFamily    = "family"
	AFieldActor     = "actor"
	AFieldActorType = "actor_type"
	AFieldIP        = "ip"
	AFieldOrg       = "org"
	AFieldFlag      = "flag"
	AFieldStatus    = "status"
	AFieldFlagged   = "flagged"
	AFieldCreated   = "created_at"
	AFieldDay       = "created_day"
	AFieldMonth     = "created_month"
)

// ActivityDoc is what Bleve indexes for an Activity Feed event.
type ActivityDoc struct {
	Text      string    `json:"text"`
	Type      string    `json:"type"`
	Family    string    `json:"family"`
	Actor     string    `json:"actor,omitempty"`
	ActorType string    `json:"actor_type,omitempty"`
	IP        string    `json:"ip,omitempty"`
	Org       string    `json:"org,omitempty"`
	Flags     []string  `json:"flag,omitempty"`
	Status    string    `json:"status,omitempty"`
	Flagged   bool      `json:"flagged"`
	Created   time.Time `json:"created_at"`
	Day       string    `json:"created_day"`
	Month     string    `json:"created_month"`
}

// ActivityDocID keeps activity ids apart from message and conversation ids.
func ActivityDocID(id string) string { return "a/" + id }

// TypeFamily is the first word of an activity type, the grouping of the
// reference's type list (claude_*, org_*, sso_*...): a facet that stays
// useful when the feed adds types nobody has seen.
func TypeFamily(typ string) string {
	if i := strings.IndexByte(typ, '_'); i > 0 {
		return typ[:i]
	}
	if typ == "" {
		return "unknown"
	}
	return typ
}

// Activity builds an event's document.
func Activity(a *model.Activity) *ActivityDoc {
	d := &ActivityDoc{Type: a.Type, Family: TypeFamily(a.Type), ActorType: a.Actor.Type, IP: a.Actor.IP,
		Org: a.OrgID, Flags: a.Flags, Flagged: len(a.Flags) > 0 && !onlyOwn(a.Flags)}
	d.Actor = a.Actor.Email
	if d.Actor == "" {
		d.Actor = a.Actor.ID
	}
	d.Created, d.Day, d.Month = timeTerms(a.CreatedAt)
	// The text holds every value an auditor may type: the type's words,
	// who, from where, and the event's subjects (ids, names, urls).
	parts := []string{strings.ReplaceAll(a.Type, "_", " "), a.Type, a.Actor.ID, a.Actor.Email, a.Actor.IP, a.Actor.UserAgent, a.OrgID}
	if a.Access != nil {
		d.Status = strconv.Itoa(a.Access.Status)
		parts = append(parts, a.Access.Method, a.Access.URL, a.Access.RequestID, a.Access.APIKeyID)
	}
	keys := make([]string, 0, len(a.Subjects))
	for k := range a.Subjects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, a.Subjects[k])
	}
	d.Text = strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "\n")
	return d
}

// onlyOwn: ccsync's own calls carry a flag for the health view, but are not
// what "flagged" means to an auditor.
func onlyOwn(flags []string) bool {
	return len(flags) == 1 && flags[0] == model.FlagOwnKey
}

// NewActivityMapping is the mapping of every activity partition.
func NewActivityMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = "standard"
	im.DefaultField = AFieldText
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	dm := bleve.NewDocumentStaticMapping()
	// Term vectors: phrase queries ("req_…", quoted URLs) need positions.
	dm.AddFieldMappingsAt(AFieldText, textField())
	for _, f := range []string{AFieldType, AFieldFamily, AFieldActor, AFieldActorType, AFieldIP, AFieldOrg, AFieldFlag, AFieldStatus, AFieldDay, AFieldMonth} {
		dm.AddFieldMappingsAt(f, facetField())
	}
	dm.AddFieldMappingsAt(AFieldFlagged, flaggedField())
	dm.AddFieldMappingsAt(AFieldCreated, createdField())
	im.DefaultMapping = dm
	return im
}
