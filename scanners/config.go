package scanners

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Config tunes the engine. The zero value enables every built-in detector.
//
//	{
//	  "disable": ["phone", "ip_address", "generic-secret"],
//	  "rules": [{"name": "acme-employee-id", "type": "employee_id", "severity": "medium",
//	             "regex": "EMP-[0-9]{6}", "keywords": ["EMP-"]}],
//	  "allowlist": {"values": ["AKIA2E0A8F3B244C9986"], "patterns": ["^sk_test_"]}
//	}
type Config struct {
	// Disable lists finding types (email, phone, …) or rule names
	// (generic-secret, stripe-test-secret-key, …) to turn off.
	Disable []string `json:"disable,omitempty"`
	// Rules are custom regex detectors.
	Rules     []RuleConfig `json:"rules,omitempty"`
	Allowlist Allowlist    `json:"allowlist,omitempty"`
	// SuppressDocumentationEmails treats addresses at example.com/.net/.org
	// (RFC 2606) as placeholders.
	SuppressDocumentationEmails bool `json:"suppress_documentation_emails,omitempty"`
}

// RuleConfig is a custom detector. Regex uses Go's RE2 syntax, which runs in
// linear time; Keywords, when given, gate it: the regex only runs on text that
// contains one of them (case-insensitive), which keeps custom rules off the
// hot path for most messages.
type RuleConfig struct {
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Severity model.Severity `json:"severity"`
	Regex    string         `json:"regex"`
	Keywords []string       `json:"keywords,omitempty"`
	// Group selects the capture group that is the secret (0: whole match).
	Group int `json:"group,omitempty"`
}

// Allowlist suppresses findings whose matched text equals one of Values or
// matches one of Patterns (RE2, unanchored unless anchored by the pattern).
type Allowlist struct {
	Values   []string `json:"values,omitempty"`
	Patterns []string `json:"patterns,omitempty"`
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid scanner config")

// LoadConfig reads a JSON config file. Unknown fields are errors so that a
// misspelt "allowlist" does not silently allow nothing.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("scanner config: %w", err)
	}
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("scanner config %s: %w: %w", path, ErrConfig, err)
	}
	if _, err := New(cfg); err != nil {
		return Config{}, fmt.Errorf("scanner config %s: %w", path, err)
	}
	return cfg, nil
}

// New builds an engine from cfg.
func New(cfg Config) (*Engine, error) {
	e := &Engine{disabled: map[string]bool{}, allowValues: map[string]bool{}, docEmails: cfg.SuppressDocumentationEmails}
	for _, d := range cfg.Disable {
		e.disabled[d] = true
		if now, ok := renamedRules[d]; ok {
			e.disabled[now] = true
		}
	}
	for k, r := range cfg.Rules {
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("%w: rules[%d] %q: %w", ErrConfig, k, r.Name, err)
		}
		e.custom = append(e.custom, cr)
	}
	for _, v := range cfg.Allowlist.Values {
		e.allowValues[v] = true
	}
	for k, p := range cfg.Allowlist.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%w: allowlist.patterns[%d]: %w", ErrConfig, k, err)
		}
		e.allowPatterns = append(e.allowPatterns, re)
	}
	return e, nil
}

// renamedRules maps rule names of engines before 2026.12 to the names they
// took when the vendor rules were aligned with gitleaks' rule ids, so that a
// config written for an older engine still disables what it meant to.
// Disabling an old name that was merged into a broader rule disables that
// rule (stripe-restricted-key: every Stripe live key).
var renamedRules = map[string]string{
	"github-oauth-token":            "github-oauth",
	"github-server-to-server-token": "github-app-token",
	"github-user-to-server-token":   "github-app-token",
	"gitlab-oauth-secret":           "gitlab-oauth-app-secret",
	"gitlab-pipeline-trigger-token": "gitlab-ptt",
	"gitlab-runner-token":           "gitlab-runner-authentication-token",
	"google-api-key":                "gcp-api-key",
	"huggingface-token":             "huggingface-access-token",
	"npm-token":                     "npm-access-token",
	"pypi-token":                    "pypi-upload-token",
	"sendgrid-api-key":              "sendgrid-api-token",
	"slack-app-level-token":         "slack-app-token",
	"slack-config-token":            "slack-config-access-token",
	"slack-refresh-token":           "slack-config-refresh-token",
	"slack-session-token":           "slack-legacy-token",
	"stripe-secret-key":             "stripe-access-token",
	"stripe-restricted-key":         "stripe-access-token",
	"stripe-test-restricted-key":    "stripe-test-secret-key",
}

var defaultEngine = func() *Engine {
	e, err := New(Config{})
	if err != nil {
		panic(err)
	}
	return e
}()

// Default returns the engine with all built-in detectors and no custom rules.
func Default() Scanner { return defaultEngine }

type customRule struct {
	name, typ string
	sev       model.Severity
	re        *regexp.Regexp
	keywords  []string // lower case
	group     int
}

func compileRule(r RuleConfig) (customRule, error) {
	if r.Name == "" {
		return customRule{}, errors.New("name is required")
	}
	if r.Type == "" {
		return customRule{}, errors.New("type is required")
	}
	if r.Severity.Rank() == 0 {
		return customRule{}, fmt.Errorf("severity %q: want low, medium, high or critical", r.Severity)
	}
	re, err := regexp.Compile(r.Regex)
	if err != nil {
		return customRule{}, fmt.Errorf("regex: %w", err)
	}
	if r.Group < 0 || r.Group > re.NumSubexp() {
		return customRule{}, fmt.Errorf("group %d: regex has %d groups", r.Group, re.NumSubexp())
	}
	if re.MatchString("") {
		return customRule{}, errors.New("regex matches the empty string")
	}
	cr := customRule{name: r.Name, typ: r.Type, sev: r.Severity, re: re, group: r.Group}
	for _, k := range r.Keywords {
		if k == "" {
			return customRule{}, errors.New("empty keyword")
		}
		cr.keywords = append(cr.keywords, strings.ToLower(k))
	}
	return cr, nil
}

func (r *customRule) scan(c *collector) {
	text := c.text
	if len(r.keywords) > 0 {
		hit := false
		for _, k := range r.keywords {
			if containsFold(text, k) {
				hit = true
				break
			}
		}
		if !hit {
			return
		}
	}
	for _, m := range r.re.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2*r.group], m[2*r.group+1]
		if s < 0 || e <= s {
			continue
		}
		c.add(r.typ, r.sev, r.name, s, e, prioSpecific, preview{}, placeholder(text[s:e]))
	}
}
