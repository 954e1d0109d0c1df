package syslog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/forward/internal/rsyslogtest"
	"github.com/ccsync/ccsync/model"
)

const testHost = "ccsync-test.example"

var t0 = time.Date(2026, 12, 3, 7, 6, 37, 123456789, time.UTC)

// Hostile values: every escaping rule at once, and markers the anonymous
// tests look for.
const (
	evilUser    = "ev\"il]\\us|er=x@example.com\nX"
	evilRule    = "rule | with ] \"quotes\" = and \\ backslash\r\nline"
	evilText    = "text with |pipes| =equals= \\back\\ ]brackets[ \"quotes\"\nnew line\r\n and \xff\xfe bad UTF-8"
	evilPreview = "AKIA****MPLE|x=y\\z"
)

// sampleEvents is one event of each type, non-anonymous, hostile content.
func sampleEvents(prefix string) []model.ForwardEvent {
	fs := []model.ForwardFinding{
		{Type: "aws_access_key", Severity: model.SeverityCritical, Rule: "aws", Preview: evilPreview},
		{Type: "email", Severity: model.SeverityMedium, Rule: "email", Preview: "a***@example.com"},
	}
	counts := model.ForwardCounts{Findings: 2, ByType: map[string]int{"aws_access_key": 1, "email": 1},
		BySeverity: map[string]int{"critical": 1, "medium": 1}}
	base := model.ForwardEvent{
		Time: t0, IngestedAt: t0.Add(time.Second), Origin: "sync",
		MessageID: "msg-secret-id-1", ConversationID: "conv-secret-id-1",
		UserID: "user-secret-id-1", UserEmail: evilUser, UserName: "Eve Il",
		Model: "claude-x", Product: "claude.ai", Role: "user", Title: "secret title",
		Link: "https://ccsync.example/c/conv-secret-id-1#msg-secret-id-1",
	}
	alert := base
	alert.ID, alert.Type = prefix+"-a1", "alert"
	alert.Findings, alert.Counts = nil, counts
	alert.Alert = &model.Alert{ID: "a1", Seq: 1, RuleID: "r1", RuleName: evilRule, GroupBy: "user",
		Group: "user-secret-id-1", FiredAt: t0, FirstSeen: t0.Add(-time.Minute), LastSeen: t0,
		Findings: 2, Suppressed: 3, ByType: counts.ByType, MaxSeverity: model.SeverityCritical,
		User: "user-secret-id-1", Messages: []string{"msg-secret-id-1"}}
	finding := base
	finding.ID, finding.Type = prefix+"-m1-f0", "finding"
	finding.Findings = fs[:1]
	finding.Counts = model.ForwardCounts{Findings: 1, ByType: map[string]int{"aws_access_key": 1}, BySeverity: map[string]int{"critical": 1}}
	message := base
	message.ID, message.Type = prefix+"-m1", "message"
	message.Text = evilText
	message.Findings, message.Counts = fs, counts
	clean := base
	clean.ID, clean.Type = prefix+"-m2", "message"
	clean.Text = "nothing to see"
	clean.Counts = model.ForwardCounts{}
	return []model.ForwardEvent{alert, finding, message, clean}
}

// secrets are strings no anonymous output may contain.
var secrets = []string{"secret", "ev\"il", "evil", "Eve Il", "AKIA", "example.com", "text with", "claude-x", "rule |", "ccsync.example/c"}

func newSender(t testing.TB, d model.Destination) dest.Sender {
	t.Helper()
	d.Kind = model.DestSyslog
	if err := Kind.Validate(&d); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	s, err := Kind.New(dest.Config{Destination: d, Hostname: testHost})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func parse5424(t testing.TB, line string) *rfc5424.SyslogMessage {
	t.Helper()
	m, err := rfc5424.NewParser().Parse([]byte(line))
	if err != nil {
		t.Fatalf("not RFC 5424: %v\n%q", err, line)
	}
	return m.(*rfc5424.SyslogMessage)
}

func sd(m *rfc5424.SyslogMessage) map[string]string {
	if m.StructuredData == nil {
		return nil
	}
	return (*m.StructuredData)[sdID]
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// parseCEF splits a CEF line into its 7 unescaped header fields and its
// extension, unescaped, as a CEF consumer would.
func parseCEF(line string) (header []string, ext map[string]string, err error) {
	rest := line
	for len(header) < 7 {
		i := 0
		for ; i < len(rest); i++ {
			if rest[i] == '\\' {
				i++
				continue
			}
			if rest[i] == '|' {
				break
			}
		}
		if i >= len(rest) {
			return nil, nil, fmt.Errorf("CEF header has %d fields", len(header))
		}
		header = append(header, strings.NewReplacer(`\|`, `|`, `\\`, `\`).Replace(rest[:i]))
		rest = rest[i+1:]
	}
	ext = map[string]string{}
	var eqs []int
	for i := 0; i < len(rest); i++ {
		if rest[i] == '\\' {
			i++
			continue
		}
		if rest[i] == '=' {
			eqs = append(eqs, i)
		}
	}
	unescape := strings.NewReplacer(`\\`, `\`, `\=`, `=`, `\n`, "\n", `\r`, "\r").Replace
	for j, eq := range eqs {
		start := strings.LastIndexByte(rest[:eq], ' ') + 1
		end := len(rest)
		if j+1 < len(eqs) {
			end = strings.LastIndexByte(rest[:eqs[j+1]], ' ')
			if end < eq {
				return nil, nil, fmt.Errorf("CEF extension: no key before offset %d", eqs[j+1])
			}
		}
		key := rest[start:eq]
		if _, dup := ext[key]; dup || key == "" {
			return nil, nil, fmt.Errorf("CEF extension: bad or repeated key %q", key)
		}
		ext[key] = unescape(rest[eq+1 : end])
	}
	return header, ext, nil
}

func sampleCAPEM(t testing.TB) string {
	_, _, der := rsyslogtest.NewCA(t, "validate test CA")
	return rsyslogtest.CAPEMOf(der)
}
