// Package activity reads the Compliance API's Activity Feed
// (GET /v1/compliance/activities, reference §6) and turns its events into
// model.Activity. It is lenient by design: the feed's type enum and actor
// union grow without notice (§6.4, §10.11), so unknown types, unknown actor
// variants and unknown fields pass through, and one malformed event does not
// cost the page it came in.
package activity
