// Package compliance is a client for Anthropic's Compliance API: chats, chat
// messages, organisations and their users.
//
// Parsing is lenient because the API's documented and observed shapes differ
// (microsecond or plain RFC 3339 times, null or missing arrays, new block
// types); unknown content blocks are kept verbatim rather than dropped, since
// an audit copy must not silently lose what the user saw.
//
// Every request spends from a client-side budget kept under the documented
// 600 requests per minute per organisation, and transient failures are
// retried with the same cursor, so a caller never advances past data it has
// not received.
package compliance
