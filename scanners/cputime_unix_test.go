//go:build unix

package scanners

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. Benchmarks report MB per
// CPU-second next to wall-clock MB/s because this machine is shared: wall
// time includes waiting for a core, CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
