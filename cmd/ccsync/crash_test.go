package main

// Crash proofs for the CLI: SIGKILL a child process running `ccsync import`,
// `ccsync sync --once` or `ccsync delete` at random moments, restart on the
// same data directory and check that Badger and Bleve agree, then let the
// command finish and check that the result equals a clean, uninterrupted run
// on a fresh directory with the same input.
//
// The child is this test binary re-executed with -test.run=^TestCLIChild$;
// it calls run, the function main calls, with the arguments in
// $CCSYNC_CLI_CHILD_ARGS.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

const cliChildEnv = "CCSYNC_CLI_CHILD_ARGS" // arguments separated by \x1f

// TestCLIChild is the child half of the crash tests: it runs one ccsync
// command exactly as main does and exits with its status.
func TestCLIChild(t *testing.T) {
	v := os.Getenv(cliChildEnv)
	if v == "" {
		t.Skip("child process of the CLI crash tests")
	}
	fmt.Fprintln(os.Stderr, "child: running")
	os.Exit(run(context.Background(), strings.Split(v, "\x1f"), stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// child is a running ccsync child process.
type child struct {
	cmd     *exec.Cmd
	started chan struct{} // closed when the child printed "child: running"
	marker  chan struct{} // closed at the first stderr line containing the marker
	mu      sync.Mutex
	marked  time.Time // when the marker line (or "child: running" without one) arrived
	stderr  strings.Builder
	stdout  strings.Builder
	read    sync.WaitGroup
}

func startChild(t *testing.T, marker string, args ...string) *child {
	t.Helper()
	c := &child{started: make(chan struct{}), marker: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCLIChild$", "-test.count=1", "-test.v=false")
	// The race runtime sleeps a second at exit by default; the children
	// exit dozens of times.
	c.cmd.Env = append(os.Environ(), cliChildEnv+"="+strings.Join(args, "\x1f"),
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	errPipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.read.Add(2)
	go func() {
		defer c.read.Done()
		b, _ := io.ReadAll(outPipe)
		c.mu.Lock()
		c.stdout.Write(b)
		c.mu.Unlock()
	}()
	go func() {
		defer c.read.Done()
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var startedOnce, markerOnce sync.Once
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			c.stderr.WriteString(line + "\n")
			c.mu.Unlock()
			if line == "child: running" {
				startedOnce.Do(func() {
					if marker == "" {
						c.mark()
					}
					close(c.started)
				})
			}
			if marker != "" && strings.Contains(line, marker) {
				markerOnce.Do(func() { c.mark(); close(c.marker) })
			}
		}
	}()
	return c
}

func (c *child) mark() {
	c.mu.Lock()
	c.marked = time.Now()
	c.mu.Unlock()
}

// wait waits for the child to exit and reports whether SIGKILL ended it
// (false: it exited by itself, with code).
func (c *child) wait() (killed bool, code int) {
	c.read.Wait()
	_ = c.cmd.Wait()
	ws, _ := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return ws.Signal() == syscall.SIGKILL, -1
	}
	return false, c.cmd.ProcessState.ExitCode()
}

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "stdout:\n" + c.stdout.String() + "stderr:\n" + c.stderr.String()
}

// runChild runs a command to completion in a child process, requires exit
// status 0 and returns how long it ran after printing "child: running"
// (or after the marker line, when there is one).
func runChild(t *testing.T, marker string, args ...string) (time.Duration, string) {
	t.Helper()
	c := startChild(t, marker, args...)
	from := c.started
	if marker != "" {
		from = c.marker
	}
	killed, code := c.wait()
	c.mu.Lock()
	took := time.Since(c.marked)
	c.mu.Unlock()
	if killed || code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, c.output())
	}
	select {
	case <-from:
	default:
		t.Fatalf("%v: no %q line\n%s", args, marker, c.output())
	}
	return took, c.output()
}

