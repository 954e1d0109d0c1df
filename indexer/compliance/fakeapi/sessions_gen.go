package fakeapi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// localSurfaces cycle through the generated local sessions: the documented
// values (§3.1), a null surface, and one the client cannot know yet (the
// Google add-ins' value is unconfirmed), which must pass through.
var localSurfaces = []string{"claude_code", "cowork", "claude_code", "office_agents/excel", "claude_science",
	"claude_code", "claude_in_chrome", "cowork", "google_docs_addin", "office_agents", ""}

var remoteStatuses = []string{"active", "archived", "paused", "active", "failed", "pending", "hibernating"}

var sessionModels = []string{"claude-opus-5-5", "claude-sonnet-5", "claude-opus-4-7"}

var codeTasks = []string{"Fix the failing test in tests/auth_test.py", "Add retries to the webhook sender",
	"Why does the deploy script fail on staging?", "Refactor the config loader to read YAML", "Bump the Postgres driver and fix the build"}

var coworkTasks = []string{"Summarise the vendor contracts in my Documents folder", "Draft the weekly status email from my notes",
	"Organise the Q3 invoices into one spreadsheet"}

// sessionScript builds transcripts step by step; each tool call is an
// assistant turn with a tool_use and a user turn with its tool_result, the
// way local sessions arrive (tool results are user-role messages, §3.4).
type sessionScript struct {
	r     *rand.Rand
	org   *Org
	s     *LocalSession
	t     time.Time
	model string
	// pending are planted values not yet recorded (see lastPlants).
	pending [][2]string
}

func (sc *sessionScript) add(m LocalMessage) *LocalMessage {
	m.ID = tagged(sc.r, "clsm_")
	m.Ord = len(sc.s.Messages)
	m.CreatedAt = sc.t
	if m.Role == "assistant" && m.Provenance == "" {
		m.Model = sc.model
	}
	sc.s.Messages = append(sc.s.Messages, m)
	return &sc.s.Messages[len(sc.s.Messages)-1]
}

func (sc *sessionScript) tick() { sc.t = micro(sc.t.Add(time.Duration(2+sc.r.IntN(40)) * time.Second)) }

func (sc *sessionScript) text(role, s string) {
	sc.add(LocalMessage{Role: role, Content: []Block{{Type: "text", Text: s}}})
	sc.tick()
}

// tool adds a call and its result; plant (when set) is a value inside out
// that is recorded in org.Planted.
func (sc *sessionScript) tool(say, name, input, out string, isErr bool, plants ...[2]string) {
	id := tagged(sc.r, "toolu_")
	var content []Block
	if say != "" {
		content = append(content, Block{Type: "text", Text: say})
	}
	content = append(content, Block{Type: "tool_use", ToolID: id, Name: name, Input: input})
	sc.add(LocalMessage{Role: "assistant", Content: content})
	sc.tick()
	// The result is the next call's input: it shares that call's timestamp.
	m := sc.add(LocalMessage{Role: "user", Content: []Block{{Type: "tool_result", ToolID: id, Name: name, ResultText: []string{out}, IsError: isErr}}})
	for _, p := range plants {
		if i := strings.Index(out, p[1]); i >= 0 {
			sc.org.Planted = append(sc.org.Planted, Plant{ChatID: sc.s.ID, MessageID: m.ID, Block: 0, Offset: i, Type: p[0], Value: p[1]})
		}
	}
}

