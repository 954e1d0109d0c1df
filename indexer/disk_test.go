package indexer_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

const diskChildEnv = "CCSYNC_DISK_CHILD_DIR"

// TestDiskFull fills a data directory on a small tmpfs (64 MB, 54 of them
// taken by a filler file) until ingest fails,
// in a child process (Badger maps files into memory, and a write to a
// mapping on a full tmpfs would kill the process rather than return an
// error: the child shows which). The error must name the full disk with
// context, the child must exit normally after Close, and once space is
// freed the directory must open, verify, hold every acknowledged batch and
// take new ones.
func TestDiskFull(t *testing.T) {
	if dir := os.Getenv(diskChildEnv); dir != "" {
		diskChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("fills a tmpfs in a child process")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64m,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	dir := filepath.Join(mnt, "data")
	// Leave about 10 MB free, so the disk fills after a few batches.
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, 54<<20), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFull$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), diskChildEnv+"="+dir,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	var ingestErr, closeLine string
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		switch {
		case strings.HasPrefix(line, "ack "):
			i, _ := strconv.Atoi(line[4:])
			acked[i] = true
		case strings.HasPrefix(line, "ingest error: "):
			ingestErr = strings.TrimPrefix(line, "ingest error: ")
		case strings.HasPrefix(line, "close: "):
			closeLine = line
		}
	}
	werr := cmd.Wait()
	tail := lines[max(0, len(lines)-8):]
	t.Logf("child ran %s, %d batches acknowledged; ingest error %q; %s", time.Since(start).Round(time.Millisecond),
		len(acked), ingestErr, closeLine)
	// Failures of the child are reported, and the recovery below still
	// runs: whatever happened, freeing space must make the store usable.
	switch {
	case werr != nil:
		t.Errorf("the child crashed instead of reporting the full disk and closing (%v); last output %q; stderr:\n%s",
			werr, tail, firstLines(stderr.String(), 30))
	case len(acked) == 0:
		t.Errorf("nothing was acknowledged before the disk filled; output %q", tail)
	case !strings.Contains(ingestErr, "no space left on device") || !strings.Contains(ingestErr, "nearly full"):
		t.Errorf("ingest error %q does not say the disk is full", ingestErr)
	case !strings.HasPrefix(ingestErr, "ingest"):
		t.Errorf("ingest error %q is not wrapped with context", ingestErr)
	case closeLine == "":
		t.Errorf("the child did not get through Close; output %q", tail)
	}

	// Free space and reopen.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler), MinFreeBytes: diskReserve})
	if err != nil {
		t.Fatalf("reopen after freeing space: %v", err)
	}
	defer ix.Close()
	checkDisk(t, ix, acked, "after freeing space")
	next := 0
	for i := range acked {
		next = max(next, i+1)
	}
	for i := next + 1; i < next+4; i++ {
		if _, err := ix.Ingest(ctx, diskBatch(i)); err != nil {
			t.Fatalf("ingest after freeing space: %v", err)
		}
		acked[i] = true
	}
	checkDisk(t, ix, acked, "after ingesting again")
}

func checkDisk(t *testing.T, ix *indexer.Indexer, acked map[int]bool, when string) {
	t.Helper()
	ctx := context.Background()
	for i := range acked {
		for j := range diskBatchSize {
			if _, err := ix.Message(ctx, diskMessageID(i, j)); err != nil {
				t.Fatalf("%s: acknowledged batch %d lost message %d: %v", when, i, j, err)
			}
		}
	}
	rep, err := ix.Verify(ctx)
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	if !rep.OK() || rep.Messages < len(acked)*diskBatchSize {
		t.Fatalf("%s: %+v (want at least %d messages)", when, rep, len(acked)*diskBatchSize)
	}
	res, err := ix.Search(ctx, indexer.SearchRequest{Query: "+tmpfs", Size: 1, NoFacets: true})
	if err != nil || res.Total < uint64(len(acked)) {
		t.Fatalf("%s: search: %v, total %d, want at least %d", when, err, res.Total, len(acked))
	}
}

// diskChild ingests batches until Ingest fails, printing "ack N" after each,
// then the error and the result of Close.
func diskChild(dir string) {
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler), MinFreeBytes: diskReserve})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	for i := 0; ; i++ {
		if i == 5000 {
			fmt.Println("the disk never filled")
			os.Exit(4)
		}
		if _, err := ix.Ingest(ctx, diskBatch(i)); err != nil {
			fmt.Println("ingest error:", err)
			break
		}
		fmt.Printf("ack %d\n", i)
	}
	// A second write must fail cleanly too, not hang or panic.
	if _, err := ix.Ingest(ctx, diskBatch(1_000_000)); err == nil {
		fmt.Println("second ingest on a full disk succeeded")
	}
	fmt.Printf("close: %v\n", ix.Close())
	os.Exit(0)
}

const diskBatchSize = 100

// diskReserve is the free space ingest keeps, scaled down to the tmpfs.
const diskReserve = 8 << 20

func diskMessageID(batch, i int) string { return fmt.Sprintf("disk-%06d-%03d", batch, i) }

var diskWords = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november
oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu budget invoice tmpfs`)

// diskBatch is batch i: one conversation of diskBatchSize messages of about
// 1.5 kB of varied text each.
func diskBatch(i int) indexer.Batch {
	r := rand.New(rand.NewPCG(uint64(i), 3))
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	conv := fmt.Sprintf("disk-conv-%06d", i)
	b := indexer.Batch{
		Users:         []model.User{{ID: "disk-user", Name: "Disk User", Email: "disk@acme-corp.io"}},
		Conversations: []model.Conversation{{ID: conv, OwnerID: "disk-user", Title: "batch " + strconv.Itoa(i), CreatedAt: at, Source: model.SourceExport}},
	}
	for j := range diskBatchSize {
		var sb strings.Builder
		sb.WriteString("tmpfs ")
		for sb.Len() < 1500 {
			sb.WriteString(diskWords[r.IntN(len(diskWords))])
			sb.WriteString(strconv.Itoa(r.IntN(1000)))
			sb.WriteByte(' ')
		}
		b.Messages = append(b.Messages, model.Message{ID: diskMessageID(i, j), ConversationID: conv, Seq: j,
			OnCurrentBranch: true, Role: model.RoleHuman, CreatedAt: at.Add(time.Duration(j) * time.Second),
			Blocks: []model.Block{{Type: model.BlockText, Text: sb.String()}}})
	}
	return b
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
