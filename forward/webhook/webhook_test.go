package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/dest/desttest"
	"github.com/ccsync/ccsync/model"
)

const secret = "whsec-test-0123456789abcdef"

func testCase() desttest.Case {
	return desttest.Case{
		Kind: Kind,
		Dest: func(base string) model.Destination {
			return model.Destination{Kind: model.DestWebhook, URL: base + "/hooks/ccsync?team=sec", Secret: secret}
		},
		Secrets: []string{secret},
		OK:      func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) },
	}
}

func TestCommon(t *testing.T) { desttest.RunCommon(t, testCase()) }

// TestWireFormat checks a delivery the way an independent receiver
// would: method, path, headers, a signature recomputed here with
// crypto/hmac, and the body decoded strictly.
func TestWireFormat(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var failures []string
	fail := func(s string) { failures = append(failures, s) }
	r := desttest.NewReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		body := desttest.Body(req)
		if req.Method != http.MethodPost || req.URL.Path != "/hooks/ccsync" || req.URL.Query().Get("team") != "sec" {
			fail("request line " + req.Method + " " + req.URL.String())
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			fail("content-type " + ct)
		}
		if ua := req.Header.Get("User-Agent"); ua != "ccsync" {
			fail("user-agent " + ua)
		}
		ts := req.Header.Get("X-Ccsync-Timestamp")
		if ts != strconv.FormatInt(now.Unix(), 10) {
			fail("timestamp " + ts)
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "." + string(body)))
		if got, want := req.Header.Get("X-Ccsync-Signature"), "v1="+hex.EncodeToString(m.Sum(nil)); got != want {
			fail("signature " + got + " want " + want)
		}
		if d := req.Header.Get("X-Ccsync-Delivery"); d != "inst1-m41" {
			fail("delivery " + d)
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var b struct {
			Events []model.ForwardEvent `json:"events"`
		}
		if err := dec.Decode(&b); err != nil {
			fail("body: " + err.Error())
		}
		if dec.More() {
			fail("trailing data after the body")
		}
		if len(b.Events) != 3 || b.Events[0].ID != "inst1-m41" || b.Events[2].Alert == nil ||
			b.Events[2].Alert.Suppressed != 2 || b.Events[0].Findings[0].Preview == "" ||
			b.Events[0].UserEmail != "alice.planted@example.com" || !b.Events[1].IngestedAt.Equal(desttest.T0) {
			fail("events decoded wrong: " + string(body))
		}
		w.WriteHeader(200)
	})
	d := testCase().Dest(r.URL)
	s, err := Kind.New(dest.Config{Destination: d, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), desttest.Events()); err != nil {
		t.Fatal(err)
	}
	if len(failures) > 0 {
		t.Fatal(strings.Join(failures, "\n"))
	}
	bodies := r.Bodies()
	if len(bodies) != 1 {
		t.Fatalf("%d requests", len(bodies))
	}
	h := r.Headers()[0]
	if err := Verify(secret, h.Get(HeaderTimestamp), h.Get(HeaderSignature), bodies[0], now.Add(time.Minute), 0); err != nil {
		t.Fatalf("Verify rejects a genuine delivery: %v", err)
	}
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, bodies[0], "", "  ")
	desttest.Golden(t, "webhook_body", pretty.Bytes())
}

