package webhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/ccsync/ccsync/forward/webhook"
)

// A receiver verifies the signature over the raw body before decoding it,
// and deduplicates by event id (delivery is at least once).
func ExampleVerify() {
	secret := "the-secret-shared-with-ccsync"
	seen := map[string]bool{} // a real receiver keeps this in its store
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		err = webhook.Verify(secret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature),
			body, time.Now(), webhook.DefaultTolerance)
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var b webhook.Body
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		for _, e := range b.Events {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			fmt.Println(e.Type, e.ID)
		}
		w.WriteHeader(http.StatusNoContent)
	}
	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()

	// What ccsync sends (built by hand here), twice: the copy is dropped.
	body := []byte(`{"events":[{"id":"i1-m7-f0","type":"finding","counts":{"findings":1}}]}`)
	for range 2 {
		ts := time.Now().Unix()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, ts, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// A forged delivery is refused.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign("guessed", time.Now().Unix(), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// finding i1-m7-f0
	// 204
	// 204
	// 401
}
