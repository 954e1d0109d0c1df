package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/mattn/go-isatty"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/export"
)

func init() {
	register(command{name: "import", summary: "import a claude.ai data export (files, folders, zips)", run: runImport})
}

func runImport(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("import", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	asJSON := fs.Bool("json", false, `print {"conversations","messages","users","skipped","errors"} as JSON`)
	maxRecordMB := fs.Int("max-record-mb", export.DefaultLimits.MaxRecordBytes>>20,
		"largest conversation accepted, in MiB of JSON (bounds memory)")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync import [--data DIR] [--json] PATH...\n\n"+
			"PATH is conversations.json, users.json, conversations-NNNN.json, an export folder,\n"+
			"or the export's zips (conversations-000.zip, light_metadata-000.zip, data-…-batch-0000.zip).\n"+
			"Exit status is 1 when nothing, or not everything, could be imported.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *maxRecordMB <= 0 {
		fs.Usage()
		return errUsage
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()

	var events export.Publisher = ix
	bar := newProgressBar(io.err)
	if bar != nil {
		events = teePublisher{ix, bar}
	}
	start := time.Now()
	rep, err := export.Import(ctx, fs.Args(), export.Options{
		Sink:   ix,
		Events: events,
		Limits: export.Limits{MaxRecordBytes: *maxRecordMB << 20},
		// Record errors are printed in the summary; logging them as well
		// would garble the progress bar.
		Logger: slog.New(slog.DiscardHandler),
	})
	bar.finish()
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(io.out)
			enc.SetEscapeHTML(false)
			if jerr := enc.Encode(rep); jerr != nil {
				return jerr
			}
		} else {
			printImportSummary(io.out, rep, time.Since(start))
		}
	}
	if err != nil {
		return err
	}
	return rep.Outcome()
}

func printImportSummary(w io.Writer, rep *export.Report, took time.Duration) {
	fmt.Fprintf(w, "Imported %d conversations, %d messages and %d users (%.1f MB of JSON) in %s.\n",
		rep.Conversations, rep.Messages, rep.Users, float64(rep.Bytes)/1e6, took.Round(time.Millisecond))
	c := rep.Changes
	fmt.Fprintf(w, "Stored: %d conversations, %d messages, %d users new or changed; %d unchanged; %d findings.\n",
		c.Conversations, c.Messages, c.Users, c.Unchanged, c.Findings)
	if len(rep.Notes) > 0 {
		fmt.Fprintf(w, "Notes (%d files skipped):\n", rep.Skipped)
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	if len(rep.Errors) > 0 {
		fmt.Fprintf(w, "Not imported (%d):\n", len(rep.Errors))
		for _, e := range rep.Errors {
			fmt.Fprintf(w, "  %s\n", e.Err)
		}
	}
}

type teePublisher []export.Publisher

func (t teePublisher) Publish(e indexer.Event) {
	for _, p := range t {
		p.Publish(e)
	}
}

// progressBar draws import events on one terminal line. It is nil when
// stderr is not a terminal, so pipes and CI logs get no control characters.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return nil
	}
	return &progressBar{w: w, start: time.Now()}
}

func (p *progressBar) Publish(e indexer.Event) {
	if e.Kind != "import" {
		return
	}
	p.drawn = true
	fmt.Fprintf(p.w, "\r\x1b[K%s", progressLine(e, time.Since(p.start)))
}

func (p *progressBar) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine renders an event: bar, MB read of total, conversations and
// messages done, rate and ETA.
func progressLine(e indexer.Event, elapsed time.Duration) string {
	const width = 24
	frac := 0.0
	if e.Total > 0 {
		frac = min(float64(e.Done)/float64(e.Total), 1)
	}
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(e.Done) / 1e6 / s
	}
	eta := "--:--"
	if rate > 0 && e.Total > e.Done {
		d := time.Duration(float64(e.Total-e.Done) / 1e6 / rate * float64(time.Second))
		eta = fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
	}
	line := fmt.Sprintf("%s %3.0f%% %.1f/%.1f MB  %d chats  %d msgs  %.1f MB/s  ETA %s",
		bar, frac*100, float64(e.Done)/1e6, float64(e.Total)/1e6,
		e.Counters["conversations"], e.Counters["messages"], rate, eta)
	if n := e.Counters["errors"]; n > 0 {
		line += fmt.Sprintf("  %d errors", n)
	}
	return line
}
