package scanners

import (
	"bytes"
	"encoding/base64"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// scanJWT matches three base64url segments starting with the encoding of a
// JSON object (`eyJ` for `{"`, `ewog`/`ewoJ`/`ew0K` for pretty-printed
// headers). It is reported only if the header decodes to a JSON object with
// an "alg" and the payload to a JSON object; look-alikes are suppressed.
func scanJWT(c *collector, i int) int {
	text := c.text
	h := span(text, i, &setBase64URL, 8192)
	if h-i < 10 || h >= len(text) || text[h] != '.' {
		return i
	}
	p := span(text, h+1, &setBase64URL, 1<<16)
	if p-h-1 < 2 || p >= len(text) || text[p] != '.' {
		return i
	}
	end := span(text, p+1, &setBase64URL, 8192)
	why := checkJWT(text[i:h], text[h+1:p])
	c.add("jwt", model.SeverityHigh, "jwt", i, end, prioSpecific, preview{}, why)
	return end
}

type jwtHeader struct {
	Alg *string `json:"alg"`
}

func checkJWT(header, payload string) string {
	hb, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return "invalid:jwt-header-base64"
	}
	var hdr jwtHeader
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr.Alg == nil || *hdr.Alg == "" {
		return "invalid:jwt-header"
	}
	pb, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "invalid:jwt-payload-base64"
	}
	pb = bytes.TrimSpace(pb)
	if len(pb) == 0 || pb[0] != '{' || !json.Valid(pb) {
		return "invalid:jwt-payload"
	}
	return ""
}
