package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// exportRow is one exported hit: the hit without its HTML snippet, plus the
// message's full text for message hits.
type exportRow struct {
	indexer.Hit
	Text string `json:"text,omitempty"`
}

var csvHeader = []string{"kind", "id", "conversation_id", "created_at", "user_id", "user_name", "user_email",
	"role", "model", "provider", "source", "title", "finding_count", "finding_types", "tools", "message_count", "text"}

func (r exportRow) csv() []string {
	return []string{string(r.Kind), r.ID, r.ConversationID, r.CreatedAt.UTC().Format(time.RFC3339Nano), r.UserID, r.UserName, r.UserEmail,
		r.Role, r.Model, r.Provider, r.Source, r.Title, strconv.Itoa(r.FindingCount), strings.Join(r.FindingTypes, ";"),
		strings.Join(r.Tools, ";"), strconv.Itoa(r.MessageCount), r.Text}
}

// csvSafe defuses spreadsheet formula injection: chat text is hostile, and a
// cell starting with = + - @ would be evaluated when the CSV is opened in a
// spreadsheet. Some spreadsheets skip leading white space (a space, a
// newline) before deciding, and some take the full-width forms (＝ ＋ － ＠)
// for the ASCII ones, so the first character after white space counts, in
// either width; a tab or carriage return at the start is defused too.
func csvSafe(cells []string) []string {
	for i, v := range cells {
		if v == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(v, unicode.IsSpace))
		if v[0] == '\t' || v[0] == '\r' || strings.ContainsRune("=+-@＝＋－＠", first) {
			cells[i] = "'" + v
		}
	}
	return cells
}

// export streams every hit of a search (all pages, following the cursor) as
// CSV or JSON Lines. The first page is fetched before the response starts so
// a bad query still gets a 400.
//
// Two audit entries: "export" before any data leaves (the intent, with the
// total the search reported) and "export.end" when the stream ends, with the
// rows written and whether the file is complete. A stream that fails after
// the 200 is aborted (the connection is closed before the chunked body's
// end), so the client sees an error, never a shorter file that looks whole.
func (s *Server) export(c *fiber.Ctx) error {
	req, err := searchRequest(c, "")
	if err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	req.NoFacets, req.Facets, req.Size, req.Sort = true, nil, maxPageSize, exportSort(req.Sort)
	return runExport(s, c, exportSpec[*indexer.SearchResult]{
		action: "export", what: string(req.Kind), format: format,
		sealed: func() indexer.SearchRequest { return req }, after: &req.After,
		detail: func() map[string]string { return auditDetail(req) },
		first: func(ctx context.Context) (*indexer.SearchResult, uint64, error) {
			r, err := s.store.Search(ctx, req)
			if err != nil {
				return nil, 0, err
			}
			return r, r.Total, nil
		},
		write: func(ctx context.Context, w *bufio.Writer, first *indexer.SearchResult) (int, error) {
			return s.writeExport(ctx, w, format, req, first)
		},
	})
}

// exportSpec is one kind of export for runExport.
type exportSpec[R any] struct {
	action, what, format string // the audit action ("…end" at the end), the file name's kind
	// sealed is the request its cursors are sealed with; after its cursor,
	// replaced by the opened one.
	sealed func() indexer.SearchRequest
	after  *string
	detail func() map[string]string // the audit detail of the request
	first  func(ctx context.Context) (R, uint64, error)
	write  func(ctx context.Context, w *bufio.Writer, first R) (int, error)
}

// runExport opens the cursor an export resumes from ("export from here":
// a cursor of the same search, same account), fetches the first page
// before the response starts so a bad query still gets a 400, records the
// intent and streams the rest.
func runExport[R any](s *Server, c *fiber.Ctx, e exportSpec[R]) error {
	p := principalOf(c)
	resumed := *e.after != ""
	if resumed {
		opened, err := s.cursors.open(p.Account, e.sealed(), *e.after)
		if err != nil {
			return err
		}
		*e.after = opened
	}
	first, total, err := e.first(c.UserContext())
	if err != nil {
		return err
	}
	if err := s.startExport(c, p, e.action, e.detail(), e.format, total, resumed, e.what); err != nil {
		return err
	}
	end := e.detail()
	end["format"] = e.format
	s.streamRows(c, p, e.action+".end", end, func(ctx context.Context, w *bufio.Writer) (int, error) {
		return e.write(ctx, w, first)
	})
	return nil
}

// exportFormat reads ?format=, csv or jsonl (the default).
func exportFormat(c *fiber.Ctx) (string, error) {
	format := c.Query("format", "jsonl")
	if format != "csv" && format != "jsonl" {
		return "", errBadRequest(fmt.Sprintf("parameter \"format\": %q is not csv or jsonl", format))
	}
	return format, nil
}

// exportSort is the order an export goes in. Relevance order pages only
// so deep; an export wants every hit, so it goes in time order.
func exportSort(s indexer.Sort) indexer.Sort {
	if s != indexer.SortOldest {
		return indexer.SortNewest
	}
	return s
}

