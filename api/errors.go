package api

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
)

// apiError is the one error shape every endpoint answers with:
// {"error":{"type":"…","message":"…"}}. Message is written for the caller and
// must not carry internals; anything unexpected becomes "internal".
type apiError struct {
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errBadRequest(msg string) *apiError {
	return &apiError{fiber.StatusBadRequest, "bad_request", msg}
}
func errUnauthenticated() *apiError {
	return &apiError{fiber.StatusUnauthorized, "unauthenticated", "authentication required"}
}
func errForbidden(msg string) *apiError { return &apiError{fiber.StatusForbidden, "forbidden", msg} }
func errNotFound(what string) *apiError {
	return &apiError{fiber.StatusNotFound, "not_found", what + " not found"}
}
func errConflict(msg string) *apiError { return &apiError{fiber.StatusConflict, "conflict", msg} }
func errUnavailable(msg string) *apiError {
	return &apiError{fiber.StatusServiceUnavailable, "unavailable", msg}
}
func errTooLarge(msg string) *apiError {
	return &apiError{fiber.StatusRequestEntityTooLarge, "too_large", msg}
}

// classify maps any error to the API's error shape. Unknown errors are
// logged (they are ours, never the caller's) and answered as "internal".
func classify(err error, log *slog.Logger, c *fiber.Ctx) *apiError {
	var ae *apiError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, indexer.ErrNotFound):
		return errNotFound("resource")
	case errors.Is(err, indexer.ErrBadQuery), errors.Is(err, indexer.ErrBadRequest),
		errors.Is(err, ErrInvalidKey), errors.Is(err, ErrInvalidInput):
		// These messages come from our own validation and name what is
		// wrong with the caller's input; they do not contain stored data.
		return errBadRequest(err.Error())
	case errors.Is(err, ErrNoKey), errors.Is(err, ErrAlreadyRunning), errors.Is(err, ErrNotRunning),
		errors.Is(err, ErrRescanRunning), errors.Is(err, ErrRescanNotRunning), errors.Is(err, indexer.ErrBusy):
		return errConflict(rootMessage(err))
	case errors.Is(err, indexer.ErrDiskFull):
		// The indexer's message names the free space and the reserve, not
		// stored data; the operator needs it to act.
		return &apiError{fiber.StatusInsufficientStorage, "insufficient_storage",
			"the data directory is nearly full; nothing was written: " + diskFullDetail(err)}
	case errors.Is(err, indexer.ErrClosed):
		return &apiError{fiber.StatusServiceUnavailable, "unavailable", "the server is shutting down; retry shortly"}
	case errors.As(err, &fe):
		return &apiError{fe.Code, fiberType(fe.Code), fe.Message}
	}
	log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return &apiError{fiber.StatusInternalServerError, "internal", "internal error"}
}

// diskFullDetail is the part of an ErrDiskFull error that says how much is
// free and kept in reserve ("12 MiB free in /data, 256 MiB kept in reserve").
func diskFullDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "("); i >= 0 && strings.HasSuffix(msg, ")") {
		return msg[i+1 : len(msg)-1]
	}
	return "free some space or lower --min-free"
}

// rootMessage returns the sentinel's text, not the wrapping context, which may
// name internals.
func rootMessage(err error) string {
	for _, s := range []error{ErrNoKey, ErrAlreadyRunning, ErrNotRunning, ErrRescanRunning, ErrRescanNotRunning, indexer.ErrBusy} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return err.Error()
}

func fiberType(code int) string {
	switch code {
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "too_large"
	case fiber.StatusUpgradeRequired:
		return "upgrade_required"
	case fiber.StatusTooManyRequests:
		return "rate_limited"
	case fiber.StatusServiceUnavailable:
		return "unavailable"
	}
	if code >= 500 {
		return "internal"
	}
	return "bad_request"
}

// writeError sends err in the API's error shape. Handlers normally return
// errors and let the app's error handler call this; the login handler calls it
// directly because the rate limiter inspects the status before the error
// handler would run.
func writeError(c *fiber.Ctx, log *slog.Logger, err error) error {
	ae := classify(err, log, c)
	return c.Status(ae.Status).JSON(fiber.Map{"error": ae})
}

func isNotFound(err error) bool { return errors.Is(err, indexer.ErrNotFound) }
