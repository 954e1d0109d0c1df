package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return bodyError(err)
	}
	return nil
}

// bodyError says what is wrong with a request body, and where. The body is
// decoded by the JSON v2 rules (go-json-experiment, the basis of Go's
// encoding/json/v2), which refuse what a lenient decoder quietly accepts and
// a reviewer, a proxy or a log may read differently: a name given twice in
// one object ({"role":"auditor","role":"admin"} decoded as the last one),
// a name in another case ("ROLE", or "ſync_from" by Unicode folding),
// invalid UTF-8, and anything after the value.
func bodyError(err error) error {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn) && syn.ByteOffset == 0 && errors.Is(syn.Err, io.ErrUnexpectedEOF):
		return errBadRequest("empty JSON body")
	case errors.As(err, &syn):
		return errBadRequest(fmt.Sprintf("invalid JSON body at byte %d%s: %v", syn.ByteOffset, where(syn.JSONPointer), syn.Err))
	case errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName):
		return errBadRequest(fmt.Sprintf("JSON body: unknown field at %s (names are case-sensitive)", sem.JSONPointer))
	case errors.As(err, &sem):
		return errBadRequest(fmt.Sprintf("JSON body at byte %d%s: wrong type", sem.ByteOffset, where(sem.JSONPointer)))
	}
	return errBadRequest("invalid JSON body: " + err.Error())
}

// where names a JSON pointer for a message ("" for the whole body).
func where(p jsontext.Pointer) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" (at %s)", p)
}
