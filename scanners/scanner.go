// Package scanners detects sensitive data (secrets and PII) in message text.
//
// The Engine makes one pass over the text. A 256-entry byte-class table
// sends each position down a fast path unless it can start a finding: the
// first byte of a word (dispatched on its first two bytes to vendor formats:
// sk-ant-, ghp_, AKIA, eyJ, …), a digit (cards, SSNs, phones, IPv4), '@'
// (emails, URL passwords), ':' and '=' (keyword assignments, checked
// backwards for a keyword before anything else runs), "-----BEGIN" and '+'/'('.
// There are no regular expressions on that path; each candidate goes to a
// hand-written validator (Luhn and issuer ranges, SSA rules, base32 AWS ids,
// GitHub CRC32, JWT header JSON naming a JOSE parameter, PEM label match and
// base64 body) and then a placeholder stage (EXAMPLE, xxxx, your-…-here,
// templates, published test numbers) whose rule name ScanVerbose reports.
// Custom rules from a Config are Go regexps (RE2, linear time) gated by
// literal keywords.
package scanners

import "github.com/ccsync/ccsync/model"

// Scanner finds sensitive data in UTF-8 text. Implementations must be safe for
// concurrent use; findings are ordered by Start and their spans lie on UTF-8
// boundaries inside text.
type Scanner interface {
	Scan(text string) []model.Finding
}

// Finding is model.Finding, aliased so that callers of the stream helpers
// need not import model.
type Finding = model.Finding
