package fakeapi

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/goccy/go-json"
)

// timeFilter is one created_at.* / updated_at.* bound.
type timeFilter struct {
	op string
	t  time.Time
}

func (f timeFilter) match(v time.Time) bool {
	switch f.op {
	case "gt":
		return v.After(f.t)
	case "gte":
		return !v.Before(f.t)
	case "lt":
		return v.Before(f.t)
	case "lte":
		return !v.After(f.t)
	}
	return true
}

// parseFilters reads created_at.* and updated_at.* params, rejecting bad
// timestamps with the API's message.
func (s *Server) parseFilters(w http.ResponseWriter, q url.Values) (map[string][]timeFilter, bool) {
	out := map[string][]timeFilter{}
	for _, key := range []string{"created_at", "updated_at"} {
		for _, op := range []string{"gt", "gte", "lt", "lte"} {
			name := key + "." + op
			v := q.Get(name)
			if v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				s.badRequest(w, "The `%s` parameter contains an invalid timestamp format. Timestamps must be provided in RFC 3339 format e.g., \"2024-03-01T00:00:00Z\". Got %q.", name, v)
				return nil, false
			}
			out[key] = append(out[key], timeFilter{op, t})
		}
	}
	return out, true
}

func (s *Server) parseLimit(w http.ResponseWriter, q url.Values, def, maxN int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxN {
		s.badRequest(w, "The limit parameter must be between 1 and %d, inclusive. Got %s.", maxN, v)
		return 0, false
	}
	return n, true
}

func sortKey(c *Chat, key string) time.Time {
	if key == "updated_at" {
		return c.UpdatedAt
	}
	return c.CreatedAt
}

// after orders chats by (sort key, uuid), the API's "ties broken by id".
func after(t1 time.Time, id1 string, t2 time.Time, id2 string) bool {
	if !t1.Equal(t2) {
		return t1.After(t2)
	}
	return id1 > id2
}

func (s *Server) listChats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	order := q.Get("order_by")
	if order == "" {
		order = "created_at"
	}
	if order != "created_at" && order != "updated_at" {
		s.badRequest(w, "Invalid `order_by` %q: must be one of `created_at`, `updated_at`.", order)
		return
	}
	users := q["user_ids[]"]
	if len(users) > 10 {
		s.badRequest(w, "At most 10 `user_ids[]` may be provided. Got %d.", len(users))
		return
	}
	if len(users) > 0 && order == "updated_at" {
		s.badRequest(w, "`order_by=updated_at` is only supported for organization-wide queries; remove `user_ids[]`.")
		return
	}
	if len(q["project_ids[]"]) > 0 && len(users) == 0 {
		s.badRequest(w, "`project_ids[]` requires `user_ids[]`.")
		return
	}
	if q.Get("after_id") != "" && q.Get("before_id") != "" {
		s.badRequest(w, "Only one of `after_id` and `before_id` may be provided.")
		return
	}
	if q.Get("before_id") != "" && len(users) == 0 {
		s.badRequest(w, "`before_id` is only supported when `user_ids[]` is provided.")
		return
	}
	limit, ok := s.parseLimit(w, q, 100, 1000)
	if !ok {
		return
	}
	filters, ok := s.parseFilters(w, q)
	if !ok {
		return
	}
	other := map[string]string{"created_at": "updated_at", "updated_at": "created_at"}[order]
	if len(users) == 0 && len(filters[other]) > 0 {
		s.badRequest(w, "Organization-wide queries may only filter on the sort key: `%s.*` requires `order_by=%s`.", other, other)
		return
	}
	var cur *chatCursor
	var curT time.Time
	for _, name := range []string{"after_id", "before_id"} {
		if v := q.Get(name); v != "" {
			c, t, err := decodeChatCursor(v)
			if err != nil || c.K != order {
				s.badRequest(w, "Invalid `%s`. The cursor is malformed or was issued for a different `order_by`.", name)
				return
			}
			cur, curT = &c, t
		}
	}
	projects := map[string]bool{}
	for _, p := range q["project_ids[]"] {
		projects[p] = true
	}
	userSet := map[string]bool{}
	for _, u := range users {
		userSet[u] = true
	}
	var sel []*Chat
	for _, c := range s.org.Chats {
		if len(userSet) > 0 && !userSet[c.OwnerID] || len(projects) > 0 && !projects[c.ProjectID] {
			continue
		}
		okc := true
		for key, fs := range filters {
			for _, f := range fs {
				okc = okc && f.match(sortKey(c, key))
			}
		}
		if okc {
			sel = append(sel, c)
		}
	}
	sort.Slice(sel, func(i, j int) bool {
		return after(sortKey(sel[j], order), sel[j].UUID, sortKey(sel[i], order), sel[i].UUID)
	})
	start, end := 0, len(sel)
	if cur != nil && q.Get("after_id") != "" {
		start = sort.Search(len(sel), func(i int) bool { return after(sortKey(sel[i], order), sel[i].UUID, curT, cur.ID) })
	}
	if cur != nil && q.Get("before_id") != "" {
		end = sort.Search(len(sel), func(i int) bool { return !after(curT, cur.ID, sortKey(sel[i], order), sel[i].UUID) })
		start = max(0, end-limit)
	}
	page := sel[start:min(end, start+limit)]
	resp := wireChatList{Data: make([]json.RawMessage, 0, len(page)), HasMore: start+len(page) < end}
	for _, c := range page {
		var raw json.RawMessage
		if s.faults.chat[c.ID] == FaultMalformedListing {
			raw = json.RawMessage(fmt.Sprintf(`{"id":%q,"name":{"oops":true},"created_at":17,"updated_at":null}`, c.ID))
		} else {
			raw, _ = json.Marshal(s.wireChat(c))
		}
		resp.Data = append(resp.Data, raw)
	}
	if len(page) > 0 {
		f := encodeChatCursor(order, sortKey(page[0], order), page[0].UUID)
		l := encodeChatCursor(order, sortKey(page[len(page)-1], order), page[len(page)-1].UUID)
		resp.FirstID, resp.LastID = &f, &l
	}
	writeJSON(w, resp)
}