// killAfter starts a child, waits until it printed the marker line (or
// started), sleeps d and sends SIGKILL. It reports whether the kill landed
// while the child was still running, and otherwise how long it ran after
// the marker before it finished by itself.
func killAfter(t *testing.T, marker string, d time.Duration, args ...string) (killed bool, ran time.Duration) {
	t.Helper()
	c := startChild(t, marker, args...)
	from := c.started
	if marker != "" {
		from = c.marker
	}
	exited := make(chan struct{})
	var code int
	go func() { killed, code = c.wait(); close(exited) }()
	select {
	case <-from:
	case <-exited:
		t.Fatalf("%v: exited with %d before the kill window\n%s", args, code, c.output())
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-exited
		t.Fatalf("%v: no %q line within 60 s\n%s", args, marker, c.output())
	}
	start := time.Now()
	select {
	case <-time.After(d):
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	case <-exited:
	}
	ran = time.Since(start)
	if !killed && code != 0 {
		t.Fatalf("%v: exited with %d instead of being killed\n%s", args, code, c.output())
	}
	return killed, ran
}

// storeSummary is the cheap check after every kill: Open (which replays any
// outbox a crash left) must succeed, Verify must find Badger, the index and
// the counters in agreement with no outbox entry left, and the counts and
// analytics counters are returned for comparison.
type storeSummary struct {
	Messages, Conversations int
	Stats                   indexer.Stats
}

func openAndVerify(t *testing.T, dir, when string) storeSummary {
	t.Helper()
	ctx := context.Background()
	ix, rep := openVerified(t, dir, when)
	defer ix.Close()
	st, err := ix.Stats(ctx)
	if err != nil {
		t.Fatalf("%s: stats: %v", when, err)
	}
	return storeSummary{Messages: rep.Messages, Conversations: rep.Conversations, Stats: st}
}

// openVerified opens dir (replaying any outbox a crash left) and fails the
// test unless Verify finds Badger, the index and the counters in agreement
// with no outbox entry left. The caller closes the indexer.
func openVerified(t *testing.T, dir, when string) (*indexer.Indexer, indexer.VerifyReport) {
	t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Logger: discardLog()})
	if err != nil {
		t.Fatalf("%s: reopen: %v", when, err)
	}
	rep, err := ix.Verify(context.Background())
	if err != nil {
		ix.Close()
		t.Fatalf("%s: verify: %v", when, err)
	}
	if !rep.OK() || rep.OutboxPending != 0 {
		ix.Close()
		t.Fatalf("%s: Badger and Bleve disagree after restart: %+v", when, rep)
	}
	return ix, rep
}

func (s storeState) summary() storeSummary {
	return storeSummary{Messages: len(s.Messages), Conversations: len(s.Conversations), Stats: s.Stats}
}

// raceBuild reports whether the test binary (and so every child) runs
// under the race detector, which makes ingest about 15 times slower: the
// inputs shrink so the file stays within about a minute.
func raceBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// storeState is what a data directory holds, as the crash tests compare it:
// every stored message with a digest of its stored form, every
// conversation, and the analytics counters.
type storeState struct {
	Messages      map[string]string // id → sha256 of the stored message
	Times         map[string]time.Time
	Conversations map[string]string // id → sha256 of the stored conversation
	Stats         indexer.Stats
}

