package export

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

// The benchmark export is generated from the indexer's synthetic corpus
// (Zipf-distributed words, 1.1 KB messages, an email in every 8th) written in
// the 2026 export shape: content blocks with the flat text duplicated in
// `text`, tool_use blocks, parent_message_uuid chains, users.json.

type genBlock struct {
	Start     string          `json:"start_timestamp"`
	Stop      string          `json:"stop_timestamp"`
	Flags     any             `json:"flags"`
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Citations []any           `json:"citations,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
}

type genMessage struct {
	UUID        string     `json:"uuid"`
	Text        string     `json:"text"`
	Content     []genBlock `json:"content"`
	Sender      string     `json:"sender"`
	CreatedAt   string     `json:"created_at"`
	UpdatedAt   string     `json:"updated_at"`
	Attachments []any      `json:"attachments"`
	Files       []any      `json:"files"`
	Parent      string     `json:"parent_message_uuid"`
}

type genConversation struct {
	UUID      string       `json:"uuid"`
	Name      string       `json:"name"`
	Summary   string       `json:"summary"`
	CreatedAt string       `json:"created_at"`
	UpdatedAt string       `json:"updated_at"`
	Account   rawAccount   `json:"account"`
	Messages  []genMessage `json:"chat_messages"`
}

const genUsers = 500

// genChunks calls fn with batches of conversation JSON elements, chunk by
// chunk, until about target bytes were produced. It is deterministic, so two
// calls give the same export.
func genChunks(target int64, fn func(elems [][]byte) error) error {
	var produced int64
	for chunk := 0; produced < target; chunk++ {
		org := synth.Generate(synth.Options{Seed: uint64(chunk + 1), Users: genUsers, Conversations: 20,
			MessagesPer: 12, SecretEvery: 8, Days: 365})
		byConv := map[string][]model.Message{}
		for _, m := range org.Messages {
			byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
		}
		elems := make([][]byte, 0, len(org.Conversations))
		for ci, c := range org.Conversations {
			uuid := fmt.Sprintf("%08x-%04x-4000-8000-000000000000", chunk, ci)
			gc := genConversation{UUID: uuid, Name: c.Title, CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt),
				Account: rawAccount{UUID: c.OwnerID}}
			parent := rootParent
			for mi, m := range byConv[c.ID] {
				id := fmt.Sprintf("%08x-%04x-4000-8000-%012x", chunk, ci, mi+1)
				gm := genMessage{UUID: id, Sender: "human", CreatedAt: ts(m.CreatedAt), UpdatedAt: ts(m.CreatedAt),
					Attachments: []any{}, Files: []any{}, Parent: parent}
				if m.Role == model.RoleAssistant {
					gm.Sender = "assistant"
				}
				var flat strings.Builder
				for bi, b := range m.Blocks {
					switch b.Type {
					case model.BlockText:
						gm.Content = append(gm.Content, genBlock{Start: ts(m.CreatedAt), Stop: ts(m.CreatedAt),
							Type: "text", Text: b.Text, Citations: []any{}})
						flat.WriteString(b.Text)
					case model.BlockToolUse:
						gm.Content = append(gm.Content, genBlock{Start: ts(m.CreatedAt), Stop: ts(m.CreatedAt),
							Type: "tool_use", ID: fmt.Sprintf("toolu_%s_%d", id[:13], bi), Name: b.ToolName,
							Input: json.RawMessage(b.ToolInput)})
						flat.WriteString("This block is not supported on your current device yet.")
					}
				}
				gm.Text = flat.String()
				gc.Messages = append(gc.Messages, gm)
				parent = id
			}
			data, err := json.Marshal(gc)
			if err != nil {
				return err
			}
			elems = append(elems, data)
			produced += int64(len(data)) + 1
		}
		if err := fn(elems); err != nil {
			return err
		}
	}
	return nil
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// writeBenchExport writes users.json and conversations.json of about target
// bytes into dir, streaming, and returns the conversations file's size.
func writeBenchExport(tb testing.TB, dir string, target int64) (users, convs string, size int64) {
	tb.Helper()
	var ub bytes.Buffer
	ub.WriteString("[")
	for i := range genUsers {
		if i > 0 {
			ub.WriteString(",")
		}
		fmt.Fprintf(&ub, `{"uuid":"user_%04d","full_name":"User %d","email_address":"user%d@example.com","verified_phone_number":null}`, i, i, i)
	}
	ub.WriteString("]")
	users = writeFile(tb, dir, "users.json", ub.Bytes())

	convs = filepath.Join(dir, "conversations.json")
	f, err := os.Create(convs)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("[\n")
	first := true
	err = genChunks(target, func(elems [][]byte) error {
		for _, e := range elems {
			if !first {
				w.WriteString(",\n")
			}
			first = false
			if _, err := w.Write(e); err != nil {
				return err
			}
		}
		return nil
	})
	w.WriteString("\n]\n")
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	fi, _ := os.Stat(convs)
	return users, convs, fi.Size()
}

// peakSampler tracks peak live heap, and peak anonymous resident memory
// (RssAnon: what the process itself holds, as opposed to the mmapped index
// and table files that VmHWM also counts and the kernel can drop), while
// running.
type peakSampler struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	peak     atomic.Uint64
	peakAnon atomic.Uint64
}

func startPeakSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{})}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > p.peak.Load() {
				p.peak.Store(v)
			}
			if i%10 == 0 {
				if v := procStatus("RssAnon:"); v > p.peakAnon.Load() {
					p.peakAnon.Store(v)
				}
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) Stop() uint64 {
	close(p.stop)
	p.wg.Wait()
	return p.peak.Load()
}

// resetPeakRSS and peakRSS read the kernel's high-water mark of resident
// memory (VmHWM), reset between phases; 0 where /proc is unavailable.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() uint64 { return procStatus("VmHWM:") }

// procStatus reads one kB field of /proc/self/status, in bytes.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

type discardSink struct{}

func (discardSink) Ingest(context.Context, indexer.Batch) (indexer.IngestResult, error) {
	return indexer.IngestResult{}, nil
}

// BenchmarkImport measures `ccsync import` end to end (read, split, decode,
// map, scan, Badger, Bleve) against a baseline measured in the same run: the
// indexer ingesting the very same records, already decoded, with only the
// Ingest calls timed. The ratio import/ingest is what the importer costs on
// top of the core; the core's own ceiling against raw Bleve is
// BenchmarkIngestVsBleve in package indexer. It also reports the decoder
// alone (discard sink), peak live heap and peak RSS of the import phase.
//
// The default export is 4 MB so plain `go test -bench .` stays quick; set
// CCSYNC_BENCH_EXPORT_MB for the sizes:
//
//	go test ./indexer/export -run '^$' -bench Import -benchtime 1x
//	CCSYNC_BENCH_EXPORT_MB=100  go test ./indexer/export -run '^$' -bench Import -benchtime 1x -timeout 2h
//	CCSYNC_BENCH_EXPORT_MB=1000 go test ./indexer/export -run '^$' -bench Import -benchtime 1x -timeout 4h
func BenchmarkImport(b *testing.B) {
	mb := int64(4)
	if v, err := strconv.Atoi(os.Getenv("CCSYNC_BENCH_EXPORT_MB")); err == nil && v > 0 {
		mb = int64(v)
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	dir := b.TempDir()
	users, convs, size := writeBenchExport(b, dir, mb<<20)
	paths := []string{users, convs}

	// Baseline records: the same export, generated, decoded and mapped into
	// batches up front, so only Ingest is timed. For huge exports only a
	// prefix is held (CCSYNC_BENCH_BASELINE_MSGS, default 60,000); ingest
	// slows as the index grows, so a prefix flatters the baseline and the
	// ratio errs against the importer.
	baseMax := 60000
	if v, err := strconv.Atoi(os.Getenv("CCSYNC_BENCH_BASELINE_MSGS")); err == nil && v > 0 {
		baseMax = v
	}
	baseline, baseMsgs := benchBatches(b, mb<<20, baseMax)

	var importDur, ingestDur, decodeDur time.Duration
	var msgs int
	var importMem, decodeMem memPeak
	for i := 0; b.Loop(); i++ {
		// Alternate the order so drift in machine load hits both alike.
		phases := []func(){
			func() {
				ix := openIndexer(b, b.TempDir())
				defer ix.Close()
				if err := ingestUsers(ctx, ix, users); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for _, batch := range baseline {
					if _, err := ix.Ingest(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				ingestDur += time.Since(start)
			},
			func() {
				importDur += measure(&importMem, func() {
					ix := openIndexer(b, b.TempDir())
					defer ix.Close()
					rep, err := Import(ctx, paths, Options{Sink: ix, Logger: quiet})
					if err != nil || rep.Outcome() != nil {
						b.Fatal(err, rep.Outcome())
					}
					msgs = rep.Messages
				})
			},
		}
		if i%2 == 1 {
			phases[0], phases[1] = phases[1], phases[0]
		}
		phases[0]()
		phases[1]()

		// The importer alone (read, split, decode, map), into a sink that
		// drops everything: its own speed and memory, without the indexer's.
		decodeDur += measure(&decodeMem, func() {
			if _, err := Import(ctx, paths, Options{Sink: discardSink{}, Logger: quiet}); err != nil {
				b.Fatal(err)
			}
		})
	}
	importRate := float64(b.N*msgs) / importDur.Seconds()
	ingestRate := float64(b.N*baseMsgs) / ingestDur.Seconds()
	b.ReportMetric(float64(size)/1e6, "export_MB")
	b.ReportMetric(float64(msgs), "messages")
	b.ReportMetric(float64(baseMsgs), "baseline_msgs")
	b.ReportMetric(importRate, "import_msgs/s")
	b.ReportMetric(ingestRate, "ingest_msgs/s")
	b.ReportMetric(importRate/ingestRate, "import/ingest")
	b.ReportMetric(float64(b.N*msgs)/decodeDur.Seconds(), "decode_msgs/s")
	b.ReportMetric(float64(importMem.heap)/(1<<20), "import_heap_MiB")
	b.ReportMetric(float64(importMem.rss)/(1<<20), "import_rss_MiB")
	b.ReportMetric(float64(decodeMem.heap)/(1<<20), "decode_heap_MiB")
}

// memPeak is the highest live heap and RSS seen over a phase's runs.
type memPeak struct{ heap, rss, anon uint64 }

// measure runs fn, returning its duration and raising peak to its memory:
// the live heap it added over what was live before (the benchmark's own
// baseline batches), and the process's peak RSS, which does include them.
func measure(peak *memPeak, fn func()) time.Duration {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	resetPeakRSS()
	sampler := startPeakSampler()
	start := time.Now()
	fn()
	d := time.Since(start)
	if p := sampler.Stop(); p > before {
		peak.heap = max(peak.heap, p-before)
	}
	peak.anon = max(peak.anon, sampler.peakAnon.Load())
	peak.rss = max(peak.rss, peakRSS())
	return d
}

// BenchmarkImportMemory imports the generated export and reports only speed
// and memory, holding nothing else, so peak heap and RSS are the import's
// own: sink=discard is the importer alone (read, split, decode, map),
// sink=indexer adds the real indexer. Compare sizes to see what stays flat:
//
//	CCSYNC_BENCH_EXPORT_MB=100  go test ./indexer/export -run '^$' -bench ImportMemory -benchtime 1x -timeout 2h
//	CCSYNC_BENCH_EXPORT_MB=1000 go test ./indexer/export -run '^$' -bench ImportMemory -benchtime 1x -timeout 4h
func BenchmarkImportMemory(b *testing.B) {
	mb := int64(4)
	if v, err := strconv.Atoi(os.Getenv("CCSYNC_BENCH_EXPORT_MB")); err == nil && v > 0 {
		mb = int64(v)
	}
	dir := b.TempDir()
	users, convs, size := writeBenchExport(b, dir, mb<<20)
	for _, sinkName := range []string{"discard", "indexer"} {
		b.Run("sink="+sinkName, func(b *testing.B) {
			var mem memPeak
			var took time.Duration
			msgs := 0
			for b.Loop() {
				took += measure(&mem, func() {
					var sink Sink = discardSink{}
					if sinkName == "indexer" {
						ix := openIndexer(b, b.TempDir())
						defer ix.Close()
						sink = ix
					}
					rep, err := Import(context.Background(), []string{users, convs},
						Options{Sink: sink, Logger: slog.New(slog.DiscardHandler)})
					if err != nil || rep.Outcome() != nil {
						b.Fatal(err, rep.Outcome())
					}
					msgs = rep.Messages
				})
			}
			b.ReportMetric(float64(size)/1e6, "export_MB")
			b.ReportMetric(float64(msgs), "messages")
			b.ReportMetric(float64(b.N*msgs)/took.Seconds(), "import_msgs/s")
			b.ReportMetric(float64(mem.heap)/(1<<20), "peak_heap_MiB")
			b.ReportMetric(float64(mem.rss)/(1<<20), "peak_rss_MiB")
			b.ReportMetric(float64(mem.anon)/(1<<20), "peak_anon_MiB")
		})
	}
}

// benchBatches decodes and maps the generated export into batches of the
// import's size, up to maxMsgs messages.
func benchBatches(b *testing.B, target int64, maxMsgs int) ([]indexer.Batch, int) {
	var batches []indexer.Batch
	var batch indexer.Batch
	msgs := 0
	errFull := errString("full")
	err := genChunks(target, func(elems [][]byte) error {
		for _, e := range elems {
			var rc rawConversation
			if err := json.Unmarshal(e, &rc); err != nil {
				return err
			}
			c, ms, err := mapConversation(&rc, e)
			if err != nil {
				return err
			}
			if msgs+len(ms) > maxMsgs {
				return errFull
			}
			batch.Conversations = append(batch.Conversations, c)
			for _, m := range ms {
				batch.Messages = append(batch.Messages, m)
				msgs++
				if len(batch.Messages) >= DefaultLimits.BatchMessages {
					batches = append(batches, batch)
					batch = indexer.Batch{}
				}
			}
		}
		return nil
	})
	if err != nil && err != errFull {
		b.Fatal(err)
	}
	if len(batch.Messages)+len(batch.Conversations) > 0 {
		batches = append(batches, batch)
	}
	return batches, msgs
}

func ingestUsers(ctx context.Context, sink Sink, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var raw []rawUser
	if err := json.NewDecoder(io.Reader(f)).Decode(&raw); err != nil {
		return err
	}
	var b indexer.Batch
	for _, u := range raw {
		b.Users = append(b.Users, model.User{ID: u.UUID, Name: u.FullName, Email: u.EmailAddress, AvatarSeed: u.UUID})
	}
	_, err = sink.Ingest(ctx, b)
	return err
}

// BenchmarkSplitter measures the record splitter alone on the generated
// export, in MB/s, against a plain read of the same bytes.
func BenchmarkSplitter(b *testing.B) {
	_, convs, size := writeBenchExport(b, b.TempDir(), 8<<20)
	data, err := os.ReadFile(convs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		sp := newSplitter(bytes.NewReader(data), DefaultLimits.MaxRecordBytes, DefaultLimits.MaxDepth)
		for {
			if _, err := sp.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
