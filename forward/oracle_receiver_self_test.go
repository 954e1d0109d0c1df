package forward_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// oracleSend signs and posts events the way the wire format says, so the
// receiver's checks are themselves tested against a known-good sender.
func oracleSend(t *testing.T, url, secret string, ts time.Time, events []model.ForwardEvent, tamper bool) (int, error) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		t.Fatal(err)
	}
	sec := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(sec + "."))
	mac.Write(body)
	sig := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if tamper {
		body = bytes.Replace(body, []byte(`"finding"`), []byte(`"message"`), 1)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Ccsync-Timestamp", sec)
	req.Header.Set("X-Ccsync-Signature", sig)
	req.Header.Set("X-Ccsync-Delivery", events[0].ID)
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestOracleReceiverSelfCheck proves the oracle's receiver accepts a
// correctly signed request, refuses forged, tampered and stale ones, and
// fails in each way it is told to.
func TestOracleReceiverSelfCheck(t *testing.T) {
	r := newReceiver(t, "self", "s3cret")
	ev := []model.ForwardEvent{{ID: "i-m1-f0", Type: "finding"}, {ID: "i-m2", Type: "message"}}
	if code, err := oracleSend(t, r.URL(), "s3cret", time.Now(), ev, false); err != nil || code != 204 {
		t.Fatalf("good request: %d %v", code, err)
	}
	if code, _ := oracleSend(t, r.URL(), "wrong", time.Now(), ev, false); code != 401 {
		t.Errorf("forged signature answered %d", code)
	}
	if code, _ := oracleSend(t, r.URL(), "s3cret", time.Now(), ev, true); code != 401 {
		t.Errorf("tampered body answered %d", code)
	}
	if code, _ := oracleSend(t, r.URL(), "s3cret", time.Now().Add(-6*time.Minute), ev, false); code != 401 {
		t.Errorf("stale timestamp answered %d", code)
	}
	if _, _, v := r.snapshot(); len(v) != 2 || r.staleCount() != 1 {
		t.Errorf("violations %q, stale %d", v, r.staleCount())
	}
	r.mu.Lock()
	r.violations = nil
	r.mu.Unlock()
	for _, c := range []struct {
		mode string
		code int
	}{{modeFail500, 500}, {modeBadRequest, 400}, {modeRateLimit, 429}, {modeClose, 0}, {modeRefuse, 0}, {modeAcceptDrop, 0}, {modeOK, 204}} {
		r.setMode(c.mode)
		r.setRetryAfter("7")
		code, err := oracleSend(t, r.URL(), "s3cret", time.Now(), ev, false)
		if code != c.code || (c.code == 0) != (err != nil) {
			t.Errorf("mode %s: %d %v", c.mode, code, err)
		}
	}
	r.setMode(modeHang)
	go func() {
		for r.modeCount(modeHang) == 0 {
			time.Sleep(time.Millisecond)
		}
		r.setMode(modeOK)
	}()
	if code, _ := oracleSend(t, r.URL(), "s3cret", time.Now(), ev, false); code != 503 {
		t.Errorf("hang released with %d", code)
	}
	acc, _, v := r.snapshot()
	if len(v) != 0 || len(acc) != 6 || r.distinct() != 2 {
		t.Errorf("accepted %d events (%d distinct), violations %q", len(acc), r.distinct(), v)
	}
}