func TestVerify(t *testing.T) {
	body := []byte(`{"events":[{"id":"i-m1"}]}`)
	now := time.Unix(1_800_000_000, 0)
	ts := now.Unix()
	good := Sign(secret, ts, body)
	tsS := strconv.FormatInt(ts, 10)
	cases := []struct {
		name           string
		secret, ts, sg string
		body           []byte
		now            time.Time
		want           error
	}{
		{"genuine", secret, tsS, good, body, now, nil},
		{"genuine 4m later", secret, tsS, good, body, now.Add(4 * time.Minute), nil},
		{"rotation list", secret, tsS, "v1=00ff, " + good, body, now, nil},
		{"stale", secret, tsS, good, body, now.Add(6 * time.Minute), ErrBadTimestamp},
		{"future", secret, tsS, good, body, now.Add(-6 * time.Minute), ErrBadTimestamp},
		{"replayed with fresh timestamp", secret, strconv.FormatInt(ts+360, 10), good, body, now.Add(6 * time.Minute), ErrBadSignature},
		{"tampered body", secret, tsS, good, []byte(`{"events":[{"id":"i-m2"}]}`), now, ErrBadSignature},
		{"wrong secret", "another-secret-0123456789", tsS, good, body, now, ErrBadSignature},
		{"uppercase hex", secret, tsS, strings.ToUpper(good), body, now, ErrBadSignature},
		{"no scheme", secret, tsS, strings.TrimPrefix(good, "v1="), body, now, ErrBadSignature},
		{"missing signature", secret, tsS, "", body, now, ErrNoSignature},
		{"missing timestamp", secret, "", good, body, now, ErrNoSignature},
		{"garbage timestamp", secret, "1e9", good, body, now, ErrBadTimestamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.ts, c.sg, c.body, c.now, 0)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignKnownVector(t *testing.T) {
	// Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
	got := Sign("key", 1700000000, []byte("{}"))
	m := hmac.New(sha256.New, []byte("key"))
	m.Write([]byte("1700000000.{}"))
	if want := "v1=" + hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		d     model.Destination
		field string // "" = valid
	}{
		{"ok", model.Destination{URL: "https://example.com/hook", Secret: secret}, ""},
		{"ok keeps saved secret", model.Destination{URL: "http://10.0.0.1:8080/hook"}, ""},
		{"no url", model.Destination{Secret: secret}, "url"},
		{"ftp", model.Destination{URL: "ftp://example.com/x", Secret: secret}, "url"},
		{"no host", model.Destination{URL: "https:///x", Secret: secret}, "url"},
		{"userinfo", model.Destination{URL: "https://u:p4ss@example.com/x", Secret: secret}, "url"},
		{"fragment", model.Destination{URL: "https://example.com/x#y", Secret: secret}, "url"},
		{"bad port", model.Destination{URL: "https://example.com:70000/x", Secret: secret}, "url"},
		{"short secret", model.Destination{URL: "https://example.com/x", Secret: "short"}, "secret"},
		{"bad ca", model.Destination{URL: "https://example.com/x", Secret: secret, CACert: "not pem"}, "ca_cert"},
		{"bad server name", model.Destination{URL: "https://example.com/x", ServerName: "a b"}, "server_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Kind.Validate(&c.d)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, dest.ErrInvalid) || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("want ErrInvalid naming %s, got %v", c.field, err)
			}
			if strings.Contains(err.Error(), "p4ss") {
				t.Fatalf("error quotes the URL's password: %v", err)
			}
		})
	}
	if _, err := Kind.New(dest.Config{Destination: model.Destination{URL: "https://example.com/x"}}); !errors.Is(err, dest.ErrInvalid) {
		t.Fatalf("New without a secret: %v", err)
	}
}

// FuzzVerify: Verify never panics on hostile headers and accepts only
// the genuine signature.
func FuzzVerify(f *testing.F) {
	f.Add("1800000000", "v1=00", []byte("{}"))
	f.Add("-99999999999999999999", ",,v1=,", []byte(""))
	f.Add("1800000000", Sign(secret, 1800000000, []byte("{}")), []byte("{}"))
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		err := Verify(secret, ts, sig, body, now, 0)
		if err != nil {
			return
		}
		n, perr := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if perr != nil {
			t.Fatalf("accepted timestamp %q", ts)
		}
		good := Sign(secret, n, body)
		found := false
		for _, s := range strings.Split(sig, ",") {
			found = found || strings.TrimSpace(s) == good
		}
		if !found {
			t.Fatalf("accepted signature %q for %q", sig, body)
		}
	})
}