// openAndCheck opens dir (which replays any outbox a crash left), requires
// Verify to find nothing wrong and no outbox entry left, and returns the
// stored state read back from Badger.
func openAndCheck(t *testing.T, dir, when string) storeState {
	t.Helper()
	ctx := context.Background()
	ix, rep := openVerified(t, dir, when)
	defer ix.Close()
	st := storeState{Messages: map[string]string{}, Times: map[string]time.Time{}, Conversations: map[string]string{}}
	// Conversation ids from the search index (Verify just proved it holds
	// exactly the stored ones), records from Badger.
	req := indexer.SearchRequest{Kind: indexer.KindConversation, Sort: indexer.SortOldest, Size: 200, NoFacets: true}
	for {
		res, err := ix.Search(ctx, req)
		if err != nil {
			t.Fatalf("%s: list conversations: %v", when, err)
		}
		for _, h := range res.Hits {
			c, err := ix.Conversation(ctx, h.ConversationID)
			if err != nil {
				t.Fatalf("%s: conversation %s: %v", when, h.ConversationID, err)
			}
			st.Conversations[c.ID] = digest(t, c)
			msgs, err := ix.Messages(ctx, c.ID)
			if err != nil {
				t.Fatalf("%s: messages of %s: %v", when, c.ID, err)
			}
			for _, m := range msgs {
				if _, dup := st.Messages[m.ID]; dup {
					t.Fatalf("%s: message %s listed twice", when, m.ID)
				}
				// When a file's content was fetched differs between any two
				// syncs; what was fetched must not.
				for i := range m.Files {
					m.Files[i].FetchedAt = time.Time{}
				}
				st.Messages[m.ID] = digest(t, m)
				st.Times[m.ID] = m.CreatedAt
			}
		}
		if res.Next == "" {
			break
		}
		req.After = res.Next
	}
	if len(st.Messages) != rep.Messages || len(st.Conversations) != rep.Conversations {
		t.Fatalf("%s: read back %d messages in %d conversations, the store holds %d in %d", when,
			len(st.Messages), len(st.Conversations), rep.Messages, rep.Conversations)
	}
	var err error
	if st.Stats, err = ix.Stats(ctx); err != nil {
		t.Fatalf("%s: stats: %v", when, err)
	}
	if st.Stats.Messages != rep.Messages || st.Stats.Conversations != rep.Conversations {
		t.Fatalf("%s: stats count %d messages and %d conversations, the store holds %d and %d", when,
			st.Stats.Messages, st.Stats.Conversations, rep.Messages, rep.Conversations)
	}
	return st
}

func digest(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(raw))
}