// startExport records action, the intent, before any data leaves, and
// sets the headers of a download named after what is exported.
func (s *Server) startExport(c *fiber.Ctx, p *principal, action string, detail map[string]string,
	format string, total uint64, resumed bool, what string) error {
	detail["format"] = format
	detail["total"] = strconv.FormatUint(total, 10)
	if resumed {
		detail["from_cursor"] = "true"
	}
	if err := s.audit.record(c, p, action, "", detail); err != nil {
		return err
	}
	name := fmt.Sprintf("ccsync-%s-%s.%s", what, s.now().UTC().Format("20060102T150405Z"), format)
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return nil
}

// Why an export stopped early, for export.end's "reason".
const (
	exportClientGone = "client"   // stopped reading or closed the connection
	exportShutdown   = "shutdown" // the server is stopping
	exportTimeout    = "timeout"  // a page took longer than Config.QueryTimeout
	exportFailed     = "error"    // a storage error; details in the server log
)

// errExportWrite marks a failure to write the stream: the client is gone or
// stopped reading.
var errExportWrite = errors.New("client stopped reading")

// streamRows streams what write produces after the handler returns, and
// records endAction with end's detail, the rows written and whether the
// file is complete, before the client can see the end.
func (s *Server) streamRows(c *fiber.Ctx, p *principal, endAction string, end map[string]string,
	write func(ctx context.Context, w *bufio.Writer) (int, error)) {
	conn := c.Context().Conn()
	recordLater := s.auditLater(c, p)
	s.streamBody(c, func(w *bufio.Writer) {
		ctx, cancel := context.WithCancel(s.ctx)
		defer cancel()
		var gone atomic.Bool
		stop := watchDisconnect(conn, func() {
			gone.Store(true)
			cancel()
		})
		rows, err := write(ctx, w)
		stop()
		end["rows"] = strconv.Itoa(rows)
		end["complete"] = strconv.FormatBool(err == nil)
		if err != nil {
			end["reason"] = s.exportStopReason(err, gone.Load())
		}
		// Recorded before the client can see the end (or the abort), so
		// the trail never lags behind what the client holds.
		if aerr := recordLater(endAction, end); aerr != nil {
			s.log.Error("audit "+endAction, "err", aerr)
		}
		if err != nil {
			s.log.Warn("export cut", "rows", rows, "reason", end["reason"], "err", err)
			// The 200 and part of the body are sent. Closing the connection
			// before the chunked body's last chunk is the one way left to
			// tell the client the file is not whole.
			_ = conn.Close()
		}
	})
}

func (s *Server) exportStopReason(err error, clientGone bool) string {
	switch {
	case s.ctx.Err() != nil: // first: shutdown also fails the writes
		return exportShutdown
	case clientGone || errors.Is(err, errExportWrite):
		return exportClientGone
	case errors.Is(err, context.DeadlineExceeded):
		return exportTimeout
	}
	return exportFailed
}

// auditLater returns a recorder for entries written after the handler has
// returned, with the caller's identity and address taken now (the
// fiber.Ctx is recycled by then).
func (s *Server) auditLater(c *fiber.Ctx, p *principal) func(action string, detail map[string]string) error {
	base := s.audit.caller(c, p)
	return func(action string, detail map[string]string) error {
		e := base
		e.Action, e.Detail = action, detail
		return s.audit.append(e)
	}
}

// boundedPage fetches a later page of an export within the same bounds as
// a search: a slot of the query limiter (waiting as long as the page may)
// and Config.QueryTimeout.
func boundedPage[R any](s *Server, ctx context.Context, fetch func(ctx context.Context) (R, error)) (R, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	release, err := s.queries.acquireCtx(ctx)
	if err != nil {
		var zero R
		return zero, err
	}
	defer release()
	return fetch(ctx)
}

// writeExport writes every page of a search export.
func (s *Server) writeExport(ctx context.Context, w *bufio.Writer, format string, req indexer.SearchRequest, first *indexer.SearchResult) (int, error) {
	fetch := func(ctx context.Context, after string) ([]indexer.Hit, string, error) {
		req.After = after
		page, err := boundedPage(s, ctx, func(ctx context.Context) (*indexer.SearchResult, error) { return s.store.Search(ctx, req) })
		if err != nil {
			return nil, "", err
		}
		return page.Hits, page.Next, nil
	}
	row := func(ctx context.Context, h *indexer.Hit) (func() []string, any, error) {
		r := exportRow{Hit: *h}
		r.Snippet, r.Score = "", 0
		if h.Kind == indexer.KindMessage {
			m, err := s.store.Message(ctx, h.ID)
			if err != nil {
				return nil, nil, fmt.Errorf("message %s: %w", h.ID, err)
			}
			r.Text = m.FlatText()
		}
		return r.csv, r, nil
	}
	return writePages(ctx, w, format, csvHeader, first.Hits, first.Next, fetch, row)
}

