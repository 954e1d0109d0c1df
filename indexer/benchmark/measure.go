package benchmark

import (
	"bufio"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStatus reads a "VmXXX:  1234 kB" line of /proc/self/status in bytes;
// 0 where there is no procfs (the report then says so rather than failing).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}

func rss() int64 { return procStatus("VmRSS") }

// anonRSS is the resident memory that is not file-backed: heap and stacks.
// VmRSS also counts the index and value-log files' mapped pages, which grow
// with the store and are page cache the kernel can drop.
func anonRSS() int64 { return procStatus("RssAnon") }
func peakRSS() int64 { return procStatus("VmHWM") }

// resetPeakRSS makes VmHWM start over from the current RSS (Linux ≥ 4.0), so
// the peak is the benchmark's and not the test binary's or an earlier run's.
// Best effort: on failure the peak covers the whole process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// diskUsage sums the blocks allocated under dir. Allocated rather than
// apparent size, because Badger preallocates its 128 MiB value-log files
// sparsely: their apparent size says nothing about the data.
func diskUsage(dir string) (allocated, apparent int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		apparent += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			allocated += st.Blocks * 512
		} else {
			allocated += fi.Size()
		}
		return nil
	})
	return allocated, apparent, err
}

// percentile is the nearest-rank percentile (p in (0,1]) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// rate is n per second of d; 0 for an empty interval.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
