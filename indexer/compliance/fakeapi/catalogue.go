package fakeapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-json"
)

// The late-2026 error catalogue (reference compliance-api-2026.md §8.2),
// verbatim. Strings the reference does not give are marked as guesses where
// they are used.
const (
	msgNotFound        = "Not found"
	msgKeyInvalid      = "API key is invalid."
	msgKeyDeactivated  = "API key has been deactivated."
	msgKeyExpired      = "API key has expired."
	msgNotEnabled      = "Compliance API is not enabled for this organization"
	msgRateLimit       = "Compliance API rate limit of %d requests per minute per parent organization has been exceeded. Retry after the time indicated by the retry-after header. Quote the request-id response header when contacting Anthropic support."
	msgChatNotFound    = "Chat conversation not found: '%s'"
	msgOrgNotFound     = `The "%s" organization does not exist or the requester is not authorized to access it.`
	msgBadCursor       = "Invalid pagination cursor for '%s'"
	msgUnknownParam    = "Unknown query parameter: '%s'."
	msgUnknownParamDYM = "Unknown query parameter: '%s'. Did you mean '%s'?"
	// The reference leaves the remote budget's 429 text unpublished (§7);
	// only its retry-after: 1 is documented.
	msgRemoteRateLimit = "Rate limit exceeded for remote session endpoints. Retry after the time indicated by the retry-after header."
)

// Scopes (reference §2.2).
const (
	ScopeActivities = "read:compliance_activities"
	ScopeUserData   = "read:compliance_user_data"
	ScopeOrgData    = "read:compliance_org_data"
	ScopeOrgAudit   = "read:org_audit"
	ScopeDelete     = "delete:compliance_user_data"
)

// Needed-one-of lists of the 403 messages, per endpoint family.
var (
	needUserData   = []string{ScopeUserData, ScopeOrgAudit}
	needActivities = []string{ScopeActivities, ScopeOrgAudit}
	needOrgData    = []string{ScopeOrgData, ScopeOrgAudit}
)

// ErrorEnvelope picks the shape of error bodies: the reference (§8.1) shows
// both the docs' bare {"error":{...}} and the platform-wide form with
// "type":"error" and "request_id"; clients must accept either.
type ErrorEnvelope int

const (
	// EnvelopeFull is {"type":"error","error":{...},"request_id":"req_…"}.
	EnvelopeFull ErrorEnvelope = iota
	// EnvelopeBare is {"error":{...}}, as the docs' examples show it.
	EnvelopeBare
)

// SetErrorEnvelope switches the shape of every later error body.
func (s *Server) SetErrorEnvelope(e ErrorEnvelope) {
	s.mu.Lock()
	s.envelope = e
	s.mu.Unlock()
}

func (s *Server) fail(w http.ResponseWriter, status int, typ, msg string) {
	var b wireErrorBody
	b.Error.Type, b.Error.Message = typ, msg
	if s.envelope == EnvelopeFull {
		b.Type, b.RequestID = "error", w.Header().Get("request-id")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}

func (s *Server) badRequest(w http.ResponseWriter, format string, args ...any) {
	s.fail(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf(format, args...))
}

// notFound answers the bare 404 a missing key, a foreign key and an unknown
// path all get.
func (s *Server) notFound(w http.ResponseWriter) {
	s.fail(w, http.StatusNotFound, "not_found_error", msgNotFound)
}

// failInput answers a validation 400 in the "<param>: Input should …" form;
// should is the text after "Input should ".
func (s *Server) failInput(w http.ResponseWriter, param, should string) {
	s.badRequest(w, "%s: Input should %s", param, should)
}

// failCursor answers the documented 400 for a cursor the server did not
// issue (or issued for another query).
func (s *Server) failCursor(w http.ResponseWriter, param string) {
	s.badRequest(w, msgBadCursor, param)
}

func (s *Server) chatNotFound(w http.ResponseWriter, id string) {
	s.fail(w, http.StatusNotFound, "not_found_error", fmt.Sprintf(msgChatNotFound, id))
}

// scopesMessage renders a 403 the way the API does, with Python-style lists.
func scopesMessage(got, needed []string) string {
	return fmt.Sprintf("Missing required scopes. Got: %s Needed one of: %s", pyList(got), pyList(needed))
}

func pyList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// strictParams answers 400 for the first (in name order) query parameter not
// in allowed, as the API does for every endpoint (reference §2.1, §8.2), and
// reports whether the request may go on. Handlers of every family call it
// first with their documented parameters.
func (s *Server) strictParams(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	name, ok := unknownParam(r.URL.Query(), allowed)
	if ok {
		return true
	}
	if dym := didYouMean(name, allowed); dym != "" {
		s.badRequest(w, msgUnknownParamDYM, name, dym)
	} else {
		// Without a near name the reference gives no wording; this keeps
		// its prefix, which is what clients match.
		s.badRequest(w, msgUnknownParam, name)
	}
	return false
}

func unknownParam(q url.Values, allowed []string) (string, bool) {
	var bad []string
	for k := range q {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return "", true
	}
	sort.Strings(bad)
	return bad[0], false
}

// didYouMean suggests the allowed name a client most likely meant: bracket
// ranges (created_at[gte] → created_at.gte), a missing or extra [], a name
// the sent one starts (order → order_by) and, last, the nearest name within
// a third of the sent one's length in edits (at least two).
func didYouMean(name string, allowed []string) string {
	if i := strings.IndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") && i < len(name)-2 {
		if c := name[:i] + "." + name[i+1:len(name)-1]; slices.Contains(allowed, c) {
			return c
		}
	}
	if slices.Contains(allowed, name+"[]") {
		return name + "[]"
	}
	if t := strings.TrimSuffix(name, "[]"); t != name && slices.Contains(allowed, t) {
		return t
	}
	if len(name) > 64 {
		return "" // bound the edit-distance cost on hostile names
	}
	if len(name) >= 4 {
		for _, a := range allowed {
			if strings.HasPrefix(a, name) {
				return a
			}
		}
	}
	best, bestD := "", max(2, len(name)/3)+1
	for _, a := range allowed {
		if d := editDistance(name, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