// diffState describes how got differs from want ("" when equal).
func diffState(got, want storeState) string {
	var out []string
	describe := func(what string, got, want map[string]string) {
		var missing, extra, changed []string
		for id, d := range want {
			switch g, ok := got[id]; {
			case !ok:
				missing = append(missing, id)
			case g != d:
				changed = append(changed, id)
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				extra = append(extra, id)
			}
		}
		for _, l := range []struct {
			name string
			ids  []string
		}{{"missing", missing}, {"extra", extra}, {"changed", changed}} {
			if len(l.ids) > 0 {
				slices.Sort(l.ids)
				out = append(out, fmt.Sprintf("%d %s %s (first %v)", len(l.ids), what, l.name, l.ids[:min(3, len(l.ids))]))
			}
		}
	}
	describe("messages", got.Messages, want.Messages)
	describe("conversations", got.Conversations, want.Conversations)
	if !reflect.DeepEqual(got.Stats, want.Stats) {
		out = append(out, fmt.Sprintf("stats differ:\n got %+v\nwant %+v", got.Stats, want.Stats))
	}
	return strings.Join(out, "; ")
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// ---- input --------------------------------------------------------------

var crashWords = strings.Fields(`the budget review for quarter rotation of vendor keys deploy pipeline migration
database schema incident postmortem latency replica backup restore customer invoice contract renewal payroll
audit compliance policy security password token credential certificate access onboarding laptop ticket`)

// writeExport writes a claude.ai export (users.json, conversations.json) of
// convs conversations with 8–32 messages each, spread over January and
// February 2026, every 7th message carrying a secret or an e-mail address.
// It returns the two paths and the number of messages.
func writeExport(t *testing.T, dir string, seed uint64, convs int) (paths []string, messages int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	type account struct {
		UUID string `json:"uuid"`
	}
	type block struct {
		Start     string `json:"start_timestamp"`
		Stop      string `json:"stop_timestamp"`
		Flags     any    `json:"flags"`
		Type      string `json:"type"`
		Text      string `json:"text"`
		Citations []any  `json:"citations"`
	}
	type message struct {
		UUID        string  `json:"uuid"`
		Text        string  `json:"text"`
		Content     []block `json:"content"`
		Sender      string  `json:"sender"`
		CreatedAt   string  `json:"created_at"`
		UpdatedAt   string  `json:"updated_at"`
		Attachments []any   `json:"attachments"`
		Files       []any   `json:"files"`
		Parent      string  `json:"parent_message_uuid"`
	}
	type conversation struct {
		UUID      string    `json:"uuid"`
		Name      string    `json:"name"`
		Summary   string    `json:"summary"`
		CreatedAt string    `json:"created_at"`
		UpdatedAt string    `json:"updated_at"`
		Account   account   `json:"account"`
		Messages  []message `json:"chat_messages"`
	}
	type user struct {
		UUID  string `json:"uuid"`
		Name  string `json:"full_name"`
		Email string `json:"email_address"`
	}
	var users []user
	for i := range 6 {
		users = append(users, user{UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user%d@corp.example", i)})
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []conversation
	for ci := range convs {
		created := base.Add(time.Duration(r.Int64N(int64(50 * 24 * time.Hour))))
		c := conversation{UUID: fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, ci), Name: "chat about " + crashWords[r.IntN(len(crashWords))],
			CreatedAt: ts(created), Account: account{UUID: users[r.IntN(len(users))].UUID}}
		parent := "00000000-0000-4000-8000-000000000000"
		at := created
		for mi := range 8 + r.IntN(25) {
			at = at.Add(time.Duration(1+r.IntN(6*3600)) * time.Second) // conversations span up to a few days
			var sb strings.Builder
			for w := range 20 + r.IntN(60) {
				if w > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(crashWords[r.IntN(len(crashWords))])
			}
			switch messages % 7 {
			case 0:
				sb.WriteString(fmt.Sprintf(" mail it to ops%d@acme-corp.io", r.IntN(100)))
			case 3:
				sb.WriteString(" key AKIA")
				for range 16 {
					sb.WriteByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[r.IntN(32)])
				}
			case 5:
				sb.WriteString(fmt.Sprintf(" ssn 5%02d-%02d-%04d", 1+r.IntN(98), 1+r.IntN(98), 1+r.IntN(9998)))
			}
			sender := "human"
			if mi%2 == 1 {
				sender = "assistant"
			}
			id := fmt.Sprintf("%08x-%04x-4000-8000-%012x", seed, ci, mi+1)
			text := sb.String()
			c.Messages = append(c.Messages, message{UUID: id, Text: text, Sender: sender, CreatedAt: ts(at), UpdatedAt: ts(at),
				Content:     []block{{Start: ts(at), Stop: ts(at), Type: "text", Text: text, Citations: []any{}}},
				Attachments: []any{}, Files: []any{}, Parent: parent})
			parent = id
			messages++
		}
		c.UpdatedAt = ts(at)
		all = append(all, c)
	}
	for name, v := range map[string]any{"users.json": users, "conversations.json": all} {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths) // conversations.json, users.json
	return paths, messages
}

// ---- the tests ----------------------------------------------------------

func crashRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments seeded with %d", seed)
	return rand.New(rand.NewPCG(seed, 0xc4a5))
}

// TestCrashImport kills `ccsync import` 20 times at random moments while it
// imports an export into one data directory, checks the directory after
// every restart, then imports once more without a kill: the store must
// equal a clean import into a fresh directory.
func TestCrashImport(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills child processes")
	}
	t.Parallel()
	convs := 200 // about 4,000 messages
	if raceBuild() {
		convs = 60
	}
	in, n := writeExport(t, t.TempDir(), 1, convs)
	args := func(dir string) []string { return append([]string{"import", "--data", dir, "--json"}, in...) }

	ref := t.TempDir()
	took, _ := runChild(t, "", args(ref)...)
	want := openAndCheck(t, ref, "reference import")
	if len(want.Messages) != n || len(want.Conversations) != convs || want.Stats.Users != 6 ||
		want.Stats.FindingsPerType["aws_access_key"] == 0 || want.Stats.FindingsPerType["email"] == 0 {
		t.Fatalf("reference import stored %d messages, %d conversations, stats %+v; want %d and %d",
			len(want.Messages), len(want.Conversations), want.Stats, n, convs)
	}
	t.Logf("reference import of %d messages: %s", n, took.Round(time.Millisecond))

	r := crashRand(t)
	dir := t.TempDir()
	window := took // kills fall in [0, window) after the child starts
	kills, finished := 0, 0
	for round := 0; kills < 20; round++ {
		if round >= 40 {
			t.Fatalf("only %d of %d kills landed mid-import", kills, round)
		}
		d := time.Duration(r.Int64N(int64(window)))
		killed, ran := killAfter(t, "", d, args(dir)...)
		if killed {
			kills++
		} else {
			// Re-importing what is stored is quicker: aim at the shorter run.
			finished++
			window = ran
		}
		openAndVerify(t, dir, fmt.Sprintf("import round %d (kill after %s)", round, d.Round(time.Millisecond)))
	}
	if _, out := runChild(t, "", args(dir)...); !strings.Contains(out, `"errors":[]`) {
		t.Fatalf("final import: %s", out)
	}
	if diff := diffState(openAndCheck(t, dir, "final import"), want); diff != "" {
		t.Fatalf("after %d kills and a full import the store differs from a clean import: %s", kills, diff)
	}
	t.Logf("%d kills mid-import (%d rounds finished first); final state equals the clean import", kills, finished)
}

