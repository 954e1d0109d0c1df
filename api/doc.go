// Package api is ccsync's HTTP API: a versioned JSON API under /api/v1 on
// Fiber v2, with local accounts (admin and auditor), browser sessions and
// per-user API tokens, an audit trail of every reviewer action, live job
// progress over WebSockets and the embedded UI's static files.
//
// It is the security boundary of the service: every route except /healthz and
// the UI's static files requires authentication, chat content is only ever
// sent JSON-escaped (or as sanitized HTML), and the Compliance API key is
// accepted but never returned or logged. See README.md for the endpoints.
package api
