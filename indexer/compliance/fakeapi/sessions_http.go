package fakeapi

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SessionFault makes one session's endpoints misbehave (reference §3.4).
type SessionFault int

const (
	SessFaultNone SessionFault = iota
	// SessFaultNotFound answers 404 Local/Remote session not found.
	SessFaultNotFound
	// SessFaultIndex503 is the transient "local-sessions index" 503.
	SessFaultIndex503
	// SessFaultCMEK503 is the "Captured content" 503 of an unusable CMEK
	// key; it persists until cleared.
	SessFaultCMEK503
	// SessFaultRetention503 is the "cannot currently evaluate retention
	// overrides" 503; it persists until cleared.
	SessFaultRetention503
	// SessFaultEmptyFirstPage answers a walk's first page with no messages
	// and a next_page, as the size cap can.
	SessFaultEmptyFirstPage
)

const (
	msgLocalNotFound   = "Local session not found."
	msgRemoteNotFound  = "Remote session not found."
	msgLocalOff        = "Local sessions are not available."
	msgBadPage         = "The page parameter is not a valid cursor for this request."
	msgPageExpired     = "The page cursor has expired. Restart the walk without a page parameter; results will reflect the current retention boundary."
	msgIndex503        = "The local-sessions index is temporarily unavailable. Try again shortly."
	msgCMEK503         = "Captured content is temporarily unavailable. Try again shortly."
	msgRetention503    = "The local-sessions index cannot currently evaluate retention overrides for this session. Try again later."
	msgRetentionList   = "The local-sessions index cannot currently evaluate retention overrides for this page. Try again later."
	msgWalkTTL         = 24 * time.Hour
	sessPageByteBudget = 512 << 10 // a messages page is cut short past this many content bytes
)

var (
	localListParams = []string{"created_at.gte", "created_at.lt", "updated_at.gte", "limit", "page"}
	remoteListParam = []string{"created_at.gt", "created_at.gte", "created_at.lt", "created_at.lte", "organization_ids[]", "user_ids[]", "limit", "page"}
	sessMsgParams   = []string{"limit", "order", "page", "tool_use_input_max_bytes", "tool_result_max_bytes"}
)

// routeSessions serves everything under /v1/compliance/apps/sessions/; rest
// is the path after that prefix ("local", "local/{id}/messages", ...).
func (s *Server) routeSessions(w http.ResponseWriter, r *http.Request, rest string) {
	parts := strings.Split(rest, "/")
	q := r.URL.Query()
	switch {
	case parts[0] == "local" && len(parts) <= 3:
		if s.sess.localOff {
			s.fail(w, http.StatusNotFound, "not_found_error", msgLocalOff)
			return
		}
		switch len(parts) {
		case 1:
			s.requests["sessions_local"]++
			if s.strictParams(w, r, localListParams...) {
				s.listLocal(w, q)
			}
			return
		case 2:
			s.requests["sessions_local_get"]++
			if s.strictParams(w, r) {
				s.getLocal(w, parts[1])
			}
			return
		case 3:
			if parts[2] == "messages" {
				s.requests["sessions_local_messages"]++
				if s.strictParams(w, r, sessMsgParams...) {
					s.localMessages(w, q, parts[1])
				}
				return
			}
		}
	case parts[0] == "remote" && (len(parts) == 1 || len(parts) == 3 && parts[2] == "messages"):
		if !s.spendRemote(w) {
			return
		}
		if len(parts) == 1 {
			s.requests["sessions_remote"]++
			if s.strictParams(w, r, remoteListParam...) {
				s.listRemote(w, q)
			}
			return
		}
		s.requests["sessions_remote_messages"]++
		if s.strictParams(w, r, sessMsgParams...) {
			s.remoteMessages(w, q, parts[1])
		}
		return
	}
	s.fail(w, http.StatusNotFound, "not_found_error", "Not found")
}

// sessTime parses a session endpoint timestamp: RFC 3339 with an offset;
// a date or a datetime without one is refused with the API's message.
func (s *Server) sessTime(w http.ResponseWriter, q url.Values, name string) (time.Time, bool, bool) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, false, true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true, true
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if _, err := time.Parse(l, v); err == nil {
			s.badRequest(w, "%s: Input should have timezone info", name)
			return time.Time{}, false, false
		}
	}
	s.badRequest(w, "%s: Input should be a valid datetime or date, invalid character in year", name)
	return time.Time{}, false, false
}

