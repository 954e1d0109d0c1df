//go:build unix

package scanners

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkVersusGitleaks scans the chat benchmark's text with this engine
// and with a gitleaks binary in the same run, and reports both in MB per
// CPU-second and their ratio. It is skipped unless CCSYNC_GITLEAKS names the
// binary; scripts/versus-gitleaks.sh builds gitleaks' release configuration
// (RE2 engine) in a temporary directory and runs this. gitleaks reads files,
// so the messages are written to 1 MB files first; its CPU time is the child
// process's user+system time, the engine's is this process's.
func BenchmarkVersusGitleaks(b *testing.B) {
	bin := os.Getenv("CCSYNC_GITLEAKS")
	if bin == "" {
		b.Skip("CCSYNC_GITLEAKS is not set; see scripts/versus-gitleaks.sh")
	}
	msgs, total := genChat(b, 50<<20, 256<<10)
	dir := b.TempDir()
	var file strings.Builder
	files := 0
	flush := func() {
		if file.Len() == 0 {
			return
		}
		name := filepath.Join(dir, fmt.Sprintf("chat-%03d.txt", files))
		if err := os.WriteFile(name, []byte(file.String()), 0o600); err != nil {
			b.Fatal(err)
		}
		files++
		file.Reset()
	}
	for _, m := range msgs {
		file.WriteString(m)
		file.WriteString("\n\n")
		if file.Len() >= 1<<20 {
			flush()
		}
	}
	flush()
	eng := Default()
	var engineCPU, gitleaksCPU time.Duration
	engineFound := 0
	for b.Loop() {
		cmd := exec.Command(bin, "dir", dir, "--no-banner", "--exit-code", "0", "--log-level", "error",
			"--report-format", "json", "--report-path", filepath.Join(b.TempDir(), "report.json"))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("gitleaks: %v", err)
		}
		gitleaksCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()

		c0 := cpuTime()
		for _, m := range msgs {
			engineFound += len(eng.Scan(m))
		}
		engineCPU += cpuTime() - c0
	}
	mb := float64(total) / 1e6 * float64(b.N)
	b.ReportMetric(mb/engineCPU.Seconds(), "engine-MB/cpu-s")
	b.ReportMetric(mb/gitleaksCPU.Seconds(), "gitleaks-MB/cpu-s")
	b.ReportMetric(gitleaksCPU.Seconds()/engineCPU.Seconds(), "engine/gitleaks")
	b.ReportMetric(float64(engineFound)/mb, "engine-findings/MB")
}
