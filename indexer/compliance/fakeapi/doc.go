// Package fakeapi is a faithful fake of Anthropic's Compliance API for tests
// and `ccsync serve --demo`: the documented envelopes, opaque base64 cursors,
// order_by rules and their 400s, limit bounds, error bodies, rate-limit
// headers and 429s with retry-after, plus injectable faults and a synthetic
// organisation generated deterministically from a seed.
//
// It speaks only what the reference notes (shared/reference/
// compliance-api-and-export.md, sections A and E) document; where the real API
// is undocumented the fake picks the documented example's shape.
package fakeapi
