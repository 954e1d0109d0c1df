package compliance

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
)

// leaksKey reports whether s holds any 10-byte run of the key's secret part
// (after "sk-ant-api01-"): a key cut short by truncation leaks too.
func leaksKey(s, key string) bool {
	secret := key[13:]
	for i := 0; i+10 <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+10]) {
			return true
		}
	}
	return false
}

// TestErrorsNeverQuoteTheKey: an upstream (or a proxy in front of it) that
// quotes the key in an error body must not get the key into the client's
// errors or logs, from which it would reach the sync summary in Badger,
// GET /sync and the server log. The key is replaced by its hint.
func TestErrorsNeverQuoteTheKey(t *testing.T) {
	org := fakeapi.Generate(2, fakeapi.GenOptions{Chats: 3})
	type result struct {
		status int
		hdr    http.Header
		body   string
	}
	custom := func(r result) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			for k, v := range r.hdr {
				w.Header().Set(k, strings.ReplaceAll(v[0], "KEY", req.Header.Get("x-api-key")))
			}
			w.WriteHeader(r.status)
			w.Write([]byte(strings.ReplaceAll(r.body, "KEY", req.Header.Get("x-api-key"))))
		})
	}
	for _, tc := range []struct {
		name    string
		key     string
		echo    func(s *fakeapi.Server)
		handler http.Handler // instead of the fake
		want    error
		hint    bool // the error shows the hint where the key was
	}{
		{name: "JSON error body", echo: func(s *fakeapi.Server) { s.EchoKeyNext(1, 400, false) }, want: ErrBadRequest, hint: true},
		{name: "plain text body", echo: func(s *fakeapi.Server) { s.EchoKeyNext(1, 400, true) }, want: ErrBadRequest, hint: true},
		{name: "5xx until retries run out", echo: func(s *fakeapi.Server) { s.EchoKeyNext(10, 503, false) }, want: ErrServer, hint: true},
		{name: "wrong key quoted in a 401", key: "sk-ant-api01-WRONG-key-quoted-back-0123456789",
			echo: func(s *fakeapi.Server) { s.EchoKeyNext(1, 401, false) }, want: ErrUnauthorized, hint: true},
		{name: "key straddles the truncation of a text body",
			handler: custom(result{status: 400, body: strings.Repeat("x", 175) + "KEY and more"}), want: ErrBadRequest},
		{name: "key in the request-id header", handler: custom(result{status: 404, hdr: http.Header{"Request-Id": {"req_KEY"}},
			body: `{"error":{"type":"not_found_error","message":"gone"}}`}), want: ErrNotFound, hint: true},
		{name: "key in the request_id body field", handler: custom(result{status: 404,
			body: `{"error":{"type":"not_found_error","message":"gone"},"request_id":"KEY"}`}), want: ErrNotFound, hint: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var base string
			if tc.handler != nil {
				hs := httptest.NewServer(tc.handler)
				t.Cleanup(hs.Close)
				base = hs.URL
			} else {
				s, u := fake(t, org, fakeapi.Options{})
				tc.echo(s)
				base = u
			}
			var logs bytes.Buffer
			key := tc.key
			if key == "" {
				key = testKey
			}
			c, _ := newClient(t, base, Config{Key: key, MaxRetries: 2})
			c.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			_, err := c.ListChats(context.Background(), ListChatsParams{Limit: 1})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if leaksKey(err.Error(), key) {
				t.Errorf("error quotes the key: %v", err)
			}
			var ae *APIError
			if errors.As(err, &ae) && (leaksKey(ae.Message, key) || leaksKey(ae.RequestID, key)) {
				t.Errorf("APIError fields quote the key: %+v", ae)
			}
			if tc.hint && !strings.Contains(err.Error(), keystore.Hint(key)) {
				t.Errorf("error does not show the key's hint where the key was: %v", err)
			}
			if leaksKey(logs.String(), key) {
				t.Errorf("logs quote the key:\n%s", logs.String())
			}
		})
	}
}
