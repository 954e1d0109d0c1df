package webhook

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/forward/dest/desttest"
	"github.com/ccsync/ccsync/model"
)

// BenchmarkSend100 is one full batch of message events (2 KiB of text
// each) to a loopback receiver: the per-batch cost the engine pays.
func BenchmarkSend100(b *testing.B) {
	r := desttest.NewReceiver(b, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	s := desttest.NewSender(b, testCase(), r.URL)
	base := desttest.Events()[0]
	base.Text = strings.Repeat("lorem ipsum ", 170)
	events := make([]model.ForwardEvent, Kind.MaxBatch)
	for i := range events {
		events[i] = base
		events[i].ID = fmt.Sprintf("inst1-m%d", i)
	}
	for b.Loop() {
		if err := s.Send(context.Background(), events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(events)), "µs/event")
}
