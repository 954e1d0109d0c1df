package scanners

import (
	"regexp"
	"testing"
	"time"
)

// BenchmarkScan measures the engine on generated chat text at two sizes
// (throughput must not depend on corpus size) and, on the smaller one, a
// naive baseline: one Go regexp per detector run over every message, the way
// a pattern-only scanner built on Go's regexp works. Compare MB/s within one
// run; the machine is shared.
//
//	go test ./scanners -run '^$' -bench BenchmarkScan -benchtime 3x
func BenchmarkScan(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		scan func(string) int
	}{
		{"engine/5MB", 5 << 20, engineScan},
		{"engine/50MB", 50 << 20, engineScan},
		{"regexp-baseline/5MB", 5 << 20, baselineScan},
	} {
		b.Run(bc.name, func(b *testing.B) {
			msgs, total := genChat(b, bc.size, 256<<10)
			b.SetBytes(int64(total))
			b.ReportAllocs()
			found := 0
			var cpu time.Duration
			for b.Loop() {
				c0 := cpuTime()
				for _, m := range msgs {
					found += bc.scan(m)
				}
				cpu += cpuTime() - c0
			}
			mb := float64(total) / 1e6
			b.ReportMetric(float64(found)/float64(b.N)/mb, "findings/MB")
			if cpu > 0 {
				b.ReportMetric(mb*float64(b.N)/cpu.Seconds(), "MB/cpu-s")
			}
		})
	}
}

// BenchmarkScanOneText scans one large text instead of many messages, to
// show the pass is linear in a single input too.
func BenchmarkScanOneText(b *testing.B) {
	msgs, total := genChat(b, 8<<20, 256<<10)
	text := ""
	for _, m := range msgs {
		text += m
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		Default().Scan(text)
	}
}

func engineScan(s string) int { return len(defaultEngine.Scan(s)) }

// baselinePatterns approximate the built-in detectors with plain regexps
// (no validation), the pattern-only approach this engine replaces.
var baselinePatterns = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range []string{
		`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,
		`\b(?:\d[ -]?){13,19}\b`,
		`\b\d{3}-\d{2}-\d{4}\b`,
		`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`,
		`(?i)aws.{0,20}secret.{0,20}[=:]\s*["']?[A-Za-z0-9/+]{40}`,
		`sk-ant-[a-z]+\d\d-[A-Za-z0-9_-]{32,}`,
		`sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}`,
		`gh[pousr]_[A-Za-z0-9]{36}`,
		`github_pat_[A-Za-z0-9_]{82}`,
		`glpat-[A-Za-z0-9_.-]{20,}`,
		`xox[bpars]-[A-Za-z0-9-]{20,}`,
		`[rs]k_(?:live|test)_[A-Za-z0-9]{24,}`,
		`AIza[A-Za-z0-9_-]{35}`,
		`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`,
		`npm_[A-Za-z0-9]{36}`,
		`hf_[A-Za-z0-9]{30,40}`,
		`-----BEGIN [A-Z ]*PRIVATE KEY-----`,
		`eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`,
		`[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@`,
		`\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b`,
		`\b(?:\d{1,3}\.){3}\d{1,3}\b`,
		`(?i)(?:api_?key|secret|token|password|passwd|pwd)["']?\s*[:=]\s*["']?[A-Za-z0-9_\-+/=!@#$%^&*]{8,}`,
	} {
		out = append(out, regexp.MustCompile(p))
	}
	return out
}()

func baselineScan(s string) int {
	n := 0
	for _, re := range baselinePatterns {
		n += len(re.FindAllStringIndex(s, -1))
	}
	return n
}
