package dest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRedactKeepsClassification(t *testing.T) {
	h := &HTTP{redact: []string{"s3cr3t-token"}}
	base := errors.New("receiver answered 401: bad token s3cr3t-token")
	cases := []struct {
		name  string
		err   error
		check func(error) bool
	}{
		{"plain", base, func(e error) bool { return !IsPermanent(e) }},
		{"permanent", Permanent(base), IsPermanent},
		{"retry after", &RetryAfterError{After: 9 * time.Second, Err: base}, func(e error) bool {
			var ra *RetryAfterError
			return errors.As(e, &ra) && ra.After == 9*time.Second && !IsPermanent(e)
		}},
		{"deadline", fmt.Errorf("post s3cr3t-token: %w", context.DeadlineExceeded), func(e error) bool {
			return errors.Is(e, context.DeadlineExceeded)
		}},
		{"canceled", fmt.Errorf("post s3cr3t-token: %w", context.Canceled), func(e error) bool {
			return errors.Is(e, context.Canceled)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := h.Redact(c.err)
			if strings.Contains(got.Error(), "s3cr3t") || !strings.Contains(got.Error(), "[redacted]") {
				t.Fatalf("Redact = %q", got)
			}
			for e := got; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), "s3cr3t") {
					t.Fatalf("the secret is reachable by unwrapping: %q", e)
				}
			}
			if !c.check(got) {
				t.Fatalf("classification lost: %#v", got)
			}
		})
	}
	clean := errors.New("nothing secret")
	if h.Redact(clean) != clean || h.Redact(nil) != nil {
		t.Fatal("Redact changed an error without a secret")
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://example.com":         true,
		"http://10.1.2.3:8088/x?y=1":  true,
		"https://[::1]:3100/loki":     true,
		"":                            false,
		"example.com":                 false,
		"file:///etc/passwd":          false,
		"https://user:pw@example.com": false,
		"https://user@example.com":    false,
		"https://example.com/#x":      false,
		"https://example.com:0/":      false,
		"https://exa mple.com/":       false,
		"https://example.com/\npath":  false,
		"https://:8080/":              false,
	} {
		_, err := CheckURL("url", raw)
		if (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalid) || !strings.HasPrefix(strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "), "url:")) {
			t.Errorf("CheckURL(%q) error %q does not name the field", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckURL(%q) error quotes the URL: %v", raw, err)
		}
	}
}