// writePages writes the rows of every page, following next, and returns
// the rows written to the stream: an upper bound of what the client
// received, which is what the audit trail should claim. row gives a hit's
// CSV cells (called for CSV only) and its JSON value.
func writePages[T any](ctx context.Context, w *bufio.Writer, format string, header []string, hits []T, next string,
	fetch func(ctx context.Context, after string) ([]T, string, error),
	row func(ctx context.Context, h *T) (func() []string, any, error)) (int, error) {
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return 0, fmt.Errorf("export header: %w: %v", errExportWrite, err)
		}
	}
	enc := json.NewEncoder(w)
	rows := 0
	for n := 0; ; n++ {
		for i := range hits {
			cells, v, err := row(ctx, &hits[i])
			if err != nil {
				return rows, fmt.Errorf("export page %d: %w", n, err)
			}
			if cw != nil {
				err = cw.Write(csvSafe(cells()))
			} else {
				err = enc.Encode(v)
			}
			if err != nil {
				return rows, fmt.Errorf("export page %d: %w: %v", n, errExportWrite, err)
			}
			rows++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return rows, fmt.Errorf("export page %d: %w: %v", n, errExportWrite, err)
			}
		}
		// Flushing per page bounds memory and surfaces a gone client.
		if err := w.Flush(); err != nil {
			return rows, fmt.Errorf("export page %d: %w: %v", n, errExportWrite, err)
		}
		if next == "" {
			return rows, nil
		}
		if err := ctx.Err(); err != nil {
			return rows, fmt.Errorf("export page %d: %w", n+1, err)
		}
		var err error
		if hits, next, err = fetch(ctx, next); err != nil {
			return rows, fmt.Errorf("export page %d: %w", n+1, err)
		}
	}
}

var activityCSVHeader = []string{"id", "created_at", "type", "actor_type", "actor_id", "actor_email", "ip", "user_agent",
	"org_id", "api_key_id", "request_id", "method", "status", "url", "flags", "subjects"}

func activityCSV(a *model.Activity) []string {
	var acc model.APIAccess
	if a.Access != nil {
		acc = *a.Access
	}
	status := ""
	if acc.Status != 0 {
		status = strconv.Itoa(acc.Status)
	}
	keys := make([]string, 0, len(a.Subjects))
	for k := range a.Subjects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	subj := make([]string, len(keys))
	for i, k := range keys {
		subj[i] = k + "=" + a.Subjects[k]
	}
	return []string{a.ID, a.CreatedAt.UTC().Format(time.RFC3339Nano), a.Type, a.Actor.Type, a.Actor.ID, a.Actor.Email,
		a.Actor.IP, a.Actor.UserAgent, a.OrgID, acc.APIKeyID, acc.RequestID, acc.Method, status, acc.URL,
		strings.Join(a.Flags, ";"), strings.Join(subj, ";")}
}

// exportActivities streams every Activity Feed event of an activity search
// as CSV or JSON Lines (the stored event, raw text included), audited as
// activity.export and activity.export.end like a search export.
func (s *Server) exportActivities(c *fiber.Ctx) error {
	store, err := s.activities()
	if err != nil {
		return err
	}
	req, err := activityRequest(c)
	if err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	req.NoFacets, req.Facets, req.Size, req.Sort = true, nil, maxPageSize, exportSort(req.Sort)
	return runExport(s, c, exportSpec[*indexer.ActivityResult]{
		action: "activity.export", what: "activities", format: format,
		sealed: func() indexer.SearchRequest { return sealable(req) }, after: &req.After,
		detail: func() map[string]string { return activityAudit(req) },
		first: func(ctx context.Context) (*indexer.ActivityResult, uint64, error) {
			r, err := store.SearchActivities(ctx, req)
			if err != nil {
				return nil, 0, err
			}
			return r, r.Total, nil
		},
		write: func(ctx context.Context, w *bufio.Writer, first *indexer.ActivityResult) (int, error) {
			return s.writeActivityExport(ctx, w, format, store, req, first)
		},
	})
}

func (s *Server) writeActivityExport(ctx context.Context, w *bufio.Writer, format string, store ActivityStore,
	req indexer.ActivityRequest, first *indexer.ActivityResult) (int, error) {
	fetch := func(ctx context.Context, after string) ([]model.Activity, string, error) {
		req.After = after
		page, err := boundedPage(s, ctx, func(ctx context.Context) (*indexer.ActivityResult, error) {
			return store.SearchActivities(ctx, req)
		})
		if err != nil {
			return nil, "", err
		}
		return page.Hits, page.Next, nil
	}
	row := func(_ context.Context, a *model.Activity) (func() []string, any, error) {
		return func() []string { return activityCSV(a) }, a, nil
	}
	return writePages(ctx, w, format, activityCSVHeader, first.Hits, first.Next, fetch, row)
}
