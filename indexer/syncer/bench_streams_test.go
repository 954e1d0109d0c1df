package syncer

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/syncer/activity"
	"github.com/ccsync/ccsync/indexer/syncer/files"
	"github.com/ccsync/ccsync/indexer/syncer/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// benchStreams are the streams BenchmarkSyncStreams/all runs beside chats:
// the ones `ccsync sync` runs.
func benchStreams() []stream.Stream {
	return []stream.Stream{sessions.New(sessions.Options{}), activity.New(activity.Options{}), files.New(files.Options{Share: 1})}
}

// benchOrg is a demo-scale organisation (the demo's 12 users and 120 chats,
// ten times over, plus the other streams' records where the fake makes them).
var benchOrg = fakeapi.GenOptions{Users: 12, Chats: 1200, DeletedEvery: -1,
	Sessions: 600, RemoteSessions: 200, Activities: 4000, FileContent: true}

// BenchmarkSyncStreams syncs a demo-scale organisation from the fake API on
// loopback (zero latency), once with chats only and once with every stream,
// each into a fresh store. It reports messages stored per second (chat
// messages, and all messages across streams), records per second (messages,
// activity events and file contents), requests per 1,000 items, and, for
// "all", each rate as a fraction of "chats-only" (the target: 0.80).
//
//	go test ./indexer/syncer -run '^$' -bench SyncStreams -benchtime 3x
func BenchmarkSyncStreams(b *testing.B) {
	rates := map[string]float64{}
	for _, mode := range []struct {
		name    string
		streams func() []stream.Stream
	}{{"chats-only", func() []stream.Stream { return nil }}, {"all", benchStreams}} {
		b.Run(mode.name, func(b *testing.B) {
			var dur time.Duration
			var chatMsgs, allMsgs, records, items, requests int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// A fresh organisation each time: the feed logs every call,
				// so a fake reused across runs would hand each run the
				// calls of the runs before it as activity events.
				hs := httptest.NewServer(fakeapi.New(fakeapi.Generate(99, benchOrg), fakeapi.Options{Key: testKey, RequestsPerMinute: 1 << 30}))
				ix := openBench(b)
				eng := New(ix, Config{BaseURL: hs.URL, Key: testKey, SyncFrom: windowStart, Logger: discardLogger(),
					RequestsPerMinute: 1 << 30, Streams: mode.streams()})
				b.StartTimer()
				t0 := time.Now()
				s, err := eng.RunOnce(context.Background())
				dur += time.Since(t0)
				b.StopTimer()
				if err != nil || s.State != StateDone {
					b.Fatalf("run %+v %v", s, err)
				}
				chatMsgs += int64(s.Messages)
				for _, st := range s.Streams {
					allMsgs += int64(st.Messages)
					items += int64(st.Items)
					records += int64(st.Messages)
					if st.Name == "activities" || st.Name == "files" {
						records += int64(st.Items) // events and file contents stored
					}
				}
				requests += s.Requests
				ix.Close()
				hs.Close()
			}
			chatRate, allRate := float64(chatMsgs)/dur.Seconds(), float64(allMsgs)/dur.Seconds()
			recRate := float64(records) / dur.Seconds()
			b.ReportMetric(chatRate, "chat-msgs/s")
			b.ReportMetric(allRate, "msgs/s")
			b.ReportMetric(recRate, "records/s")
			b.ReportMetric(float64(requests)*1000/float64(max(items, 1)), "requests/1000items")
			rates[mode.name+"/chat"], rates[mode.name+"/all"], rates[mode.name+"/records"] = chatRate, allRate, recRate
			if base := rates["chats-only/chat"]; mode.name != "chats-only" && base > 0 {
				b.ReportMetric(chatRate/base, "chat-msgs/s-vs-chats-only")
				b.ReportMetric(allRate/rates["chats-only/all"], "msgs/s-vs-chats-only")
				b.ReportMetric(recRate/rates["chats-only/records"], "records/s-vs-chats-only")
			}
		})
	}
}
