package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"github.com/ccsync/ccsync/indexer"
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
// spreadsheet.
func csvSafe(cells []string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}

// export streams every hit of a search (all pages, following the cursor) as
// CSV or JSON Lines. The first page is fetched before the response starts so
// a bad query still gets a 400.
func (s *Server) export(c *fiber.Ctx) error {
	req, err := searchRequest(c, "")
	if err != nil {
		return err
	}
	format := c.Query("format", "jsonl")
	if format != "csv" && format != "jsonl" {
		return errBadRequest(fmt.Sprintf("parameter \"format\": %q is not csv or jsonl", format))
	}
	req.NoFacets, req.Facets, req.Size = true, nil, maxPageSize
	// Relevance order pages only so deep; an export wants every hit, so it
	// goes in time order.
	if req.Sort != indexer.SortOldest {
		req.Sort = indexer.SortNewest
	}
	first, err := s.store.Search(c.UserContext(), req)
	if err != nil {
		return err
	}
	detail := auditDetail(req)
	detail["format"] = format
	detail["total"] = strconv.FormatUint(first.Total, 10)
	if err := s.audit.record(c, principalOf(c), "export", "", detail); err != nil {
		return err
	}
	name := fmt.Sprintf("ccsync-%s-%s.%s", req.Kind, s.now().UTC().Format("20060102T150405Z"), format)
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	ctx := s.ctx
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.writeExport(ctx, w, format, req, first); err != nil {
			// The status is already sent; the truncated file plus the
			// log line are all that can be done.
			s.log.Warn("export stopped", "err", err)
		}
	})
	return nil
}

func (s *Server) writeExport(ctx context.Context, w *bufio.Writer, format string, req indexer.SearchRequest, page *indexer.SearchResult) error {
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(w)
	for n := 0; ; n++ {
		for _, h := range page.Hits {
			row := exportRow{Hit: h}
			row.Snippet, row.Score = "", 0
			if h.Kind == indexer.KindMessage {
				m, err := s.store.Message(ctx, h.ID)
				if err != nil {
					return fmt.Errorf("export page %d: message %s: %w", n, h.ID, err)
				}
				row.Text = m.FlatText()
			}
			if cw != nil {
				if err := cw.Write(csvSafe(row.csv())); err != nil {
					return err
				}
			} else if err := enc.Encode(row); err != nil {
				return err
			}
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		}
		// Flushing per page bounds memory and surfaces a gone client.
		if err := w.Flush(); err != nil {
			return fmt.Errorf("export page %d: client gone: %w", n, err)
		}
		if page.Next == "" || ctx.Err() != nil {
			return ctx.Err()
		}
		req.After = page.Next
		var err error
		if page, err = s.store.Search(ctx, req); err != nil {
			return fmt.Errorf("export page %d: %w", n+1, err)
		}
	}
}
