package benchmark

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is everything one run measured. Durations are float seconds or
// milliseconds (named so) to keep the JSON readable by people and scripts.
type Report struct {
	Env     Env            `json:"env"`
	Org     Org            `json:"org"`
	Ingest  IngestReport   `json:"ingest"`
	Search  []QueryReport  `json:"search"`
	Delete  *DeleteReport  `json:"delete,omitempty"`  // nil when skipped
	Reindex *ReindexReport `json:"reindex,omitempty"` // nil when skipped
	// Retention is nil when skipped (it needs the range deletion to compare with).
	Retention *RetentionReport `json:"retention,omitempty"`
	Disk      DiskReport       `json:"disk"`
	Memory    MemoryReport     `json:"memory"`
	Baseline  *BaselineReport  `json:"baseline,omitempty"` // nil when skipped
}

// Env says where the numbers come from.
type Env struct {
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Started    string `json:"started"` // RFC 3339
	Dir        string `json:"dir"`
	DirKept    bool   `json:"dir_kept"`
}

// Org is the generated organisation.
type Org struct {
	Seed          uint64 `json:"seed"`
	Messages      int    `json:"messages"`
	Conversations int    `json:"conversations"`
	Users         int    `json:"users"`
	SpanDays      int    `json:"span_days"`
	TextBytes     int    `json:"text_bytes"` // approximate size of a message
	BatchMessages int    `json:"batch_messages"`
	Order         string `json:"order"`
}

// IngestReport is the pipeline's rate. Seconds counts time inside Ingest
// only; WallSeconds adds the generator's time.
type IngestReport struct {
	Messages    int          `json:"messages"`
	Findings    int          `json:"findings"`
	Seconds     float64      `json:"seconds"`
	WallSeconds float64      `json:"wall_seconds"`
	MsgsPerSec  float64      `json:"msgs_per_sec"`
	Tenths      []TenthRate  `json:"tenths"`
	LastFirst   float64      `json:"last_over_first"` // last tenth's rate / first's: 1 is flat
	Reopen      ReopenReport `json:"reopen"`
}

// TenthRate is the rate over one tenth of the messages, in order, and the
// resident memory at its end (whether memory stays flat as the store grows).
type TenthRate struct {
	Tenth      int     `json:"tenth"` // 1..10
	Messages   int     `json:"messages"`
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	RSS        int64   `json:"rss_bytes"`
	AnonRSS    int64   `json:"anon_rss_bytes"` // heap and stacks, without mapped files
}

// ReopenReport is closing the indexer after ingest (which flushes both
// stores, so the disk size is final) and opening it again.
type ReopenReport struct {
	CloseSeconds float64 `json:"close_seconds"`
	OpenSeconds  float64 `json:"open_seconds"`
}

