package compliance

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Body is a downloaded file body.
type Body struct {
	Data []byte
	// Truncated: the body was longer than the max asked for; Data holds
	// max+1 bytes and the rest was not read.
	Truncated   bool
	ContentType string
	// Filename from Content-Disposition (filename*= decoded), "" if absent.
	Filename string
	// MD5 is the Content-MD5 header as sent (base64 of the digest), "" if
	// absent.
	MD5 string
}

// GetBody sends GET path?q and returns a 2xx body of at most max bytes:
// it reads max+1 so Truncated can say the body was longer, and never holds
// more. Retries and budget are GetJSON's; a body cut off mid-stream counts as
// a transient failure.
func (c *Client) GetBody(ctx context.Context, path string, q url.Values, limit int64, opts CallOpts) (Body, error) {
	if limit < 0 {
		limit = 0
	}
	var out Body
	err := c.send(ctx, path, q, opts, "*/*", func(r *http.Response) error {
		data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return fmt.Errorf("reading body: %w", err)
		}
		out = Body{Data: data, Truncated: int64(len(data)) > limit, ContentType: r.Header.Get("content-type"),
			Filename: ContentDispositionFilename(r.Header.Get("content-disposition")),
			MD5:      strings.TrimSpace(r.Header.Get("content-md5"))}
		return nil
	})
	if err != nil {
		return Body{}, c.redactErr(err)
	}
	return out, nil
}

// ContentDispositionFilename reads the file name of a Content-Disposition
// header. The API always sends the extended form filename*= with a
// percent-encoded UTF-8 value (RFC 5987); a plain filename= is accepted too. Malformed headers give ""
// or the best reading rather than an error: the name is a label, the bytes
// are what matter.
func ContentDispositionFilename(h string) string {
	if h == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(h); err == nil {
		if name := params["filename"]; name != "" {
			return cleanFilename(name)
		}
	}
	return cleanFilename(lenientDisposition(h))
}

// lenientDisposition scans the parameters by hand, for headers
// mime.ParseMediaType rejects (unquoted spaces, a bad charset, a stray ';').
func lenientDisposition(h string) string {
	var plain string
	for _, part := range strings.Split(h, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "filename*":
			v = strings.Trim(strings.TrimSpace(v), `"`)
			if _, rest, ok := strings.Cut(v, "'"); ok {
				if _, enc, ok := strings.Cut(rest, "'"); ok {
					v = enc
				}
			}
			if dec, err := url.PathUnescape(v); err == nil {
				return dec
			}
			return v
		case "filename":
			plain = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return plain
}

// cleanFilename keeps the last path element and drops control characters:
// the name is shown to auditors and must not smuggle paths or escapes.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > 1024 {
		name = name[:1024]
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
