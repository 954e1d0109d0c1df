package sessions

import (
	"testing"
	"time"
)

// BenchmarkSessionsBackfill syncs 60 local and 20 remote sessions into a
// fresh store at zero latency: messages per second, and requests per 1,000
// messages (list + transcript pages).
func BenchmarkSessionsBackfill(b *testing.B) {
	var msgs, reqs int
	var spent time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, genOrg(uint64(i+1), 60, 20))
		b.StartTimer()
		start := time.Now()
		st, err := e.runErr(b.Context())
		spent += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		msgs += st.Messages
		reqs += len(e.tap.requests("/v1/compliance/apps/sessions/"))
		b.StopTimer()
		e.ix.Close()
	}
	b.ReportMetric(float64(msgs)/spent.Seconds(), "msgs/s")
	b.ReportMetric(float64(reqs)*1000/float64(msgs), "req/1000msgs")
}