// QueryReport is one query of the mix.
type QueryReport struct {
	Name  string  `json:"name"`
	Query string  `json:"query"`
	Runs  int     `json:"runs"`
	Hits  uint64  `json:"hits"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// DeleteReport is DeleteRange over one calendar month.
type DeleteReport struct {
	Month         string  `json:"month"` // YYYY-MM
	Messages      int     `json:"messages"`
	Conversations int     `json:"conversations"`
	Fraction      float64 `json:"fraction"` // of the messages ingested
	Seconds       float64 `json:"seconds"`
	MsgsPerSec    float64 `json:"msgs_per_sec"`
}

// ReindexReport is Reindex over what is left.
type ReindexReport struct {
	Scope      string  `json:"scope"` // "all", or the one month rebuilt
	Docs       int     `json:"docs"`
	Seconds    float64 `json:"seconds"`
	DocsPerSec float64 `json:"docs_per_sec"`
}

// DiskReport sums the data directory (allocated blocks, see diskUsage).
type DiskReport struct {
	AfterIngest         int64   `json:"after_ingest_bytes"`
	AfterIngestApparent int64   `json:"after_ingest_apparent_bytes"`
	BytesPerMessage     float64 `json:"bytes_per_message"`
	AfterDelete         int64   `json:"after_delete_bytes,omitempty"`
	AfterReindex        int64   `json:"after_reindex_bytes,omitempty"`
}

// MemoryReport is the process' resident memory (0 without /proc).
type MemoryReport struct {
	RSSAfterIngest int64 `json:"rss_after_ingest_bytes"`
	PeakRSSIngest  int64 `json:"peak_rss_ingest_bytes"` // VmHWM at the end of ingest
	PeakRSS        int64 `json:"peak_rss_bytes"`        // VmHWM over the pipeline phases, before the baseline
	PeakRSSTotal   int64 `json:"peak_rss_total_bytes"`
}

// BaselineReport is raw Bleve batch indexing of the first Messages messages:
// the ceiling. Ratio is the pipeline's rate over those same messages divided
// by Bleve's; OverallRatio uses the pipeline's rate over the whole run.
type BaselineReport struct {
	Messages         int     `json:"messages"`
	Docs             int     `json:"docs"`
	Seconds          float64 `json:"seconds"`
	MsgsPerSec       float64 `json:"msgs_per_sec"`
	PipelineMsgsPerS float64 `json:"pipeline_msgs_per_sec"` // over the same messages
	Ratio            float64 `json:"ratio"`
	OverallRatio     float64 `json:"overall_ratio"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteTable writes the report for people, one aligned block per section.
func (r *Report) WriteTable(w io.Writer) error {
	var err error
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	section := func() { // ends a block of aligned columns
		if ferr := tw.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("write report: %w", ferr)
		}
	}
	o, in := r.Org, r.Ingest
	p("ccsync bench: %s messages of ~%s bytes, %s conversations, %s users over %d days, seed %d, batches of %s messages, %s order",
		num(o.Messages), num(o.TextBytes), num(o.Conversations), num(o.Users), o.SpanDays, o.Seed, num(o.BatchMessages), o.Order)
	p("%s %s/%s, %d CPUs (GOMAXPROCS %d), started %s", r.Env.GoVersion, r.Env.OS, r.Env.Arch, r.Env.CPUs, r.Env.GOMAXPROCS, r.Env.Started)
	p("")
	p("INGEST  %s msgs/s overall: %.1f s in Ingest (%.1f s wall with generation), %s findings",
		num(int(in.MsgsPerSec)), in.Seconds, in.WallSeconds, num(in.Findings))
	p("  tenth\tmsgs/s\tmessages\tseconds\tRSS at end\t(anonymous)")
	for _, t := range in.Tenths {
		p("  %d\t%s\t%s\t%.2f\t%s\t%s", t.Tenth, num(int(t.MsgsPerSec)), num(t.Messages), t.Seconds, mib(t.RSS), mib(t.AnonRSS))
	}
	section()
	p("  last/first tenth %.2f (1.00 is flat); close %.2f s, reopen %.2f s", in.LastFirst, in.Reopen.CloseSeconds, in.Reopen.OpenSeconds)
	p("")
	if len(r.Search) > 0 {
		p("SEARCH  %d timed runs per query after %d warm-up, pages of 25", r.Search[0].Runs, warmups)
		p("  query\thits\tp50 ms\tp99 ms\tmax ms\tterms")
		for _, q := range r.Search {
			p("  %s\t%s\t%.1f\t%.1f\t%.1f\t%s", q.Name, num(int(q.Hits)), q.P50Ms, q.P99Ms, q.MaxMs, q.Query)
		}
		section()
		p("")
	}
	if d := r.Delete; d != nil {
		p("DELETE\tmonth %s: %s messages (%.1f%% of them), %s conversations in %.2f s (%s msgs/s)",
			d.Month, num(d.Messages), 100*d.Fraction, num(d.Conversations), d.Seconds, num(int(d.MsgsPerSec)))
	} else {
		p("DELETE\tskipped")
	}
	if x := r.Retention; x != nil {
		p("RETENTION\tmonth %s expired: %s messages in %.2f s (%s msgs/s), partitions dropped %v; time/message %.2f× delete's",
			x.Month, num(x.Messages), x.Seconds, num(int(x.MsgsPerSec)), x.Partitions, x.PerMsgVsDelete)
		if x.HeldSkipped != "" {
			p("RETENTION + HOLD\tskipped: %s", x.HeldSkipped)
		} else {
			p("RETENTION + HOLD\tmonth %s, ~1%% held: %s deleted, %s kept in %.2f s (%s msgs/s); time/message %.2f× delete's",
				x.HeldMonth, num(x.HeldMessages), num(x.HeldKept), x.HeldSeconds, num(int(x.HeldMsgsPerSec)), x.HeldPerMsgVsDelete)
		}
	} else {
		p("RETENTION\tskipped")
	}
	if x := r.Reindex; x != nil {
		p("REINDEX\t%s: %s docs in %.2f s (%s docs/s)", x.Scope, num(x.Docs), x.Seconds, num(int(x.DocsPerSec)))
	} else {
		p("REINDEX\tskipped")
	}
	ds := r.Disk
	line := fmt.Sprintf("%s after ingest = %s bytes/message (apparent size %s)", mib(ds.AfterIngest), num(int(ds.BytesPerMessage)), mib(ds.AfterIngestApparent))
	if ds.AfterDelete > 0 {
		line += "; " + mib(ds.AfterDelete) + " after delete"
	}
	if ds.AfterReindex > 0 {
		line += "; " + mib(ds.AfterReindex) + " after reindex"
	}
	p("DISK\t%s", line)
	m := r.Memory
	p("MEMORY\tRSS after ingest %s; peak RSS %s during ingest, %s with search, delete and reindex, %s with the baseline",
		mib(m.RSSAfterIngest), mib(m.PeakRSSIngest), mib(m.PeakRSS), mib(m.PeakRSSTotal))
	if b := r.Baseline; b != nil {
		p("BLEVE CEILING\traw Bleve batches on the first %s messages only (%s docs): %s msgs/s in %.1f s",
			num(b.Messages), num(b.Docs), num(int(b.MsgsPerSec)), b.Seconds)
		p("PIPELINE / BLEVE\t%.2f  (pipeline %s msgs/s on the same %s messages; %.2f with the whole run's rate)",
			b.Ratio, num(int(b.PipelineMsgsPerS)), num(b.Messages), b.OverallRatio)
	} else {
		p("BLEVE CEILING\tskipped")
	}
	section()
	return err
}

// num formats n with thousands separators.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func mib(n int64) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
