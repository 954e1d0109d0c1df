package model

// Severity ranks findings: critical (keys, private keys, card numbers, SSNs),
// high (passwords, JWTs, bearer tokens), medium (email, phone), low (IP).
type Severity string

const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities from 0 (unknown) to 4 (critical).
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Finding is sensitive data detected in a message. Start and End are byte
// offsets into Message.FlatText(). Preview is masked: the full secret is never
// put into index facets, logs or list responses; it stays only in the message
// text itself, which is what is being audited.
type Finding struct {
	Type     string   `json:"type"` // email, credit_card, ssn, aws_access_key, api_key, private_key, jwt, …
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"` // the detector rule that matched
	Start    int      `json:"start"`
	End      int      `json:"end"`
	Preview  string   `json:"preview"`
	// Attrs qualify a finding without changing its type, e.g. "test-number"
	// for a payment card that providers publish for test mode.
	Attrs []string `json:"attrs,omitempty"`
	// Engine is the detection engine version that produced the finding, so
	// that a re-scan after an upgrade can tell stale findings apart.
	Engine string `json:"engine,omitempty"`
}
