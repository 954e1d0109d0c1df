package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
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
	if err := checkJSONText(data); err != nil {
		return err
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

// checkJSONText refuses what the decoder below would quietly accept: a name
// given twice in one object ({"role":"auditor","role":"admin"} is decoded
// as the last one, while a proxy or a log may read the first), invalid
// UTF-8, and anything after the value. jsontext validates by RFC 7493 (I-JSON).
func checkJSONText(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	_, err := dec.ReadValue()
	if err == nil {
		if _, err = dec.ReadToken(); err == io.EOF {
			return nil
		}
		if err == nil {
			return errBadRequest(fmt.Sprintf("JSON body has more after its value, at byte %d", dec.InputOffset()))
		}
	}
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return nil // the decoder below says it in its own words
	case errors.As(err, &se):
		return errBadRequest(fmt.Sprintf("invalid JSON body at byte %d: %v", se.ByteOffset, se.Err))
	}
	return errBadRequest("invalid JSON body: " + err.Error())
}
