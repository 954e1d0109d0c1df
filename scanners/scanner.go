// Package scanners detects sensitive data (secrets and PII) in message text.
package scanners

import "github.com/ccsync/ccsync/model"

// Scanner finds sensitive data in UTF-8 text. Implementations must be safe for
// concurrent use; findings are ordered by Start and their spans lie on UTF-8
// boundaries inside text.
type Scanner interface {
	Scan(text string) []model.Finding
}