func jsonInput(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", kv[i], kv[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

func genSessions(org *Org, r *rand.Rand, o GenOptions) {
	if len(org.Users) == 0 {
		return
	}
	span := o.End.Sub(o.Start)
	for i := 0; i < o.Sessions; i++ {
		u := org.Users[r.IntN(len(org.Users))]
		s := &LocalSession{ID: tagged(r, "clls_"), OwnerID: u.ID, Surface: localSurfaces[i%len(localSurfaces)],
			EmailGone: i%9 == 4}
		if i%2 == 0 {
			s.WorkspaceID = tagged(r, "wrkspc_")
		}
		switch i % 3 {
		case 0:
			f := false
			s.Truncated = &f
		case 1:
			if i%4 == 1 {
				t := true
				s.Truncated = &t
			}
		}
		start := micro(o.Start.Add(time.Duration(r.Int64N(int64(span)))))
		sc := &sessionScript{r: r, org: org, s: s, t: start, model: pick(r, sessionModels)}
		sc.add(LocalMessage{Role: "user", Provenance: "synthetic_marker", MarkerTruncated: true,
			Content: []Block{{Type: "text", Text: "[system prompt content not shown]"}}})
		user := lower(strings.SplitN(u.FullName, " ", 2)[0])
		switch s.Surface {
		case "claude_code", "":
			genCodeSession(sc, user, i)
		case "cowork":
			genCoworkSession(sc, user, i)
		case "claude_science":
			sc.text("user", "Find assays for BRCA1 in our ELN and plot the dose response")
			sc.tool("I'll query the ELN from the repl.", "repl", jsonInput("code", `rows = host.mcp("benchling", "search_entries", {"query": "BRCA1 assay"})`+"\nprint(len(rows))"), "14", false)
			sc.text("assistant", "I found 14 entries; the dose response is monotonic above 10 µM.")
		case "claude_in_chrome":
			sc.text("user", "Fill in the expense form on this page with my last trip")
			sc.tool("", "navigate", jsonInput("url", "https://expenses.acme-corp.io/new"), "Navigated. Title: New expense", false)
			sc.tool("", "read_page", jsonInput("filter", "form"), "form#expense: fields amount, date, purpose", false)
			sc.text("assistant", "The form is filled in; please review the amount before submitting.")
		case "office_agents/excel", "office_agents":
			sc.text("user", "Add a column with the year-over-year growth to this sheet")
			sc.tool("", "excel_read_range", jsonInput("range", "Sheet1!A1:D40"), "Region,2025,2026\nEMEA,1200,1430\nAPAC,900,1010", false)
			sc.tool("", "excel_write_range", jsonInput("range", "Sheet1!E1:E40", "formula", "=(C2-B2)/B2"), "Wrote 39 cells", false)
			sc.text("assistant", "Column E now holds the growth rate.")
		default: // a surface this client has never seen
			sc.text("user", "Summarise the comments on this document")
			sc.text("assistant", "There are three threads of comments; two ask for sources.")
		}
		s.CreatedAt = s.Messages[0].CreatedAt
		s.UpdatedAt = s.Messages[len(s.Messages)-1].CreatedAt
		org.Local = append(org.Local, s)
	}
	for i := 0; i < o.RemoteSessions; i++ {
		org.Remote = append(org.Remote, genRemote(r, org, o, i))
	}
}

func genCodeSession(sc *sessionScript, user string, i int) {
	r := sc.r
	repo := pick(r, []string{"billing-service", "webhooks", "platform-api", "infra"})
	dir := "/home/" + user + "/src/" + repo
	sc.text("user", pick(r, codeTasks))
	sc.tool("I'll look at the project layout first.", "Bash", jsonInput("command", "cd "+dir+" && git status --short && ls", "description", "Show status and files"),
		" M src/auth.py\nREADME.md\nconfig.yaml\nsrc\ntests\n", false)
	sc.tool("", "Glob", jsonInput("pattern", "**/*_test.py", "path", dir), dir+"/tests/auth_test.py\n"+dir+"/tests/api_test.py", false)
	sc.tool("", "Grep", jsonInput("pattern", "def test_login", "path", dir+"/tests", "output_mode", "content"),
		"tests/auth_test.py:12:def test_login_expiry():", false)
	sc.tool("Let me check how the environment is configured.", "Read", jsonInput("file_path", dir+"/.env"),
		envFile(sc, r), false, sc.lastPlants()...)
	sc.tool("", "Read", jsonInput("file_path", dir+"/config.yaml"), configYAML(sc, r), false, sc.lastPlants()...)
	if i%2 == 0 {
		sc.tool("The deploy uses AWS; checking which profile is active.", "Read", jsonInput("file_path", "/home/"+user+"/.aws/credentials"),
			awsCredentials(sc, r), false, sc.lastPlants()...)
	}
	sc.tool("", "Read", jsonInput("file_path", dir+"/tests/auth_test.py"), "def test_login_expiry():\n    token = login(now=T0)\n    assert token.expires_at == T0 + 3600\n", false)
	sc.tool("The test asserts on a stale expiry. Fixing it.", "Edit",
		`{"file_path":"`+dir+`/tests/auth_test.py","old_string":"assert token.expires_at == T0 + 3600","new_string":"assert token.expires_at == T0 + SESSION_TTL"}`,
		"The file "+dir+"/tests/auth_test.py has been updated.", false)
	if i%3 == 0 {
		sc.tool("", "MultiEdit", `{"file_path":"`+dir+`/src/auth.py","edits":[{"old_string":"TTL = 3600","new_string":"SESSION_TTL = 3600"},{"old_string":"return TTL","new_string":"return SESSION_TTL"}]}`,
			"Applied 2 edits to "+dir+"/src/auth.py", false)
	}
	sc.tool("", "Bash", jsonInput("command", "cd "+dir+" && python -m pytest tests/auth_test.py -q", "description", "Run the test"),
		"F.\n=== FAILURES ===\nE   NameError: name 'SESSION_TTL' is not defined\n1 failed, 1 passed in 0.41s", true)
	sc.tool("", "Write", jsonInput("file_path", dir+"/NOTES.md", "content", "# Session TTL\n\nThe login token now lives SESSION_TTL seconds.\n"),
		"File created successfully at: "+dir+"/NOTES.md", false)
	sc.tool("Opening a pull request.", "mcp__github__create_pull_request", jsonInput("title", "Use SESSION_TTL in auth tests", "base", "main"),
		"Created pull request #482", false)
	if i%2 == 1 {
		sc.add(LocalMessage{Role: "assistant", Provenance: "content_unavailable", Reason: "client_aborted"})
		sc.tick()
	}
	sc.add(LocalMessage{Role: "user", Provenance: "content_unavailable", Reason: "not_captured"})
	sc.tick()
	sc.text("user", "thanks, that's all")
	sc.text("assistant", "Done: the test passes and PR #482 is open.")
}

func genCoworkSession(sc *sessionScript, user string, i int) {
	r := sc.r
	dir := "/Users/" + user + "/Documents/Vendors"
	sc.text("user", pick(r, coworkTasks))
	// History the client replayed: asserted, not captured by Anthropic.
	sc.add(LocalMessage{Role: "assistant", Provenance: "client_asserted", Content: []Block{{Type: "text", Text: "Earlier I listed the folder for you."}}})
	sc.tick()
	sc.tool("", "Bash", jsonInput("command", "ls "+dir), "acme-msa.pdf\nglobex-sow.docx\nnotes.txt", false)
	sc.tool("", "Read", jsonInput("file_path", dir+"/notes.txt"), "Globex renewal due 2026-12-01. Contact: procurement@globex.example", false)
	sc.tool("", "Read", jsonInput("file_path", dir+"/.env"), envFile(sc, r), false, sc.lastPlants()...)
	sc.add(LocalMessage{Role: "user", MarkerTruncated: true, Content: []Block{{Type: "text", Text: "[image content not shown]"}}})
	sc.tick()
	sc.tool("", "mcp__slack__send_message", jsonInput("channel", "#procurement", "text", "Vendor summary is ready"), "ok", false)
	sc.tool("", "Write", jsonInput("file_path", dir+"/summary.md", "content", "# Vendors\n\n- Acme: MSA through 2027\n- Globex: renewal due Dec 1\n"),
		"File created successfully at: "+dir+"/summary.md", false)
	sc.text("assistant", "The summary is in summary.md and I posted to #procurement.")
}

// lastPlants hands the values the file generators planted to the tool call
// that returns them.
func (sc *sessionScript) lastPlants() [][2]string {
	p := sc.pending
	sc.pending = nil
	return p
}

func envFile(sc *sessionScript, r *rand.Rand) string {
	key := plantValue(r, "anthropic_api_key")
	sc.pending = append(sc.pending, [2]string{"anthropic_api_key", key})
	return "APP_ENV=staging\nDATABASE_HOST=db.internal\nANTHROPIC_API_KEY=" + key + "\nLOG_LEVEL=debug\n"
}

func configYAML(sc *sessionScript, r *rand.Rand) string {
	tok := plantValue(r, "jwt")
	sc.pending = append(sc.pending, [2]string{"jwt", tok})
	return "server:\n  port: 8443\nauth:\n  service_token: " + tok + "\n"
}

func awsCredentials(sc *sessionScript, r *rand.Rand) string {
	key := plantValue(r, "aws_access_key")
	sc.pending = append(sc.pending, [2]string{"aws_access_key", key})
	return "[default]\naws_access_key_id = " + key + "\naws_secret_access_key = " + randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40) + "\nregion = eu-west-1\n"
}

