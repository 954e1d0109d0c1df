package sessions

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer/compliance"
)

// TestClassify: every error string of reference §3.4/§8.2 a session call
// can get, old and new, maps to what the stream must do with it.
func TestClassify(t *testing.T) {
	api := func(status int, typ, msg string) error {
		return fmt.Errorf("local session clls_x messages: %w", &compliance.APIError{Status: status, Type: typ, Message: msg})
	}
	cases := []struct {
		err  error
		want outcome
	}{
		{api(404, "not_found_error", "Local session not found."), outGone},
		{api(404, "not_found_error", "Remote session not found."), outGone},
		{api(404, "not_found_error", "Local sessions are not available."), outUnavailable},
		{api(404, "not_found_error", "Not found"), outUnavailable},
		{api(400, "invalid_request_error", "The page cursor has expired. Restart the walk without a page parameter; results will reflect the current retention boundary."), outCursor},
		{api(400, "invalid_request_error", "The page parameter is not a valid cursor for this request."), outCursor},
		{api(400, "invalid_request_error", "Unknown query parameter: 'x'."), outSkip},
		{api(400, "invalid_request_error", "Compliance API is not enabled for this organization"), outSkip},
		{api(503, "overloaded_error", "The local-sessions index is temporarily unavailable. Try again shortly."), outSkip},
		{api(503, "overloaded_error", "Captured content is temporarily unavailable. Try again shortly."), outSkip},
		{api(503, "overloaded_error", "The local-sessions index cannot currently evaluate retention overrides for this session. Try again later."), outSkip},
		{api(403, "permission_error", "Missing required scopes. Got: ['read:compliance_activities'] Needed one of: ['read:compliance_user_data', 'read:org_audit']"), outForbidden},
		{api(401, "authentication_error", "API key is invalid."), outStop},
		{fmt.Errorf("decode: %w", compliance.ErrDecode), outSkip},
	}
	for _, c := range cases {
		if got := classify(c.err); got != c.want {
			t.Errorf("%v: outcome %d, want %d", c.err, got, c.want)
		}
	}
	f := fatal(outForbidden, cases[11].err)
	if !errors.Is(f, errForbidden) || !strings.Contains(f.Error(), "read:compliance_user_data") {
		t.Errorf("forbidden error does not name the scope: %v", f)
	}
}
