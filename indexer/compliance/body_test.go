package compliance

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestContentDispositionFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{`attachment; filename*=utf-8''requirements_summary.csv`, "requirements_summary.csv"},
		{`attachment; filename*=utf-8''Q3%20r%C3%A9sum%C3%A9.pdf`, "Q3 résumé.pdf"},
		{`attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.docx`, "报告.docx"},
		{`attachment; filename="plain name.txt"`, "plain name.txt"},
		{`attachment; filename="fallback.txt"; filename*=utf-8''real.txt`, "real.txt"},
		{`attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd`, "passwd"},
		{`attachment; filename*=utf-8''a%0Ab.txt`, "ab.txt"},
		{`attachment; filename=unquoted name.txt`, "unquoted name.txt"},
		{`attachment; filename*=utf-8''bad%zzescape.txt`, "bad%zzescape.txt"},
		{`attachment`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		if got := ContentDispositionFilename(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzContentDispositionFilename(f *testing.F) {
	for _, s := range []string{`attachment; filename*=utf-8''a%20b.txt`, `attachment; filename="x"`, `inline; filename*=iso-8859-1'en'%A3`,
		`attachment; filename*="utf-8''q"`, `;;=;filename*=''`, "attachment; filename*=utf-8''%00%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		name := ContentDispositionFilename(h)
		if !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00\n\r") || len(name) > 1024+3 {
			t.Fatalf("%q → unsafe name %q", h, name)
		}
	})
}

// TestGetBodyBounded: GetBody reads at most max+1 bytes, says the body was
// longer, and reports headers; a body cut mid-stream is retried.
func TestGetBodyBounded(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefgh"), 1<<10) // 8 KiB
	var cut = 1
	var responses []Response
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/plain")
		w.Header().Set("content-md5", "c3VtCg==")
		w.Header().Set("content-disposition", `attachment; filename*=utf-8''a%20b.txt`)
		w.Header().Set("request-id", "req_body")
		if cut > 0 {
			cut--
			w.Write(data[:100])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		w.Write(data)
	}))
	defer hs.Close()
	c, rec := newClient(t, hs.URL, Config{OnResponse: func(r Response) { responses = append(responses, r) }})
	b, err := c.GetBody(context.Background(), "/v1/compliance/apps/chats/files/claude_file_1/content", nil, 1000, CallOpts{Family: "files"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Data) != 1001 || !b.Truncated || b.Filename != "a b.txt" || b.MD5 != "c3VtCg==" || b.ContentType != "text/plain" {
		t.Errorf("body %d bytes truncated %v name %q md5 %q type %q", len(b.Data), b.Truncated, b.Filename, b.MD5, b.ContentType)
	}
	if got := rec.of("backoff"); len(got) != 1 {
		t.Errorf("cut body: backoffs %v, want one retry", got)
	}
	if len(responses) != 2 || responses[1].Family != "files" || responses[1].RequestID != "req_body" || responses[1].Status != 200 {
		t.Errorf("OnResponse got %+v", responses)
	}
	b, err = c.GetBody(context.Background(), "/x", nil, int64(len(data)), CallOpts{})
	if err != nil || b.Truncated || !bytes.Equal(b.Data, data) {
		t.Errorf("exact-size body: %d bytes, truncated %v, %v", len(b.Data), b.Truncated, err)
	}
	cut = 5
	_, err = c.GetBody(context.Background(), "/x", nil, 1000, CallOpts{ServerRetries: -1})
	if err == nil || errors.Is(err, ErrDecode) {
		t.Errorf("cut body without retries: %v", err)
	}
}

// TestGetBodyErrorsNeverQuoteTheKey: a content endpoint quoting the key in
// its error (or in a header the client reports) does not leak it.
func TestGetBodyErrorsNeverQuoteTheKey(t *testing.T) {
	var seen []Response
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "req_1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"key ` + r.Header.Get("x-api-key") + ` refused"}}`))
	}))
	defer hs.Close()
	c, _ := newClient(t, hs.URL, Config{OnResponse: func(r Response) { seen = append(seen, r) }})
	_, err := c.GetBody(context.Background(), "/v1/compliance/apps/chats/files/claude_file_1/content", nil, 10, CallOpts{Family: "files"})
	if !errors.Is(err, ErrBadRequest) || strings.Contains(err.Error(), testKey) {
		t.Errorf("err %v", err)
	}
	if len(seen) != 1 || seen[0].Status != 400 || seen[0].Family != "files" || seen[0].RequestID != "req_1" {
		t.Errorf("OnResponse saw %+v; want the error response too", seen)
	}
}
