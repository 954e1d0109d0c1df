package api

import (
	"bufio"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// searchBuckets are the search latency histogram's upper bounds in seconds.
var searchBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// metrics are the API's own counters in Prometheus text format. The few
// series needed do not justify client_golang and its dependency tree; the
// exposition format is stable and tested here.
type metrics struct {
	mu          sync.Mutex
	requests    map[string]uint64 // by status class: 2xx, 4xx, …
	searchCount uint64
	searchSum   float64
	searchHist  []uint64 // cumulative counts per searchBuckets
}

func newMetrics() *metrics {
	return &metrics{requests: map[string]uint64{}, searchHist: make([]uint64, len(searchBuckets))}
}

func (m *metrics) observeRequest(status int) {
	m.mu.Lock()
	m.requests[fmt.Sprintf("%dxx", status/100)]++
	m.mu.Unlock()
}

func (m *metrics) observeSearch(d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.searchCount++
	m.searchSum += sec
	for i, b := range searchBuckets {
		if sec <= b {
			m.searchHist[i]++
		}
	}
}

func promLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// serveMetrics writes GET /metrics: request and search-latency counters,
// ingest counters from the indexer and the sync state.
func (s *Server) serveMetrics(c *fiber.Ctx) error {
	st, err := s.store.Stats(c.UserContext())
	if err != nil {
		return err
	}
	var sync *SyncStatus
	if s.cfg.Sync != nil {
		if ss, err := s.cfg.Sync.Status(c.UserContext()); err == nil {
			sync = &ss
		}
	}
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	w := bufio.NewWriter(&b)
	s.metrics.mu.Lock()
	fmt.Fprintln(w, "# HELP ccsync_http_requests_total HTTP requests by status class.")
	fmt.Fprintln(w, "# TYPE ccsync_http_requests_total counter")
	classes := make([]string, 0, len(s.metrics.requests))
	for k := range s.metrics.requests {
		classes = append(classes, k)
	}
	sort.Strings(classes)
	for _, k := range classes {
		fmt.Fprintf(w, "ccsync_http_requests_total{code=%q} %d\n", k, s.metrics.requests[k])
	}
	fmt.Fprintln(w, "# HELP ccsync_search_duration_seconds Search latency in the indexer, as seen by the API.")
	fmt.Fprintln(w, "# TYPE ccsync_search_duration_seconds histogram")
	for i, le := range searchBuckets {
		fmt.Fprintf(w, "ccsync_search_duration_seconds_bucket{le=\"%g\"} %d\n", le, s.metrics.searchHist[i])
	}
	fmt.Fprintf(w, "ccsync_search_duration_seconds_bucket{le=\"+Inf\"} %d\n", s.metrics.searchCount)
	fmt.Fprintf(w, "ccsync_search_duration_seconds_sum %g\n", s.metrics.searchSum)
	fmt.Fprintf(w, "ccsync_search_duration_seconds_count %d\n", s.metrics.searchCount)
	s.metrics.mu.Unlock()

	gauge := func(name, help string, v int) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("ccsync_messages", "Messages stored.", st.Messages)
	gauge("ccsync_conversations", "Conversations stored.", st.Conversations)
	gauge("ccsync_users", "Claude users stored.", st.Users)
	gauge("ccsync_flagged_messages", "Messages with at least one finding.", st.FlaggedMessages)
	fmt.Fprintln(w, "# HELP ccsync_findings Findings stored, by type.")
	fmt.Fprintln(w, "# TYPE ccsync_findings gauge")
	types := make([]string, 0, len(st.FindingsPerType))
	for t := range st.FindingsPerType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "ccsync_findings{type=\"%s\"} %d\n", promLabel(t), st.FindingsPerType[t])
	}
	gauge("ccsync_progress_sockets", "Open progress WebSockets.", s.hub.count())
	if sync != nil {
		gauge("ccsync_sync_running", "1 while a sync runs.", b2i(sync.Running))
		gauge("ccsync_sync_key_saved", "1 when a Compliance API key is saved.", b2i(sync.KeySaved))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return c.SendString(b.String())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// healthz is public and says only whether the store answers.
func (s *Server) healthz(c *fiber.Ctx) error {
	if _, err := s.store.Meta("healthz"); err != nil && !isNotFound(err) {
		s.log.Error("health check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}