func (s *Server) sessLimit(w http.ResponseWriter, q url.Values, maxN int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		s.badRequest(w, "limit: Input should be a valid integer, unable to parse string as an integer")
	case n < 1:
		s.badRequest(w, "limit: Input should be greater than or equal to 1")
	case n > maxN:
		s.badRequest(w, "limit: Input should be less than or equal to %d", maxN)
	default:
		return n, true
	}
	return 0, false
}

func (s *Server) sessByteLimits(w http.ResponseWriter, q url.Values) (byteLimits, bool) {
	lim := byteLimits{10000, 10000}
	for name, dst := range map[string]*int{"tool_use_input_max_bytes": &lim.toolInput, "tool_result_max_bytes": &lim.toolResult} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 {
			s.badRequest(w, "%s: Input should be -1 or greater than or equal to 1", name)
			return lim, false
		}
		if n == -1 || n > serverMaxBytes {
			n = serverMaxBytes
		}
		*dst = n
	}
	return lim, true
}

func (s *Server) listLocal(w http.ResponseWriter, q url.Values) {
	limit, ok := s.sessLimit(w, q, 500)
	if !ok {
		return
	}
	gte, hasGte, ok := s.sessTime(w, q, "created_at.gte")
	if !ok {
		return
	}
	lt, hasLt, ok := s.sessTime(w, q, "created_at.lt")
	if !ok {
		return
	}
	ugte, hasU, ok := s.sessTime(w, q, "updated_at.gte")
	if !ok {
		return
	}
	if hasGte && hasLt && !lt.After(gte) {
		s.badRequest(w, "created_at.lt must be strictly after created_at.gte.")
		return
	}
	var cur *sessPage
	if v := q.Get("page"); v != "" {
		p, ok := decodeSessPage(v)
		if !ok || p.Kind != "ll" {
			s.badRequest(w, msgBadPage)
			return
		}
		cur = &p
	}
	if s.sess.listFault == SessFaultIndex503 || s.sess.listFault == SessFaultRetention503 {
		msg := msgIndex503
		if s.sess.listFault == SessFaultRetention503 {
			msg = msgRetentionList
		}
		s.fail(w, http.StatusServiceUnavailable, "overloaded_error", msg)
		return
	}
	var sel []*LocalSession
	for _, l := range s.org.Local {
		if len(l.Messages) == 0 || hasGte && l.CreatedAt.Before(gte) || hasLt && !l.CreatedAt.Before(lt) ||
			hasU && l.UpdatedAt.Before(ugte) {
			continue
		}
		if cur != nil && !listAfter(l.CreatedAt, l.ID, *cur) {
			continue
		}
		sel = append(sel, l)
	}
	sort.Slice(sel, func(i, j int) bool {
		if !sel[i].CreatedAt.Equal(sel[j].CreatedAt) {
			return sel[i].CreatedAt.After(sel[j].CreatedAt)
		}
		return sel[i].ID > sel[j].ID
	})
	resp := wireSessionPage{}
	page := sel[:min(limit, len(sel))]
	data := make([]wireLocalSession, 0, len(page))
	for _, l := range page {
		data = append(data, s.wireLocal(l, false))
	}
	resp.Data = data
	if len(sel) > len(page) {
		last := page[len(page)-1]
		t := encodeSessPage(sessPage{Kind: "ll", T: last.CreatedAt.UnixMicro(), ID: last.ID})
		resp.NextPage = &t
	}
	writeJSON(w, resp)
}

// localSession resolves id for retrieve/messages, answering 400/404/503.
func (s *Server) localSession(w http.ResponseWriter, id string) *LocalSession {
	if !strings.HasPrefix(id, "clls_") || len(id) < 8 || strings.ContainsAny(id, " .%") {
		s.badRequest(w, "local_session_id: Input should be a valid local session id")
		return nil
	}
	l := s.org.LocalSession(id)
	f := s.sess.fault[id]
	if l == nil || len(l.Messages) == 0 || f == SessFaultNotFound {
		s.fail(w, http.StatusNotFound, "not_found_error", msgLocalNotFound)
		return nil
	}
	switch f {
	case SessFaultIndex503:
		s.fail(w, http.StatusServiceUnavailable, "overloaded_error", msgIndex503)
		return nil
	case SessFaultRetention503:
		s.fail(w, http.StatusServiceUnavailable, "overloaded_error", msgRetention503)
		return nil
	}
	return l
}

