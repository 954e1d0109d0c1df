package compliance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCursorErrorClassification lists every error string of reference §3.4,
// §5, §6, §8.2 and the Aug-21 wordings with the one class it must fall in:
// a cursor is dropped only for "cursor", a record marked deleted only for
// "gone", the run stopped only for "key".
func TestCursorErrorClassification(t *testing.T) {
	const (
		cursor      = "cursor"
		notEnabled  = "not_enabled"
		key         = "key"
		gone        = "gone"
		unavailable = "unavailable"
		other       = "other"
	)
	tests := []struct {
		status int
		msg    string
		want   string
	}{
		// §8.2, new catalogue.
		{400, "Compliance API is not enabled for this organization", notEnabled},
		{400, "Unknown query parameter: 'created_at[gte]'. Did you mean 'created_at.gte'?", other},
		{400, "Unknown query parameter: 'after_id[]'. Did you mean 'after_id'?", other},
		{400, "limit: Input should be less than or equal to 1000", other},
		{400, "created_at.gte: Input should be a valid datetime or date, invalid character in year", other},
		{400, "activity_types[].0: Input is not one of the permitted values.", other},
		{400, "Invalid activity_id format: 'activity_invalid123'", cursor},
		{400, "Invalid pagination cursor for 'after_id'", cursor},
		{400, "after_id: Input should be a valid string", cursor},
		{400, "page: Input should be a valid string", cursor},
		{401, "API key is invalid.", other},
		{401, "API key has been deactivated.", other},
		{401, "API key has expired.", other},
		{403, "Missing required scopes. Got: ['read:compliance_activities'] Needed one of: ['read:compliance_user_data', 'read:org_audit']", other},
		{404, "Not found", key},
		{404, "Not found.", key},
		{404, "Chat conversation not found: 'claude_chat_01H5CWunD7RpVJ5bHa8RCkja'", gone},
		{404, "No project is found with the provided id.", gone},
		{404, "No project found with provided id, or it has already been deleted.", gone},
		{404, `The "9a1e0000-0000-0000-0000-000000000000" organization does not exist or the requester is not authorized to access it.`, gone},
		{404, "Role not found.", gone},
		{404, "Group not found.", gone},
		{404, "organization `9a1e0000-0000-0000-0000-000000000000` not found in this organization's hierarchy", gone},
		{409, `The "claude_proj_01" project cannot be deleted as it has chats attached to it. Delete or detach all chats, and try deleting the project again.`, other},
		{429, "Compliance API rate limit of 600 requests per minute per parent organization has been exceeded.", other},
		// §3.4, sessions.
		{400, "created_at.lt must be strictly after created_at.gte.", other},
		{400, "created_at.gte: Input should have timezone info", other},
		{400, "The page parameter is not a valid cursor for this request.", cursor},
		{400, "The page cursor has expired. Restart the walk without a page parameter; results will reflect the current retention boundary.", cursor},
		{404, "Local session not found.", gone},
		{404, "Remote session not found.", gone},
		{404, "Local sessions are not available.", unavailable},
		{503, "The local-sessions index is temporarily unavailable. Try again shortly.", other},
		{503, "Captured content is temporarily unavailable. Try again shortly.", other},
		{503, "The local-sessions index cannot currently evaluate retention overrides for this session. Try again later.", other},
		// §5, files.
		{404, "File not found: 4f6a7b2c-1d2e-4f3a-9b8c-7d6e5f4a3b2c", gone},
		{404, "Generated file not found: 'claude_gen_file_01TbR8wAcCeFhJkLnPqStUvX'", gone},
		{404, "Generated file content not found: 'claude_gen_file_01TbR8wAcCeFhJkLnPqStUvX'", gone},
		{404, "Artifact version not found: 'claude_artifact_version_01KmNpQrSt3UvWxYz5AbCdEfG'", gone},
		{404, "No project document found with the provided id.", gone},
		{404, "No project document found with the provided id, or it has already been deleted.", gone},
		// Aug-21 wordings.
		{401, "The API key provided is invalid or has been revoked.", other},
		{400, "The `created_at.gte` parameter contains an invalid timestamp format. Timestamps must be provided in RFC 3339 format e.g., \"2024-03-01T00:00:00Z\". Got \"2024-01-01\".", other},
		{400, "The limit parameter must be between 1 and 1000, inclusive. Got 1500.", other},
		{400, "Invalid `after_id`. No activity found for `after_id` \"activity_invalid123\"", cursor},
		{400, "Invalid `after_id`. The cursor is malformed or was issued for a different `order_by`.", cursor},
		{400, "Invalid `after_id`. No message found for `after_id` \"abc\"", cursor},
		{400, "Only one of `after_id` and `before_id` may be provided.", other},
		{400, "`before_id` is only supported when `user_ids[]` is provided.", other},
		{404, "Chat claude_chat_01H5CWunD7RpVJ5bHa8RCkja not found.", gone},
		{404, "No file found with provided id, or it has already been deleted.", gone},
	}
	for _, tc := range tests {
		err := error(&APIError{Status: tc.status, Type: "x", Message: tc.msg})
		var got []string
		for class, is := range map[string]func(error) bool{cursor: IsCursorError, notEnabled: IsNotEnabled,
			key: IsKeyNotFound, gone: IsGone, unavailable: IsUnavailable} {
			if is(err) {
				got = append(got, class)
			}
		}
		want := []string{tc.want}
		if tc.want == other {
			want = nil
		}
		if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Errorf("%d %q: classes %v, want %v", tc.status, tc.msg, got, want)
		}
		// Wrapping keeps the class.
		if IsCursorError(err) != IsCursorError(errors.Join(errors.New("walk"), err)) {
			t.Errorf("%q: class lost when wrapped", tc.msg)
		}
	}
	if IsCursorError(errors.New("Invalid pagination cursor")) || IsGone(context.Canceled) {
		t.Error("a non-API error was classified")
	}
}

// TestKeyNotAcceptedOn404NotFound: the bare 404 of a missing or wrong key,
// as the API sends it, is ErrKeyNotAccepted and not a gone record.
func TestKeyNotAcceptedOn404NotFound(t *testing.T) {
	for _, body := range []string{
		`{"type":"error","error":{"type":"not_found_error","message":"Not found"},"request_id":"req_1"}`,
		`{"error":{"type":"not_found_error","message":"Not found."}}`,
	} {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("request-id", "req_1")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(body))
		}))
		c, _ := newClient(t, hs.URL, Config{Key: "sk-ant-api03-not-a-compliance-key"})
		_, err := c.ListChats(context.Background(), ListChatsParams{Limit: 1})
		hs.Close()
		if !errors.Is(err, ErrKeyNotAccepted) || !IsKeyNotFound(err) || IsGone(err) || !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err %v: want ErrKeyNotAccepted, not gone", body, err)
		}
		if c.Stats().Requests != 1 {
			t.Errorf("a 404 was retried: %d requests", c.Stats().Requests)
		}
	}
	notEnabled := &APIError{Status: 400, Message: "Compliance API is not enabled for this organization"}
	if !errors.Is(notEnabled, ErrNotEnabled) || errors.Is(notEnabled, ErrKeyNotAccepted) {
		t.Error("not-enabled 400 misclassified")
	}
}
