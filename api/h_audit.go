package api

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
)

const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// listAudit serves GET /api/v1/audit: newest entries first as JSON, or the
// whole selected range oldest first as CSV or JSON Lines (format=csv|jsonl).
// Reading the trail is itself recorded.
func (s *Server) listAudit(c *fiber.Ctx) error {
	var f auditFilter
	var err error
	if f.From, f.To, err = queryRange(c); err != nil {
		return err
	}
	f.Actor, f.Action = c.Query("actor"), c.Query("action")
	format := c.Query("format", "json")
	p := principalOf(c)
	switch format {
	case "json":
		limit := defaultAuditLimit
		if v := c.Query("limit"); v != "" {
			if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxAuditLimit {
				return errBadRequest(fmt.Sprintf("parameter \"limit\": %q is not a number from 1 to %d", v, maxAuditLimit))
			}
		}
		if err := s.audit.record(c, p, "audit.view", "", nil); err != nil {
			return err
		}
		entries, more, err := s.audit.latest(f, limit)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"entries": entries, "more": more})
	case "csv", "jsonl":
		if err := s.audit.record(c, p, "audit.export", "", map[string]string{"format": format}); err != nil {
			return err
		}
		if format == "csv" {
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		} else {
			c.Set(fiber.HeaderContentType, "application/x-ndjson")
		}
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ccsync-audit-%s.%s"`, s.now().UTC().Format("20060102T150405Z"), format))
		s.streamBody(c, func(w *bufio.Writer) { // rolling write deadline (timeouts.go)
			if err := s.writeAudit(w, format, f); err != nil {
				s.log.Warn("audit export stopped", "err", err)
			}
		})
		return nil
	}
	return errBadRequest(fmt.Sprintf("parameter \"format\": %q is not json, csv or jsonl", format))
}

func (s *Server) writeAudit(w *bufio.Writer, format string, f auditFilter) error {
	if format == "jsonl" {
		enc := json.NewEncoder(w)
		if err := s.audit.scan(f, func(e AuditEntry) error { return enc.Encode(e) }); err != nil {
			return err
		}
		return w.Flush()
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "actor", "role", "via", "ip", "action", "target", "detail"}); err != nil {
		return err
	}
	err := s.audit.scan(f, func(e AuditEntry) error {
		return cw.Write(csvSafe([]string{e.Time.Format(time.RFC3339Nano), e.Actor, string(e.Role), e.Via, e.IP, e.Action, e.Target, detailString(e.Detail)}))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return w.Flush()
}

func detailString(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + strconv.Quote(d[k]))
	}
	return b.String()
}