func genRemote(r *rand.Rand, org *Org, o GenOptions, i int) *RemoteSession {
	u := org.Users[r.IntN(len(org.Users))]
	s := &RemoteSession{ID: tagged(r, "cse_"), Status: remoteStatuses[i%len(remoteStatuses)], Surface: "cowork_remote"}
	if i%3 == 2 {
		s.AgentID, s.StartedByID = tagged(r, "cagt_"), u.ID
	} else {
		s.OwnerID = u.ID
	}
	if i%2 == 0 {
		s.ProjectID = tagged(r, "claude_proj_")
	}
	t := micro(o.Start.Add(time.Duration(r.Int64N(int64(o.End.Sub(o.Start))))))
	s.CreatedAt = t
	add := func(m RemoteMessage) {
		m.ID, m.Ord, m.CreatedAt = tagged(r, "csev_"), len(s.Messages), t
		s.Messages = append(s.Messages, m)
		t = micro(t.Add(time.Duration(1+r.IntN(30)) * time.Second))
	}
	if s.Status != "pending" {
		sent := ""
		if s.AgentID != "" {
			sent = u.ID
		}
		add(RemoteMessage{Role: "user", SentByUserID: sent, Content: []Block{{Type: "text", Text: "Summarize the customer feedback in the attached spreadsheet."}}})
		id := tagged(r, "toolu_")
		add(RemoteMessage{Role: "assistant", Content: []Block{{Type: "text", Text: "I'll start by reading the spreadsheet..."},
			{Type: "tool_use", ToolID: id, Name: "Read", Input: jsonInput("file_path", "/mnt/user-data/uploads/feedback.csv")}}})
		add(RemoteMessage{Role: "user", Content: []Block{{Type: "tool_result", ToolID: id, Name: "Read",
			ResultText: []string{"rating,comment\n2,Checkout is slow\n5,Love the new search"}}}})
		if i%4 == 3 {
			add(RemoteMessage{Role: "assistant", Unavailable: true})
		}
		add(RemoteMessage{Role: "assistant", Content: []Block{{Type: "text", Text: "Most complaints are about checkout speed."}}})
	}
	s.UpdatedAt = t
	return s
}
