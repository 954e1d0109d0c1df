package indexer

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/synth"
)

const crashChildEnv = "CCSYNC_CRASH_CHILD_DIR"

// TestCrashDuringIngest kills a child process with SIGKILL at random points
// while it ingests, restarts on the same data directory, and checks that every
// batch the child saw acknowledged is stored and that Badger and Bleve agree.
func TestCrashDuringIngest(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("child-process crash test")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	acked := map[int]bool{}
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringIngest$", "-test.v=false")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "CCSYNC_CRASH_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		// Let it get going, then kill it at a random moment mid-batch.
		want := 2 + r.IntN(4)
		for n := 0; n < want && sc.Scan(); {
			if b, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
				i, _ := strconv.Atoi(b)
				acked[i] = true
				n++
			}
		}
		time.Sleep(time.Duration(r.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // acks printed before the kill landed
			if b, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
				i, _ := strconv.Atoi(b)
				acked[i] = true
			}
		}
		_ = cmd.Wait()

		ix, err := Open(context.Background(), Options{Dir: dir})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		checkConsistent(t, ix, acked)
		t.Logf("round %d: %d batches acknowledged so far, consistent after SIGKILL", round, len(acked))
		ix.Close()
	}
}

// crashChild ingests numbered batches forever, printing "ack N" after each.
// Batches from earlier rounds are re-ingested with changed text, so updates
// (not just inserts) are interrupted too.
func crashChild(dir string) {
	round, _ := strconv.Atoi(os.Getenv("CCSYNC_CRASH_ROUND"))
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	for i := 0; ; i++ {
		b := crashBatch(i, round)
		if _, err := ix.Ingest(context.Background(), b); err != nil {
			fmt.Println("ingest:", err)
			os.Exit(4)
		}
		fmt.Printf("ack %d\n", i)
	}
}

func crashBatch(i, round int) Batch {
	org := synth.Generate(synth.Options{Seed: uint64(i*100 + round), Users: 4, Conversations: 10, MessagesPer: 20,
		TextBytes: 400, SecretEvery: 7})
	for j := range org.Conversations {
		org.Conversations[j].ID = fmt.Sprintf("b%d-%s", i, org.Conversations[j].ID)
	}
	for j := range org.Messages {
		org.Messages[j].ID = fmt.Sprintf("b%d-%s", i, org.Messages[j].ID)
		org.Messages[j].ConversationID = fmt.Sprintf("b%d-%s", i, org.Messages[j].ConversationID)
	}
	return Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages,
		Checkpoints: map[string][]byte{"crash/last": []byte(strconv.Itoa(i))}}
}

func checkConsistent(t *testing.T, ix *Indexer, acked map[int]bool) {
	t.Helper()
	for i := range acked {
		if _, err := ix.Message(context.Background(), fmt.Sprintf("b%d-msg-000000-000", i)); err != nil {
			t.Fatalf("acknowledged batch %d lost: %v", i, err)
		}
	}
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Messages == 0 {
		t.Fatalf("after restart: %+v", rep)
	}
}