// TestCrashSync kills `ccsync sync --once` 20 times at random moments while
// it syncs from a fake Compliance API on loopback; users keep adding
// messages between runs. After a last, uninterrupted run the store must
// equal a clean sync of the same organisation into a fresh directory.
func TestCrashSync(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills child processes")
	}
	t.Parallel()
	// One list page and fewer requests than the client's burst (the CLI
	// paces at 550 requests a minute), so a run is bound by ingest.
	chats, maxMessages := 22, 360 // about 4,000 messages
	if raceBuild() {
		chats, maxMessages = 8, 300
	}
	org := fakeapi.Generate(5, fakeapi.GenOptions{Chats: chats, Users: 5, MaxMessages: maxMessages, DeletedEvery: -1})
	var chatIDs []string
	for _, c := range org.Chats {
		chatIDs = append(chatIDs, c.ID)
	}
	fake := fakeapi.New(org, fakeapi.Options{Key: cliTestKey, RequestsPerMinute: 1 << 20})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	saveKey := func(dir string) {
		var out, errb strings.Builder
		code := run(context.Background(), []string{"keys", "--data", dir, "--api-base", hs.URL, "set"},
			stdio{in: strings.NewReader(cliTestKey + "\n"), out: &out, err: &errb})
		if code != 0 {
			t.Fatalf("keys set: %d %s %s", code, out.String(), errb.String())
		}
	}
	args := func(dir string) []string {
		return []string{"sync", "--once", "--data", dir, "--api-base", hs.URL, "--from", "2026-10-01"}
	}
	const started = "— starting" // the first progress line

	first := t.TempDir()
	saveKey(first)
	n := fake.Snapshot().MessageCount()
	took, out := runChild(t, started, args(first)...)
	if !strings.Contains(out, fmt.Sprintf("sync done: %d chats, %d messages", chats, n)) {
		t.Fatalf("first clean sync of %d messages: %s", n, out)
	}
	t.Logf("clean sync of %d messages: %s", n, took.Round(time.Millisecond))

	r := crashRand(t)
	dir := t.TempDir()
	saveKey(dir)
	window := took
	kills, finished, added := 0, 0, 0
	usedCounts := map[int]bool{}
	for round := 0; kills < 20; round++ {
		if round >= 40 {
			t.Fatalf("only %d of %d kills landed mid-sync", kills, round)
		}
		d := time.Duration(r.Int64N(int64(window)))
		killed, ran := killAfter(t, started, d, args(dir)...)
		if killed {
			kills++
		} else {
			finished++
			window = ran
		}
		openAndVerify(t, dir, fmt.Sprintf("sync round %d (kill after %s)", round, d.Round(time.Millisecond)))
		// Users keep chatting: the next run has new messages to store,
		// and an incremental walk to be killed in once the backfill is done.
		if !killed || r.IntN(4) == 0 {
			for range 3 {
				// fakeapi derives an added message's id from the chat's
				// message count and the chat id's length (all alike), so
				// adding at a count used before would repeat an id.
				c := chatIDs[r.IntN(len(chatIDs))]
				for usedCounts[len(fake.Snapshot().Chat(c).Messages)] {
					c = chatIDs[r.IntN(len(chatIDs))]
				}
				usedCounts[len(fake.Snapshot().Chat(c).Messages)] = true
				text := fmt.Sprintf("follow-up %d: please send it to reviewer%d@acme-corp.io", added, added)
				if _, err := fake.AddMessage(c, text); err != nil {
					t.Fatal(err)
				}
				added++
			}
		}
	}
	if _, out := runChild(t, started, args(dir)...); !strings.Contains(out, "sync done: ") {
		t.Fatalf("final sync: %s", out)
	}
	got := openAndCheck(t, dir, "final sync")

	ref := t.TempDir()
	saveKey(ref)
	runChild(t, started, args(ref)...)
	want := openAndCheck(t, ref, "clean sync of the final organisation")
	if n := fake.Snapshot().MessageCount(); len(want.Messages) != n || len(want.Conversations) != chats ||
		want.Stats.FindingsPerType["email"] == 0 {
		t.Fatalf("clean sync stored %d messages and %d conversations, stats %+v; the organisation has %d and %d",
			len(want.Messages), len(want.Conversations), want.Stats, n, chats)
	}
	if diff := diffState(got, want); diff != "" {
		t.Fatalf("after %d kills and a full sync the store differs from a clean sync: %s", kills, diff)
	}
	t.Logf("%d kills mid-sync (%d rounds finished first, %d messages added between runs); final state equals a clean sync",
		kills, finished, added)
}

