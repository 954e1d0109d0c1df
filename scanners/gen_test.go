package scanners

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// genChat builds deterministic chat-like messages totalling about size
// bytes: prose that mentions keys and tokens (the words that defeat
// keyword prefilters), code blocks with assignments, JSON, logs with
// timestamps and IPs, markdown tables, and every secretEvery bytes a positive
// case from the labelled corpus.
func genChat(tb testing.TB, size, secretEvery int) (msgs []string, total int) {
	tb.Helper()
	r := rand.New(rand.NewSource(7))
	var secrets []string
	for _, c := range loadCorpus(tb) {
		if len(c.Want) > 0 {
			secrets = append(secrets, c.Text)
		}
	}
	words := strings.Fields(`the a to of and in is it you that for on with as this be are api key token secret
		password auth request response model message user assistant please can could would should error value
		config deploy server client database table query index cache retry timeout limit rate billing invoice
		customer account project team review compliance audit export import sync function return string number
		array object field type version release branch commit merge test build run log warning info debug`)
	var b strings.Builder
	nextSecret := secretEvery
	for total < size {
		b.Reset()
		parts := 1 + r.Intn(4)
		for p := 0; p < parts; p++ {
			switch r.Intn(6) {
			case 0, 1, 2:
				for s := 0; s < 3+r.Intn(6); s++ {
					n := 6 + r.Intn(14)
					for w := 0; w < n; w++ {
						if w > 0 {
							b.WriteByte(' ')
						}
						b.WriteString(words[r.Intn(len(words))])
					}
					b.WriteString(". ")
				}
				b.WriteString("\n\n")
			case 3:
				fmt.Fprintf(&b, "```python\ndef fetch_%d(client, token=None):\n    key = cache.get(\"user:%d\")\n"+
					"    if key is None:\n        token = client.auth.get_token(scope=\"read\")\n"+
					"        resp = client.get(f\"/v1/items/{key}\", headers={\"x-request-id\": \"%08x\"}, timeout=%d)\n"+
					"    return {\"max_tokens\": %d, \"temperature\": 0.%d, \"model\": \"claude-%d\"}\n```\n\n",
					r.Intn(1000), r.Intn(100000), r.Uint32(), 1+r.Intn(60), 256*(1+r.Intn(16)), r.Intn(10), r.Intn(5))
			case 4:
				for l := 0; l < 4+r.Intn(10); l++ {
					fmt.Fprintf(&b, "2025-%02d-%02dT%02d:%02d:%02d.%03dZ %s req_id=%x path=/api/v1/users/%d status=%d latency=%dms host=%s\n",
						1+r.Intn(12), 1+r.Intn(28), r.Intn(24), r.Intn(60), r.Intn(60), r.Intn(1000),
						[]string{"INFO", "WARN", "ERROR", "DEBUG"}[r.Intn(4)], r.Uint64(), r.Intn(1e6),
						[]int{200, 201, 404, 500}[r.Intn(4)], r.Intn(900), host(r))
				}
				b.WriteByte('\n')
			case 5:
				fmt.Fprintf(&b, "| id | name | amount | updated |\n|---|---|---|---|\n")
				for l := 0; l < 3+r.Intn(6); l++ {
					fmt.Fprintf(&b, "| %d | %s %s | $%d.%02d | 2024-%02d-%02d |\n", r.Intn(1e6), words[r.Intn(len(words))],
						words[r.Intn(len(words))], r.Intn(10000), r.Intn(100), 1+r.Intn(12), 1+r.Intn(28))
				}
				b.WriteString("\n{\"config\": {\"retries\": 3, \"token_budget\": 2048, \"api_version\": \"2023-06-01\"}}\n\n")
			}
		}
		if total+b.Len() >= nextSecret {
			b.WriteString(secrets[r.Intn(len(secrets))])
			nextSecret += secretEvery
		}
		msgs = append(msgs, b.String())
		total += b.Len()
	}
	return msgs, total
}

// host is mostly a service name; one log line in 50 carries an address.
func host(r *rand.Rand) string {
	if r.Intn(50) == 0 {
		return fmt.Sprintf("10.%d.%d.%d", r.Intn(256), r.Intn(256), r.Intn(256))
	}
	return fmt.Sprintf("web-%d.internal", r.Intn(40))
}
