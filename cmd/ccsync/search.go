package main

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

func init() {
	register(command{name: "search", summary: "search stored messages or conversations", run: runSearch})
}

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

type searchHitJSON struct {
	MessageID      string    `json:"message_id,omitempty"`
	ConversationID string    `json:"conversation_id"`
	Title          string    `json:"title,omitempty"`
	User           string    `json:"user"`
	Role           string    `json:"role,omitempty"`
	Model          string    `json:"model,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	Snippet        string    `json:"snippet"`
	Findings       []string  `json:"findings"`
}

type searchJSON struct {
	Total  uint64                          `json:"total"`
	Hits   []searchHitJSON                 `json:"hits"`
	Facets map[string][]indexer.FacetCount `json:"facets"`
	Next   string                          `json:"next,omitempty"`
}

func runSearch(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("search", io)
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	var req indexer.SearchRequest
	var types, users, models, roles, tools, sources listFlag
	fs.Var(&types, "type", "finding type filter (repeatable, comma-separated)")
	fs.Var(&users, "user", "user id filter")
	fs.Var(&models, "model", "model filter")
	fs.Var(&roles, "role", "role filter: human, assistant")
	fs.Var(&tools, "tool", "tool name filter")
	fs.Var(&sources, "source", "source filter: compliance_api, export")
	kind := fs.String("kind", "message", "result kind: message or conversation")
	flagged := fs.Bool("flagged", false, "only messages with findings")
	from := fs.String("from", "", "created on or after (YYYY-MM-DD or RFC 3339)")
	to := fs.String("to", "", "created on or before (a bare date includes that day)")
	sort := fs.String("sort", "", "relevance, newest or oldest (default: relevance with a query, else newest)")
	size := fs.Int("size", 20, "hits per page (max 200)")
	after := fs.String("after", "", "cursor from a previous page's next")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync search [flags] [QUERY]\n\nQUERY uses Bleve query-string syntax, e.g. '+aws -test \"api key\" model:claude-opus-4-1'.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if req.From, err = parseDate("from", *from, false); err != nil {
		return err
	}
	if req.To, err = parseDate("to", *to, true); err != nil {
		return err
	}
	req.Query = strings.Join(fs.Args(), " ")
	req.Kind, req.FlaggedOnly, req.Sort, req.Size, req.After = indexer.Kind(*kind), *flagged, indexer.Sort(*sort), *size, *after
	req.FindingTypes, req.Users, req.Models, req.Roles, req.Tools, req.Sources = types, users, models, roles, tools, sources

	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.Search(ctx, req)
	if err != nil {
		return err
	}
	out := searchJSON{Total: res.Total, Hits: []searchHitJSON{}, Facets: res.Facets, Next: res.Next}
	for _, h := range res.Hits {
		hj := searchHitJSON{ConversationID: h.ConversationID, Title: h.Title, User: h.UserEmail, Role: h.Role,
			Model: h.Model, CreatedAt: h.CreatedAt, Snippet: plainSnippet(h.Snippet), Findings: h.FindingTypes}
		if hj.User == "" {
			hj.User = h.UserID
		}
		if h.Kind == indexer.KindMessage {
			hj.MessageID = h.ID
		}
		if hj.Findings == nil {
			hj.Findings = []string{}
		}
		out.Hits = append(out.Hits, hj)
	}
	if *asJSON {
		enc := json.NewEncoder(io.out)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	fmt.Fprintf(io.out, "%d hits (%s)\n", res.Total, res.Took.Round(time.Millisecond))
	for _, h := range out.Hits {
		id := h.MessageID
		if id == "" {
			id = h.ConversationID
		}
		fmt.Fprintf(io.out, "\n%s  %s  %s  %s", h.CreatedAt.Format("2006-01-02 15:04"), h.User, h.Role, id)
		if len(h.Findings) > 0 {
			fmt.Fprintf(io.out, "  [%s]", strings.Join(h.Findings, ", "))
		}
		fmt.Fprintf(io.out, "\n  %s\n", strings.ReplaceAll(h.Snippet, "\n", " "))
	}
	if res.Next != "" {
		fmt.Fprintf(io.out, "\nmore: --after %s\n", res.Next)
	}
	return nil
}

// plainSnippet turns the HTML snippet into terminal text, marking matches
// with » «.
func plainSnippet(s string) string {
	s = strings.NewReplacer("<mark>", "»", "</mark>", "«").Replace(s)
	return html.UnescapeString(s)
}
