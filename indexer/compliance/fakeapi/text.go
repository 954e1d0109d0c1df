package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	firstNames = []string{"Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia", "Tim", "Hedy", "Katherine", "Donald", "Edsger", "Sophie"}
	lastNames  = []string{"Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Johnson", "Knuth", "Dijkstra", "Wilson"}
	topics     = []string{"the Q3 planning doc", "our onboarding flow", "the billing migration", "a Postgres index", "the incident review", "customer churn numbers", "the vendor contract", "the hiring plan", "a flaky integration test", "the marketing brief", "our SOC 2 evidence", "the data retention policy"}
	openers    = []string{"Quick question.", "Thanks for the help earlier.", "Following up on yesterday:", "Okay, next step.", "One more thing."}
	asks       = []string{"Can you summarise %s in five bullet points?", "What are the risks in %s?", "Draft an email to the team about %s.", "Help me restructure %s so it reads better.", "Compare two options for %s and recommend one.", "What questions should I ask about %s?"}
	answers    = []string{
		"Here is a summary of %s. The main point is that the timeline depends on two teams agreeing on scope, and the second is that the budget assumes last year's volumes.",
		"There are three risks in %s: unclear ownership, an optimistic schedule, and a dependency on a vendor that has slipped before. I would address ownership first.",
		"Sure. For %s I would start with the goal, then list what changed since the last review, and close with the decision you need from the reader.",
		"Looking at %s, the strongest option is the incremental one: it keeps the current system running while you migrate, at the cost of running both for a quarter.",
	}
	models  = []string{"claude-opus-4-5", "claude-sonnet-4-6", "claude-sonnet-4-5", "claude-haiku-4-5"}
	tools   = []string{"web_search", "google_drive_search", "code_execution", "slack_search"}
	roles   = []string{"user", "user", "user", "admin", "developer", "owner"}
	titles  = []string{"Planning notes", "Email draft", "Debugging help", "Contract review", "Data question", "Weekly summary", "Interview prep", "SQL tuning"}
	mimes   = [][2]string{{"q3-report.pdf", "application/pdf"}, {"notes.txt", "text/plain"}, {"screenshot.png", "image/png"}, {"data.csv", "text/csv"}}
	codeGen = []string{
		"```go\nfunc retry(ctx context.Context, f func() error) error {\n\tfor d := time.Second; ; d *= 2 {\n\t\tif err := f(); err == nil {\n\t\t\treturn nil\n\t\t}\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase <-time.After(d):\n\t\t}\n\t}\n}\n```",
		"```sql\nSELECT customer_id, count(*) AS orders\nFROM orders\nWHERE created_at >= now() - interval '90 days'\nGROUP BY customer_id\nORDER BY orders DESC\nLIMIT 20;\n```",
		"```python\ndef churn_rate(active_start, lost):\n    return lost / active_start if active_start else 0.0\n```",
	}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func userPrompt(r *rand.Rand, topic string) string {
	s := fmt.Sprintf(pick(r, asks), topic)
	if r.IntN(3) == 0 {
		s = pick(r, openers) + " " + s
	}
	return s
}

func assistantReply(r *rand.Rand, topic string) string {
	var b strings.Builder
	b.WriteString(" ") // real assistant text often starts with a space
	b.WriteString(fmt.Sprintf(pick(r, answers), topic))
	if r.IntN(4) == 0 {
		b.WriteString("\n\n" + pick(r, codeGen))
	}
	return b.String()
}