func (s *Server) getLocal(w http.ResponseWriter, id string) {
	if l := s.localSession(w, id); l != nil {
		writeJSON(w, s.wireLocal(l, false))
	}
}

// walkParams reads order, limit, the byte bounds and the page token of a
// messages request; the token must belong to this session's walk in this
// order and be younger than 24 h.
func (s *Server) walkParams(w http.ResponseWriter, q url.Values, kind, id string) (order string, limit int, lim byteLimits, cur *sessPage, ok bool) {
	if limit, ok = s.sessLimit(w, q, 1000); !ok {
		return
	}
	if lim, ok = s.sessByteLimits(w, q); !ok {
		return
	}
	order = q.Get("order")
	if order == "" {
		order = "asc"
	}
	if order != "asc" && order != "desc" {
		s.badRequest(w, "order: Input should be 'asc' or 'desc'")
		return "", 0, lim, nil, false
	}
	if v := q.Get("page"); v != "" {
		p, good := decodeSessPage(v)
		if !good || p.Kind != kind || p.Session != id || p.Order != order {
			s.badRequest(w, msgBadPage)
			return "", 0, lim, nil, false
		}
		if s.opts.Now().Sub(time.Unix(p.Walk, 0)) > msgWalkTTL {
			s.badRequest(w, msgPageExpired)
			return "", 0, lim, nil, false
		}
		cur = &p
	}
	return order, limit, lim, cur, true
}

// pageOrds picks the Ords of one messages page from ords (ascending):
// after the token's position in the walk's order, at most limit, and cut
// short once the page holds sessPageByteBudget bytes of content.
func pageOrds(ords []int, size func(int) int, order string, limit int, cur *sessPage) (page []int, more bool) {
	idx := make([]int, 0, len(ords))
	if order == "desc" {
		for i := len(ords) - 1; i >= 0; i-- {
			if cur == nil || ords[i] < cur.Ord {
				idx = append(idx, i)
			}
		}
	} else {
		for i := range ords {
			if cur == nil || ords[i] > cur.Ord {
				idx = append(idx, i)
			}
		}
	}
	bytes := 0
	for _, i := range idx {
		if len(page) == limit || len(page) > 0 && bytes >= sessPageByteBudget {
			return page, true
		}
		page = append(page, i)
		bytes += size(i)
	}
	return page, false
}

func (s *Server) nextWalkToken(kind, id, order string, cur *sessPage, lastOrd int) *string {
	walk := s.opts.Now().Unix()
	if cur != nil {
		walk = cur.Walk
	}
	t := encodeSessPage(sessPage{Kind: kind, Session: id, Order: order, Ord: lastOrd, Walk: walk})
	return &t
}

func blocksSize(bs []Block) int {
	n := 0
	for _, b := range bs {
		n += len(b.Text) + len(b.Input) + len(b.Raw)
		for _, t := range b.ResultText {
			n += len(t)
		}
	}
	return n
}

func (s *Server) localMessages(w http.ResponseWriter, q url.Values, id string) {
	l := s.localSession(w, id)
	if l == nil {
		return
	}
	order, limit, lim, cur, ok := s.walkParams(w, q, "lm", id)
	if !ok {
		return
	}
	if s.sess.fault[id] == SessFaultCMEK503 {
		s.fail(w, http.StatusServiceUnavailable, "overloaded_error", msgCMEK503)
		return
	}
	resp := wireSessionMessages{Session: s.wireLocal(l, true)}
	data := []wireLocalMessage{}
	if cur == nil && s.sess.fault[id] == SessFaultEmptyFirstPage {
		first := -1
		if order == "desc" {
			first = l.Messages[len(l.Messages)-1].Ord + 1
		}
		resp.Data, resp.NextPage = data, s.nextWalkToken("lm", id, order, nil, first)
		writeJSON(w, resp)
		return
	}
	ords := make([]int, len(l.Messages))
	for i, m := range l.Messages {
		ords[i] = m.Ord
	}
	page, more := pageOrds(ords, func(i int) int { return blocksSize(l.Messages[i].Content) }, order, limit, cur)
	for _, i := range page {
		data = append(data, s.wireLocalMsg(&l.Messages[i], lim))
	}
	resp.Data = data
	if more {
		resp.NextPage = s.nextWalkToken("lm", id, order, cur, l.Messages[page[len(page)-1]].Ord)
	}
	writeJSON(w, resp)
}