func (s *Server) chatMessages(w http.ResponseWriter, r *http.Request, id string) {
	c := s.org.Chat(id)
	if c == nil || s.faults.chat[id] == FaultNotFound {
		s.fail(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("Chat %s not found.", id))
		return
	}
	switch s.faults.chat[id] {
	case FaultServerError:
		w.Header().Set("x-should-retry", "false")
		s.fail(w, http.StatusInternalServerError, "api_error", "Internal server error.")
		return
	case FaultEchoKey:
		s.fail(w, http.StatusBadRequest, "invalid_request_error", echoMessage(r))
		return
	}
	q := r.URL.Query()
	lim := limits{10000, 10000}
	for name, dst := range map[string]*int{"tool_use_input_max_chars": &lim.toolInput, "tool_result_max_chars": &lim.toolResult} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < -1 {
				s.badRequest(w, "The `%s` parameter must be an integer greater than or equal to -1. Got %s.", name, v)
				return
			}
			*dst = n
		}
	}
	order := q.Get("order")
	if order == "" {
		order = "asc"
	}
	if order != "asc" && order != "desc" {
		s.badRequest(w, "Invalid `order` %q: must be `asc` or `desc`.", order)
		return
	}
	limit, ok := s.parseLimit(w, q, 0, 1000)
	if !ok {
		return
	}
	filters, ok := s.parseFilters(w, q)
	if !ok {
		return
	}
	resp := wireChatMessages{wireChat: s.wireChat(c), ChatMessages: []wireMessage{}}
	var msgs []*Message
	if c.DeletedAt == nil {
		for i := range c.Messages {
			m := &c.Messages[i]
			okm := true
			for _, f := range filters["created_at"] {
				okm = okm && f.match(m.CreatedAt)
			}
			if okm {
				msgs = append(msgs, m)
			}
		}
	}
	if order == "desc" {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	if v := q.Get("after_id"); v != "" {
		u, err := decodeMsgCursor(v)
		idx := indexOfMsg(msgs, u)
		if err != nil || idx < 0 {
			s.badRequest(w, "Invalid `after_id`. No message found for `after_id` %q", v)
			return
		}
		msgs = msgs[idx+1:]
	}
	if limit > 0 && len(msgs) > limit {
		msgs, resp.HasMore = msgs[:limit], true
	}
	for _, m := range msgs {
		resp.ChatMessages = append(resp.ChatMessages, wireMsg(m, lim))
	}
	if len(msgs) > 0 {
		f, l := encodeMsgCursor(msgs[0].UUID), encodeMsgCursor(msgs[len(msgs)-1].UUID)
		resp.FirstID, resp.LastID = &f, &l
	}
	if s.faults.chat[id] == FaultMalformed {
		b, _ := json.Marshal(resp)
		// A content block that is a string where an object belongs.
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append(b[:len(b)-1], []byte(`,"chat_messages":[{"id":"claude_chat_msg_bad","role":"user","created_at":"2026-01-01T00:00:00Z","content":["not a block"]}]}`)...))
		return
	}
	writeJSON(w, resp)
}

func indexOfMsg(ms []*Message, uuid string) int {
	for i, m := range ms {
		if m.UUID == uuid {
			return i
		}
	}
	return -1
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.parseLimit(w, r.URL.Query(), 1000, 1000); !ok {
		return
	}
	writeJSON(w, wirePage{Data: []wireOrg{{UUID: s.org.UUID, Name: s.org.Name, CreatedAt: ts(s.org.CreatedAt)}}})
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, orgUUID string) {
	if orgUUID != s.org.UUID {
		s.fail(w, http.StatusNotFound, "not_found_error", "No organization found with the provided id.")
		return
	}
	q := r.URL.Query()
	limit, ok := s.parseLimit(w, q, 500, 1000)
	if !ok {
		return
	}
	off := 0
	if v := q.Get("page"); v != "" {
		o, err := decodePage(v)
		if err != nil {
			s.badRequest(w, "Invalid `page` token.")
			return
		}
		off = min(o, len(s.org.Users))
	}
	end := min(off+limit, len(s.org.Users))
	data := make([]wireUser, 0, end-off)
	for _, u := range s.org.Users[off:end] {
		data = append(data, wireUser{ID: u.ID, CreatedAt: ts(u.CreatedAt), Email: u.Email, FullName: u.FullName, OrganizationRole: u.Role})
	}
	resp := wirePage{Data: data, HasMore: end < len(s.org.Users)}
	if resp.HasMore {
		p := encodePage(end)
		resp.NextPage = &p
	}
	writeJSON(w, resp)
}
