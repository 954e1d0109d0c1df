package fakeapi

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/goccy/go-json"
)

// Documented parameters per endpoint (reference §4.2, §4.3, §9.3); anything
// else is a 400.
var (
	chatsParams = append([]string{"after_id", "before_id", "limit", "order_by", "organization_ids[]", "project_ids[]", "user_ids[]"},
		timeParams("created_at", "updated_at")...)
	messagesParams = append([]string{"after_id", "before_id", "limit", "order", "tool_use_input_max_chars", "tool_result_max_chars"},
		timeParams("created_at", "updated_at")...)
	pageParams = []string{"limit", "page"}
)

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
	if !s.strictParams(w, r, chatsParams...) {
		return
	}
	q := r.URL.Query()
	order, ok := s.parseEnum(w, q, "order_by", "created_at", "updated_at")
	if !ok {
		return
	}
	users := q["user_ids[]"]
	// The rules below have no published wording: the first is pydantic's,
	// the others are guesses that name the parameters involved.
	if len(users) > 10 {
		s.badRequest(w, "user_ids[]: List should have at most 10 items after validation, not %d", len(users))
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
	if len(users) > 0 && len(filters["updated_at"]) > 0 {
		// Rejected since 2026-09-22 (reference §4.1).
		s.badRequest(w, "`updated_at` filters cannot be combined with `user_ids[]`.")
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
				s.failCursor(w, name)
				return
			}
			cur, curT = &c, t
		}
	}
	orgs := map[string]bool{}
	for _, o := range q["organization_ids[]"] {
		orgs[o] = true
	}
	if len(orgs) > 0 && !orgs[s.org.UUID] && !orgs[s.org.ID] {
		writeJSON(w, wireChatList{Data: []json.RawMessage{}})
		return
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
	if !s.strictParams(w, r, messagesParams...) {
		return
	}
	c := s.org.Chat(id)
	if c == nil || s.faults.chat[id] == FaultNotFound {
		s.chatNotFound(w, id)
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
	var lim limits
	var ok bool
	if lim.toolInput, ok = s.parseInt(w, q, "tool_use_input_max_chars", 10000, -1, 1<<31-1); !ok {
		return
	}
	if lim.toolResult, ok = s.parseInt(w, q, "tool_result_max_chars", 10000, -1, 1<<31-1); !ok {
		return
	}
	order, ok := s.parseEnum(w, q, "order", "asc", "desc")
	if !ok {
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
	if q.Get("after_id") != "" && q.Get("before_id") != "" {
		s.badRequest(w, "Only one of `after_id` and `before_id` may be provided.")
		return
	}
	resp := wireChatMessages{wireChat: s.wireChat(c), ChatMessages: []wireMessage{}}
	deleted := c.DeletedAt != nil
	var msgs []*Message
	if !deleted || !s.opts.HideDeletedMessages {
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
	hasBefore := false
	if v := q.Get("after_id"); v != "" {
		u, err := decodeMsgCursor(v)
		idx := indexOfMsg(msgs, u)
		if err != nil || idx < 0 {
			s.failCursor(w, "after_id")
			return
		}
		msgs = msgs[idx+1:]
	}
	if v := q.Get("before_id"); v != "" {
		u, err := decodeMsgCursor(v)
		idx := indexOfMsg(msgs, u)
		if err != nil || idx < 0 {
			s.failCursor(w, "before_id")
			return
		}
		msgs = msgs[:idx]
		if limit > 0 && len(msgs) > limit {
			msgs, hasBefore = msgs[len(msgs)-limit:], true
		}
	}
	if limit > 0 && len(msgs) > limit {
		msgs, resp.HasMore = msgs[:limit], true
	}
	resp.HasMore = resp.HasMore || hasBefore
	for _, m := range msgs {
		resp.ChatMessages = append(resp.ChatMessages, wireMsg(m, lim, deleted))
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

// pageOffset reads a page token of the directory endpoints.
func (s *Server) pageOffset(w http.ResponseWriter, v string, n int) (int, bool) {
	if v == "" {
		return 0, true
	}
	o, err := decodePage(v)
	if err != nil {
		// Directory page errors are "endpoint-specific" in the reference;
		// this wording is the chats one, which clients know as a cursor 400.
		s.failCursor(w, "page")
		return 0, false
	}
	return min(o, n), true
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) {
	if !s.strictParams(w, r, pageParams...) {
		return
	}
	q := r.URL.Query()
	limit, ok := s.parseLimit(w, q, 1000, 1000)
	if !ok {
		return
	}
	orgs := []wireOrg{{UUID: s.org.UUID, Name: s.org.Name, CreatedAt: ts(s.org.CreatedAt)}}
	off, ok := s.pageOffset(w, q.Get("page"), len(orgs))
	if !ok {
		return
	}
	end := min(off+limit, len(orgs))
	resp := wirePage{Data: orgs[off:end], HasMore: end < len(orgs)}
	if resp.HasMore {
		p := encodePage(end)
		resp.NextPage = &p
	}
	writeJSON(w, resp)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, orgUUID string) {
	if !s.strictParams(w, r, pageParams...) {
		return
	}
	if orgUUID != s.org.UUID {
		s.fail(w, http.StatusNotFound, "not_found_error", fmt.Sprintf(msgOrgNotFound, orgUUID))
		return
	}
	q := r.URL.Query()
	limit, ok := s.parseLimit(w, q, 500, 1000)
	if !ok {
		return
	}
	off, ok := s.pageOffset(w, q.Get("page"), len(s.org.Users))
	if !ok {
		return
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
