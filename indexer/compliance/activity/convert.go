package activity

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Bounds on what one event may cost to store: the feed is untrusted input.
const (
	maxRaw       = 64 << 10 // raw event text kept for auditors
	maxSubjects  = 64       // type-specific fields kept as subjects
	maxSubjValue = 1024     // bytes per subject value
)

// envelopeFields are read into Event and the Actor, not into Subjects.
var envelopeFields = map[string]bool{"id": true, "created_at": true, "organization_id": true,
	"organization_uuid": true, "type": true, "actor": true, "request_id": true, "request_method": true,
	"status_code": true, "url": true}

// Convert turns one raw feed item into a model.Activity. It fails only when
// the item has no usable id or creation time; unknown types, unknown actor
// variants and unknown fields pass through (the raw text is kept).
func Convert(raw json.RawMessage) (model.Activity, error) {
	var e Event
	if err := json.Unmarshal(raw, &e); err != nil {
		return model.Activity{}, fmt.Errorf("activity %s: %w", idOf(raw), err)
	}
	if e.ID == "" || e.CreatedAt.IsZero() {
		return model.Activity{}, fmt.Errorf("activity %s: missing id or created_at", idOf(raw))
	}
	a := model.Activity{ID: e.ID, CreatedAt: e.CreatedAt.Time, Type: e.Type, Actor: convertActor(e.Actor)}
	a.OrgID = str(e.OrganizationUUID)
	if a.OrgID == "" {
		a.OrgID = str(e.OrganizationID)
	}
	if e.Type == TypeAPIAccessed || e.RequestID != nil {
		a.Access = &model.APIAccess{APIKeyID: str(e.Actor.APIKeyID), RequestID: str(e.RequestID),
			Method: str(e.RequestMethod), URL: str(e.URL)}
		if a.Access.APIKeyID == "" {
			a.Access.APIKeyID = str(e.Actor.AdminAPIKeyID)
		}
		if e.StatusCode != nil {
			a.Access.Status = *e.StatusCode
		}
	}
	a.Subjects = subjects(raw)
	if len(raw) <= maxRaw {
		a.Raw = string(raw)
	} else {
		a.Raw = string(raw[:maxRaw]) + "…[truncated]"
	}
	return a, nil
}

func convertActor(x Actor) model.Actor {
	a := model.Actor{Type: x.Type, IP: str(x.IPAddress), UserAgent: str(x.UserAgent), Email: str(x.EmailAddress)}
	// The id that names the actor, by variant; unknown variants try the
	// fields a future variant would most likely carry.
	for _, id := range []*string{x.UserID, x.APIKeyID, x.AdminAPIKeyID, x.ServiceAccountID, x.DirectoryID,
		x.ExternalClientID, x.Subject, x.Service, x.ID} {
		if s := str(id); s != "" {
			a.ID = s
			break
		}
	}
	if a.Email == "" {
		a.Email = str(x.UnauthenticatedEmail)
	}
	return a
}

// subjects flattens the type-specific fields to strings for search. Null
// and empty values are dropped: since 2026-09-24 file names and titles are
// null, "" or absent (§6.5), and none of them is information.
func subjects(raw json.RawMessage) map[string]string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range fields {
		if envelopeFields[k] || len(out) >= maxSubjects {
			continue
		}
		v = bytes.TrimSpace(v)
		if len(v) == 0 || bytes.Equal(v, []byte("null")) || bytes.Equal(v, []byte(`""`)) {
			continue
		}
		s := string(v)
		if v[0] == '"' {
			if json.Unmarshal(v, &s) != nil {
				continue
			}
		}
		if len(s) > maxSubjValue {
			s = s[:maxSubjValue]
		}
		out[k] = s
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// idOf names an item in errors without trusting its shape.
func idOf(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &v)
	if s, ok := v.ID.(string); ok && s != "" {
		return strconv.Quote(truncate(s, 80))
	}
	return "(no id)"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// ItemID returns a raw item's id, or "" when it has none a string can hold:
// a malformed item is still named in failure records.
func ItemID(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &v)
	s, _ := v.ID.(string)
	return truncate(s, 256)
}
