// Package compliance is a client for Anthropic's Compliance API: chats, chat
// messages, organisations and their users, plus the transport (GetJSON,
// GetBody) that the session, activity and file sources in subpackages use.
//
// Parsing is lenient because the API's documented and observed shapes differ
// (microsecond or plain RFC 3339 times, null or missing arrays, new block
// types); unknown content blocks are kept verbatim rather than dropped, since
// an audit copy must not silently lose what the user saw.
//
// The API counts one quota of 600 requests per minute for every key and
// endpoint of a parent organisation, so every Client of a sync run shares one
// Budget: a token bucket for pacing plus a log of send times that keeps any
// 60 s window at or under the budget, a hold for everyone when the server
// says the quota is spent, and a separate backoff for the remote-session
// endpoints' own limiter. Transient failures are retried with the same
// cursor, so a caller never advances past data it has not received; errors
// are classified by status and documented message (errors.go), never by
// guesswork about wording.
package compliance
