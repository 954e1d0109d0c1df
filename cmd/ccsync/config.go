package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// setting is one row of ccsync's configuration table. Every setting has a
// default, an environment variable and a flag; the flag wins over the
// variable, which wins over the default. Values are bound per command and
// passed explicitly; nothing reads the environment later.
type setting struct {
	name string // flag name
	env  string
	def  string
	help string
}

var settingsTable = []setting{
	{"data", "CCSYNC_DATA", "./data", "data directory: Badger store, Bleve index, keyset"},
	{"scan-config", "CCSYNC_SCAN_CONFIG", "", "detector configuration file (JSON): disable detectors, custom rules, allowlists"},
	{"addr", "CCSYNC_ADDR", "127.0.0.1:8080", "HTTP listen address (serve)"},
	{"api-base", "CCSYNC_API_BASE", "https://api.anthropic.com", "Compliance API base URL"},
	{"api-rate", "CCSYNC_API_RATE", "600", "Compliance API requests per minute, shared by every stream of a sync (chats, sessions, activities, files); the quota is 600/min per parent organisation for all its keys together, so leave headroom when other tools use it"},
	{"keyset", "CCSYNC_KEYSET", "", "Tink keyset file for the Compliance key (default <data>/keyset.json, mode 0600)"},
	{"kek-file", "CCSYNC_KEK_FILE", "", "file outside the data directory holding the 32-byte key (raw or base64) that encrypts the keyset file; see 'ccsync keys gen-kek'"},
	{"memory-limit", "CCSYNC_MEMORY_LIMIT", "384MiB", "soft limit for the Go heap (GOMEMLIMIT syntax; 0 or off: none); GOMEMLIMIT wins when set"},
	{"min-free", "CCSYNC_MIN_FREE", "256MiB", "free disk space ingest and deletion leave on the data directory's filesystem; below it they refuse (off: no check)"},
	{"retention-at", "CCSYNC_RETENTION_AT", "03:00", "UTC time of day (HH:MM) of the daily retention run (serve); off: only runs asked for (UI, API, 'ccsync retention run')"},
	{"log-level", "CCSYNC_LOG_LEVEL", "info", "log level: debug, info, warn, error"},
	{"log-format", "CCSYNC_LOG_FORMAT", "text", "log format: text or json"},
}

// bindSettings registers the named settings as flags on fs and returns their
// values, resolved after fs.Parse.
// Binding "data" also binds "scan-config", "memory-limit" and "min-free":
// whatever opens the data directory may ingest, and ingest must scan with the
// same rules and stay within the same memory and disk everywhere.
func bindSettings(fs *flag.FlagSet, names ...string) map[string]*string {
	if slices.Contains(names, "data") {
		for _, n := range []string{"scan-config", "memory-limit", "min-free"} {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	out := map[string]*string{}
	for _, n := range names {
		s := lookupSetting(n)
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		out[n] = fs.String(s.name, def, fmt.Sprintf("%s (env %s)", s.help, s.env))
	}
	return out
}

func lookupSetting(name string) setting {
	for _, s := range settingsTable {
		if s.name == name {
			return s
		}
	}
	panic("unknown setting " + name) // a programming error, caught by every test of the command
}

// printSettingsTable writes the configuration table (ccsync config).
func printSettingsTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAG\tENV\tDEFAULT\tDESCRIPTION")
	for _, s := range settingsTable {
		fmt.Fprintf(tw, "--%s\t%s\t%s\t%s\n", s.name, s.env, s.def, s.help)
	}
	tw.Flush()
}

func init() {
	register(command{name: "config", summary: "print the configuration table (flags, env vars, defaults)",
		run: func(_ context.Context, args []string, io stdio) error {
			printSettingsTable(io.out)
			return nil
		}})
}

// newLogger builds the process logger from the log settings.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// parseDate accepts YYYY-MM-DD (midnight UTC) or RFC 3339. endOfDay moves a
// bare date to the next midnight, so "--to 2026-03-31" includes March 31st.
func parseDate(flagName, s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want YYYY-MM-DD or RFC 3339 (2026-03-01T00:00:00Z)", flagName, s)
	}
	return t, nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit. Without one the
// heap of a long import grows with the store (GC lets it reach twice the live
// data): a 1 GB export peaked at 462 MiB of anonymous memory unlimited and
// 308 MiB under a 320 MiB limit, at the same speed. GOMEMLIMIT, when set, is
// the operator's explicit choice and wins.
func applyMemoryLimit(v string) error {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "off":
		return nil
	}
	n, err := parseBytes(v)
	if err != nil {
		return fmt.Errorf("--memory-limit %q: %w", v, err)
	}
	debug.SetMemoryLimit(n)
	return nil
}

// parseBytes reads a size like GOMEMLIMIT does: a number with an optional
// B, KiB, MiB, GiB or TiB suffix.
func parseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a positive size such as 384MiB or 2GiB")
	}
	return n * mult, nil
}
