package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
)

// maxJSONBody bounds every JSON request body. The app streams request bodies
// (so uploads never sit in memory); JSON handlers must therefore read through
// decodeJSON rather than c.Body(), which would buffer whatever is sent.
const maxJSONBody = 1 << 20

// decodeJSON reads a bounded JSON body into v. Requiring the JSON content type
// also keeps cross-site HTML forms (which cannot send it without a CORS
// preflight) away from every state-changing endpoint, including login.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json"}
	}
	var r io.Reader
	if s := c.Context().RequestBodyStream(); s != nil {
		r = s
	} else {
		r = bytes.NewReader(c.Body())
	}
	data, err := io.ReadAll(io.LimitReader(r, maxJSONBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(data) > maxJSONBody {
		return errTooLarge(fmt.Sprintf("request body is larger than %d bytes", maxJSONBody))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return errBadRequest(fmt.Sprintf("malformed JSON body at byte %d", se.Offset))
		case errors.As(err, &te):
			return errBadRequest(fmt.Sprintf("JSON field %q has the wrong type", te.Field))
		case errors.Is(err, io.EOF):
			return errBadRequest("empty JSON body")
		}
		return errBadRequest("invalid JSON body: " + err.Error())
	}
	return nil
}
