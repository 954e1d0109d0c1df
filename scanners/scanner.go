// Package scanners detects sensitive data (secrets and PII) in message text.
//
// The Engine makes one pass over the text. A 256-entry byte-class table
// sends each position down a fast path unless it can start a finding: a word
// whose first four bytes can begin a vendor format or a letter-led PII value
// (wordMayMatch: sk-ant-, ghp_, AKIA, eyJ, IBAN country codes, passport
// keywords, …), a digit (cards, SSNs, ITINs, SINs, phones, IPs, Telegram bot
// tokens), '@' (emails, URL passwords), ':' and '=' (key-name assignments:
// vendor key-name rules and the generic rule, checked backwards for a keyword
// before anything else runs), "-----BEGIN", '+'/'(' (phones), and the rare
// bytes that start XML values, call arguments and CSV headers. There are no
// regular expressions on that path; each candidate goes to a hand-written
// validator (exact vendor shapes, Luhn and issuer ranges, IBAN mod-97, SSA,
// IRS and HMRC rules, GitHub CRC32, age Bech32, JWT JSON naming a JOSE
// parameter, PEM labels and base64 body) and then a placeholder stage
// (EXAMPLE, xxxx, your-…-here, templates, documented samples) whose reason
// ScanVerbose reports. Text with invisible or bidi characters, fullwidth
// letters or numeric entities is also scanned as a cleaned copy
// (normalize.go). Custom rules from a Config are Go regexps (RE2, linear
// time) gated by literal keywords. docs/detectors.md lists every type and
// format.
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
