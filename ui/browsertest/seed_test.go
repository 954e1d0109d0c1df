package browsertest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Planted values the tests look for. They are shaped like real secrets (not
// documentation placeholders, which the scanners deliberately ignore).
const (
	plantedAWSKey    = "AKIAQ3EGRVLKZT7XWJ5P" // inside a fenced code block
	plantedEmail     = "jane.doe@acme-corp.com"
	plantedToolEmail = "ops-lead@acme-corp.com" // inside a tool call's JSON input
	plantedCard      = "4532 0151 1283 0366"
	// After multi-byte characters, so byte and UTF-16 offsets differ.
	plantedUnicodeEmail = "zoë.finance@acme-corp.com"
	xssConvID           = "conv-xss"
	hiddenLinkEmail     = "mallory.hidden@acme-corp.com"
	deployConvID        = "conv-deploy"
	bigConvID           = "conv-big"
	bigMessages         = 2000
	bigFlaggedAt        = 1890 // a late message with a secret, beyond the first render
	oldConvPrefix       = "conv-old-"
	bidiConvID          = "conv-bidi"
)

// The hidden-characters conversation (issue 12, from a pen test): bidi
// controls and invisible characters that, passed to the page as they are,
// show an auditor something other than what was typed. rloCard is stored
// as these digits but, after U+202E, drawn reversed ("4539 1488 0343
// 6467"); bidiPassword is a finding that spans an RLO; bidiEmail sits
// between a zero-width space and a zero-width joiner.
const (
	rloCard      = "7646 3430 8841 9354"
	bidiEmail    = "eve.ops@acme-corp.com"
	bidiPassword = "hunter2\u202eZq9xW7!kP"
	bidiTitle    = "Bidiprobe \u202e" + rloCard + "\u202c zero\u200bwidth"
	bidiText     = "bidiprobe card \u202e" + rloCard + "\u202c, isolate \u2066abc\u2069, zero\u200bwidth, join\u200der, soft\u00adhyphen, \ufeffbom. " +
		"Mail \u200b" + bidiEmail + "\u200d and password: \"" + bidiPassword + "\" now."
	// A file named to look like a PDF (invoice\u202efdp.exe is drawn
	// "invoiceexe.pdf"), whose text smuggles "hi" in tag characters.
	bidiFileName = "invoice\u202efdp.exe"
	bidiFileText = "total\u00ad due \u2067RTL isolate\u2069 \U000E0068\U000E0069 end"
)

// plantedInMarkdown sit where markdown used to hide them: an image's alt
// text, a link's title, a javascript: link's target, a table cell past the
// header's count, a code block's info string, a link reference definition.
var plantedInMarkdown = []string{"img.alt@acme-corp.com", "link.title@acme-corp.com", "js.dest@acme-corp.com",
	"extra.cell@acme-corp.com", "code.info@acme-corp.com", "ref.def@acme-corp.com"}

var (
	alice   = model.User{ID: "user_alice", Name: "Alice Nguyen", Email: "alice@acme-corp.com", AvatarSeed: "seed-alice"}
	bob     = model.User{ID: "user_bob", Name: "Bob Martins", Email: "bob@acme-corp.com", AvatarSeed: "seed-bob"}
	carol   = model.User{ID: "user_carol", Name: "Carol Diaz", Email: "carol@acme-corp.com", AvatarSeed: "seed-carol"}
	mallory = model.User{ID: "user_mallory", Name: `<img src=x onerror="window.__xss=1;alert(1)">`, Email: "mallory@acme-corp.com", AvatarSeed: "seed-m"}
)

var day0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// convo builds a conversation and its messages from turns; turn i is human
// when i is even.
type turn struct {
	blocks []model.Block
	files  []model.File
	branch bool // false: an edited-away branch
}

func text(s string) model.Block { return model.Block{Type: model.BlockText, Text: s} }

func convo(c model.Conversation, turns []turn) (model.Conversation, []model.Message) {
	msgs := make([]model.Message, 0, len(turns))
	parent := ""
	for i, t := range turns {
		role := model.RoleHuman
		if i%2 == 1 {
			role = model.RoleAssistant
		}
		m := model.Message{
			ID: fmt.Sprintf("%s-m%04d", c.ID, i), ConversationID: c.ID, Seq: i, ParentID: parent,
			OnCurrentBranch: !t.branch, Role: role, CreatedAt: c.CreatedAt.Add(time.Duration(i) * 30 * time.Second),
			Blocks: t.blocks, Files: t.files,
		}
		if !t.branch {
			parent = m.ID
		}
		msgs = append(msgs, m)
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt.Add(time.Duration(len(turns)) * 30 * time.Second)
	}
	if c.Provider == "" {
		c.Provider = model.ProviderAnthropic
	}
	return c, msgs
}

func seedBatch() indexer.Batch {
	var b indexer.Batch
	b.Users = []model.User{alice, bob, carol, mallory}
	add := func(c model.Conversation, m []model.Message) {
		b.Conversations = append(b.Conversations, c)
		b.Messages = append(b.Messages, m...)
	}

	add(convo(model.Conversation{ID: deployConvID, Source: model.SourceComplianceAPI, Model: "claude-sonnet-4-5", Title: "Deploying the billing service",
		OwnerID: alice.ID, CreatedAt: day0.Add(48 * time.Hour)}, []turn{
		{blocks: []model.Block{text("Our deploy of the billing service keeps failing in CI. Here is the config we use:\n\n```yaml\naws_access_key_id: " + plantedAWSKey + "\nregion: eu-west-1\nbucket: billing-artifacts\n```\n\nWhat is wrong with the deploy?")}},
		{blocks: []model.Block{
			{Type: model.BlockThinking, Text: "The user pasted what looks like a live AWS access key. I should tell them to rotate it and check the deploy role."},
			text("## First: rotate that key\n\nThe config contains a **live AWS access key**. Treat it as compromised:\n\n1. Deactivate it in IAM.\n2. Create a new key and store it in your CI secret store.\n3. Audit CloudTrail for its use.\n\n| Step | Owner | When |\n|------|-------|------|\n| Rotate key | Platform | today |\n| Audit logs | Security | this week |\n\nThen the deploy itself: the role needs `s3:PutObject`:\n\n```python\nimport boto3\ns3 = boto3.client(\"s3\")\ns3.upload_file(\"build.zip\", \"billing-artifacts\", \"build.zip\")\n```"),
			{Type: model.BlockToolUse, ToolName: "send_email", ToolUseID: "toolu_01", ToolInput: `{"to":"` + plantedToolEmail + `","subject":"Key rotation needed","body":"Please rotate the CI key today."}`},
			{Type: model.BlockToolResult, ToolName: "send_email", ToolUseID: "toolu_01", IsError: true, Text: "SMTP error 550: relay denied"},
		}},
		{blocks: []model.Block{text("Thanks! Please also send the invoice to " + plantedEmail + " once the deploy works.")},
			files: []model.File{{Kind: model.FileAttachment, Name: "deploy.log", MimeType: "text/plain", Size: 2048, ExtractedText: "step 4/9: upload failed: AccessDenied"}}},
		{blocks: []model.Block{text("Will do. Once the new key is in the secret store, rerun the pipeline and the upload step should pass.")}},
	}))

	add(convo(model.Conversation{ID: "conv-refund", Source: model.SourceExport, Model: "claude-opus-4-1", Title: "Refund for a customer",
		OwnerID: bob.ID, CreatedAt: day0.Add(9 * 24 * time.Hour)}, []turn{
		{blocks: []model.Block{text("Customer wants a refund; their card is " + plantedCard + ", exp 09/28. Draft the email.")}},
		{blocks: []model.Block{text("I can draft the email, but please don't paste full card numbers into chats. Here is a draft without it:\n\n> Dear customer, your refund has been issued.")}},
		{blocks: []model.Block{text("Make it friendlier")}, branch: true},
		{blocks: []model.Block{text("Make it friendlier and shorter. Café ☕ naïve 🚀 — cc the «finance» lead: " + plantedUnicodeEmail + " **today**")}},
		{blocks: []model.Block{text("Hi! Good news: your refund is on its way. Thanks for your patience.")}},
	}))

	// The XSS conversation: every field a browser might render carries a
	// payload. Nothing may execute and nothing may be fetched.
	deleted := day0.Add(40 * 24 * time.Hour)
	add(convo(model.Conversation{ID: xssConvID, Source: model.SourceExport, Model: "claude-sonnet-4-5", Title: `<script>window.__xss=1;alert("title")</script> formatting test`,
		Summary: `<img src=x onerror=alert(1)>`, OwnerID: mallory.ID, CreatedAt: day0.Add(20 * 24 * time.Hour), DeletedAt: &deleted}, []turn{
		{blocks: []model.Block{text("Render this: <img src=x onerror=\"window.__xss=1;alert(1)\"> and <script>window.__xss=1;alert(2)</script>\n\n" +
			"[click me](javascript:window.__xss=1;alert(3)) ![pixel](http://evil.example/pixel.png) <a href=\"javascript:alert(4)\">raw link</a>\n\n" +
			"<iframe src=\"http://evil.example/frame\"></iframe> <svg onload=alert(5)></svg> contact " + "mallory.leak@acme-corp.com"),
			// A secret only in a link's URL: rendering shows the link text,
			// so the block falls back to its raw text to show it.
			text("My other address: [write to me](mailto:" + hiddenLinkEmail + ")"),
			// Markdown that once hid what was typed: each planted address
			// must be shown, as inert text, and marked where it stands.
			text("Badge: ![badge of " + plantedInMarkdown[0] + "](http://evil.example/badge.png) and [docs](https://example.com/ \"ask " + plantedInMarkdown[1] + "\") and [run](javascript:alert('" + plantedInMarkdown[2] + "'))\n\n" +
				"| a | b |\n|---|---|\n| 1 | 2 | " + plantedInMarkdown[3] + " |\n\n" +
				"```sh owner=" + plantedInMarkdown[4] + "\necho hi\n```\n\n" +
				"[ref]: <> \"" + plantedInMarkdown[5] + "\"")},
			files: []model.File{{Kind: model.FileUpload, Name: `<svg onload=alert(6)>.txt`, MimeType: `text/html"><script>alert(7)</script>`, ExtractedText: `<img src=http://evil.example/f.png onerror=alert(8)>`}}},
		{blocks: []model.Block{
			{Type: model.BlockThinking, Text: `<img src=x onerror=alert(9)> thinking`},
			text("Here is `<script>alert(10)</script>` as code:\n\n```html\n<img src=x onerror=alert(11)>\n<script>window.__xss=1</script>\n```\n\n<details open ontoggle=alert(12)>x</details>"),
			{Type: model.BlockToolUse, ToolName: `<b onmouseover=alert(13)>tool</b>`, ToolInput: `{"html":"<img src=x onerror=alert(14)>","url":"javascript:alert(15)"}`},
			{Type: model.BlockToolResult, ToolName: "fetch", Text: `<script>alert(16)</script><img src="http://evil.example/r.png">`},
			{Type: model.BlockOther, RawType: `<img src=x onerror=alert(17)>`, Raw: `{"x":"<script>alert(18)</script>"}`},
		}},
	}))

	add(convo(model.Conversation{ID: bidiConvID, Source: model.SourceComplianceAPI, Model: "claude-sonnet-4-5", Title: bidiTitle,
		OwnerID: alice.ID, CreatedAt: day0.Add(12 * 24 * time.Hour)}, []turn{
		{blocks: []model.Block{text(bidiText)},
			files: []model.File{{Kind: model.FileAttachment, Name: bidiFileName, MimeType: "text/plain", Size: 64, ExtractedText: bidiFileText}}},
		// The tool input carries the overrides as JSON escapes, which the
		// pretty-printed view decodes into the characters themselves.
		{blocks: []model.Block{
			{Type: model.BlockToolUse, ToolName: "lookup\u200bcard", ToolUseID: "toolu_bidi", ToolInput: `{"card":"\u202e` + rloCard + `\u202c"}`},
			{Type: model.BlockToolResult, ToolName: "lookup\u200bcard", ToolUseID: "toolu_bidi", Text: "no\u200bmatch for \u202e" + rloCard + "\u202c"},
		}},
	}))

	// Old conversations the danger-zone test deletes (December 2025).
	for i := range 3 {
		add(convo(model.Conversation{ID: fmt.Sprintf("%s%d", oldConvPrefix, i), Source: model.SourceComplianceAPI, Model: "claude-haiku-4-5",
			Title: fmt.Sprintf("Holiday rota %d", i), OwnerID: carol.ID, CreatedAt: time.Date(2025, 12, 10+i, 10, 0, 0, 0, time.UTC)}, []turn{
			{blocks: []model.Block{text("Who is on call over the holidays?")}},
			{blocks: []model.Block{text("Here is a fair rota for the holidays.")}},
		}))
	}

	// Filler: a spread of users, models, days and the odd finding, so the
	// facets, the date histogram and the analytics have shape.
	r := rand.New(rand.NewPCG(7, 11))
	people := []model.User{alice, bob, carol}
	models := []string{"claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"}
	topics := []string{"quarterly report", "database migration", "marketing plan", "kubernetes upgrade", "contract review", "deploy checklist", "budget forecast", "incident postmortem"}
	leaks := []string{"call me on +1 415 555 0134", "the VPN is at 10.20.30.40", "mail " + "sam.ortiz@acme-corp.com", ""}
	for i := range 36 {
		u := people[r.IntN(len(people))]
		topic := topics[r.IntN(len(topics))]
		var turns []turn
		for j := range 2 + r.IntN(5) {
			s := fmt.Sprintf("Message %d about the %s: please review the numbers and the open action items.", j, topic)
			if j%2 == 0 && r.IntN(4) == 0 {
				s += " Also, " + leaks[r.IntN(len(leaks))] + "."
			}
			turns = append(turns, turn{blocks: []model.Block{text(s)}})
		}
		add(convo(model.Conversation{ID: fmt.Sprintf("conv-%02d", i), Source: []model.Source{model.SourceComplianceAPI, model.SourceExport}[r.IntN(2)],
			Model: models[r.IntN(len(models))], Title: strings.ToUpper(topic[:1]) + topic[1:], OwnerID: u.ID,
			CreatedAt: day0.Add(time.Duration(r.IntN(80*24)) * time.Hour)}, turns))
	}
	return b
}

// bigBatch is a 2,000-message conversation with a few secrets, the last
// one far below the first screenful.
func bigBatch() indexer.Batch {
	turns := make([]turn, bigMessages)
	for i := range turns {
		s := fmt.Sprintf("Step %d of the long migration log: copied shard %d, verified checksums, moving on.", i, i%97)
		if i == 12 || i == 700 || i == bigFlaggedAt {
			s = fmt.Sprintf("Step %d: the on-call contact is oncall-%d@acme-corp.com for questions.", i, i)
		}
		turns[i] = turn{blocks: []model.Block{text(s)}}
	}
	c, m := convo(model.Conversation{ID: bigConvID, Source: model.SourceComplianceAPI, Model: "claude-sonnet-4-5", Title: "Very long migration session",
		OwnerID: carol.ID, CreatedAt: day0.Add(30 * 24 * time.Hour)}, turns)
	return indexer.Batch{Conversations: []model.Conversation{c}, Messages: m}
}

func seed(ctx context.Context, ix *indexer.Indexer) error {
	if _, err := ix.Ingest(ctx, seedBatch()); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := ix.Ingest(ctx, bigBatch()); err != nil {
		return fmt.Errorf("seed big conversation: %w", err)
	}
	return nil
}