// TestCrashDelete kills `ccsync delete` 12 times at random moments while it
// deletes a date range holding most of the messages, each time on a fresh
// copy of the same store. After each kill and a restart the store must be
// either untouched or exactly what an uninterrupted delete leaves (Open
// finishes an interrupted delete), never a mix; running the delete again
// must then give what an uninterrupted delete gives.
func TestCrashDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills child processes")
	}
	t.Parallel()
	// About 4,000 messages, 3,300 in the range: more than one Badger
	// transaction, so a kill can land between two of them. Under the race
	// detector 1,500 and 1,150 (one transaction): 3,000 in the range took
	// twice as long and no kill landed between transactions in two runs.
	convs := 200
	if raceBuild() {
		convs = 70
	}
	in, _ := writeExport(t, t.TempDir(), 2, convs)
	golden := t.TempDir()
	if code, out, errs := runCLI(t, append([]string{"import", "--data", golden}, in...)...); code != 0 {
		t.Fatalf("seed import: %d %s %s", code, out, errs)
	}
	before := openAndCheck(t, golden, "seeded store")
	from, to := time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)
	args := func(dir string) []string {
		return []string{"delete", "--data", dir, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--yes"}
	}
	inRange := 0
	for _, at := range before.Times {
		if !at.Before(from) && at.Before(to) {
			inRange++
		}
	}
	copyDir := func() string {
		d := filepath.Join(t.TempDir(), "data")
		if err := os.CopyFS(d, os.DirFS(golden)); err != nil {
			t.Fatal(err)
		}
		return d
	}

	ref := copyDir()
	planned, _ := runChild(t, "", append(args(ref), "--dry-run")...)
	took, out := runChild(t, "", args(ref)...)
	if !strings.Contains(out, fmt.Sprintf("deleted %d messages", inRange)) {
		t.Fatalf("reference delete of %d messages: %s", inRange, out)
	}
	want := openAndCheck(t, ref, "reference delete")
	for id, at := range before.Times {
		_, kept := want.Messages[id]
		if in := !at.Before(from) && at.Before(to); in == kept {
			t.Fatalf("uninterrupted delete: message %s created %s: in range %v, kept %v", id, at, in, kept)
		}
	}
	t.Logf("reference delete of %d of %d messages: %s (a dry run: %s)", inRange, len(before.Messages),
		took.Round(time.Millisecond), planned.Round(time.Millisecond))

	r := crashRand(t)
	kills, untouched, complete, partial := 0, 0, 0, 0
	lo, window := planned*3/4, took
	for round := 0; kills < 12; round++ {
		if round >= 30 {
			t.Fatalf("only %d of %d kills landed mid-delete", kills, round)
		}
		dir := copyDir()
		// Between about the end of opening and planning and the end.
		d := lo + time.Duration(r.Int64N(int64(max(window-lo, time.Millisecond))))
		if killed, ran := killAfter(t, "", d, args(dir)...); killed {
			kills++
		} else {
			// The reference run was slower than this one: aim at the
			// shorter run.
			window = ran
			lo = min(lo, window/2)
		}
		when := fmt.Sprintf("delete round %d (kill after %s)", round, d.Round(time.Millisecond))
		got := openAndVerify(t, dir, when)
		last := kills == 12
		switch {
		case reflect.DeepEqual(got, before.summary()):
			untouched++
		case reflect.DeepEqual(got, want.summary()):
			complete++
		default:
			partial++
			last = true
			t.Errorf("%s: after restart the store is neither untouched nor fully deleted: %d messages, %d conversations "+
				"(untouched %d/%d, deleted %d/%d)", when, got.Messages, got.Conversations, len(before.Messages),
				len(before.Conversations), len(want.Messages), len(want.Conversations))
		}
		if last {
			if code, out, errs := runCLI(t, args(dir)...); code != 0 {
				t.Fatalf("%s: delete again: %d %s %s", when, code, out, errs)
			}
			if diff := diffState(openAndCheck(t, dir, when+", deleted again"), want); diff != "" {
				t.Errorf("%s: running the delete again does not give what an uninterrupted delete gives: %s", when, diff)
			}
		}
	}
	t.Logf("%d kills mid-delete: after restart %d untouched, %d complete, %d partial", kills, untouched, complete, partial)
}

// TestOpenAfterKillDuringBadgerOpen: Badger creates the next value-log file
// at every Open, and a SIGKILL between creating it and writing its header
// leaves an empty NNNNNN.vlog behind (TestCrashImport lands there now and
// then, killing a child a few milliseconds after it started). The data
// directory must still open: the empty file holds nothing.
func TestOpenAfterKillDuringBadgerOpen(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir)
	vlogs, err := filepath.Glob(filepath.Join(dir, "badger", "*.vlog"))
	if err != nil || len(vlogs) == 0 {
		t.Fatalf("no value-log file in %s/badger (%v)", dir, err)
	}
	slices.Sort(vlogs)
	var last int
	if _, err := fmt.Sscanf(filepath.Base(vlogs[len(vlogs)-1]), "%06d.vlog", &last); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "badger", fmt.Sprintf("%06d.vlog", last+1)), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "verify", "--data", dir); code != 0 || !strings.Contains(out, "messages:        2\n") {
		t.Fatalf("a data directory with the empty value-log file a kill during Open leaves does not open: exit %d\n%s%s",
			code, out, errs)
	}
}