func (s *Server) listRemote(w http.ResponseWriter, q url.Values) {
	limit, ok := s.sessLimit(w, q, 500)
	if !ok {
		return
	}
	var filters []timeFilter
	for _, op := range []string{"gt", "gte", "lt", "lte"} {
		t, has, ok := s.sessTime(w, q, "created_at."+op)
		if !ok {
			return
		}
		if has {
			filters = append(filters, timeFilter{op, t})
		}
	}
	users := q["user_ids[]"]
	if len(users) > 10 {
		s.badRequest(w, "user_ids[]: List should have at most 10 items after validation, not %d", len(users))
		return
	}
	if len(q["organization_ids[]"]) > 500 {
		s.badRequest(w, "organization_ids[]: List should have at most 500 items after validation, not %d", len(q["organization_ids[]"]))
		return
	}
	orgOK := len(q["organization_ids[]"]) == 0
	for _, o := range q["organization_ids[]"] {
		orgOK = orgOK || o == s.org.UUID || o == s.org.ID
	}
	var cur *sessPage
	if v := q.Get("page"); v != "" {
		p, ok := decodeSessPage(v)
		if !ok || p.Kind != "rl" {
			s.badRequest(w, msgBadPage)
			return
		}
		cur = &p
	}
	var sel []*RemoteSession
	for _, rs := range s.org.Remote {
		keep := orgOK && (cur == nil || listAfter(rs.CreatedAt, rs.ID, *cur))
		for _, f := range filters {
			keep = keep && f.match(rs.CreatedAt)
		}
		if len(users) > 0 {
			// Matches the owning user: agent-owned sessions drop out.
			in := false
			for _, u := range users {
				in = in || rs.OwnerID != "" && u == rs.OwnerID
			}
			keep = keep && in
		}
		if keep {
			sel = append(sel, rs)
		}
	}
	sort.Slice(sel, func(i, j int) bool {
		if !sel[i].CreatedAt.Equal(sel[j].CreatedAt) {
			return sel[i].CreatedAt.After(sel[j].CreatedAt)
		}
		return sel[i].ID > sel[j].ID
	})
	page := sel[:min(limit, len(sel))]
	data := make([]wireRemoteSession, 0, len(page))
	for _, rs := range page {
		data = append(data, s.wireRemote(rs, false))
	}
	resp := wireSessionPage{Data: data}
	if len(sel) > len(page) {
		last := page[len(page)-1]
		t := encodeSessPage(sessPage{Kind: "rl", T: last.CreatedAt.UnixMicro(), ID: last.ID})
		resp.NextPage = &t
	}
	writeJSON(w, resp)
}

func (s *Server) remoteMessages(w http.ResponseWriter, q url.Values, id string) {
	if !strings.HasPrefix(id, "cse_") || len(id) < 6 || strings.ContainsAny(id, " .%") {
		s.badRequest(w, "claude_remote_session_id: Input should be a valid remote session id")
		return
	}
	rs := s.org.RemoteSession(id)
	if rs == nil || rs.Status == "pending" || s.sess.fault[id] == SessFaultNotFound {
		s.fail(w, http.StatusNotFound, "not_found_error", msgRemoteNotFound)
		return
	}
	order, limit, lim, cur, ok := s.walkParams(w, q, "rm", id)
	if !ok {
		return
	}
	if f := s.sess.fault[id]; f == SessFaultIndex503 || f == SessFaultCMEK503 || f == SessFaultRetention503 {
		s.fail(w, http.StatusServiceUnavailable, "overloaded_error", "Overloaded")
		return
	}
	ords := make([]int, len(rs.Messages))
	for i, m := range rs.Messages {
		ords[i] = m.Ord
	}
	page, more := pageOrds(ords, func(i int) int { return blocksSize(rs.Messages[i].Content) }, order, limit, cur)
	data := make([]wireRemoteMessage, 0, len(page))
	for _, i := range page {
		data = append(data, s.wireRemoteMsg(&rs.Messages[i], lim))
	}
	resp := wireSessionMessages{Session: s.wireRemote(rs, true), Data: data}
	if more {
		resp.NextPage = s.nextWalkToken("rm", id, order, cur, rs.Messages[page[len(page)-1]].Ord)
	}
	writeJSON(w, resp)
}
