package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// noRoute answers requests no route took: 405 with an Allow header when
// the path is in the route table under other methods, else 404 (what
// names the kind of thing that was not found).
func (s *Server) noRoute(what string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if allow := s.allowedMethods(c.Path()); len(allow) > 0 {
			list := strings.Join(allow, ", ")
			c.Set(fiber.HeaderAllow, list)
			return &apiError{fiber.StatusMethodNotAllowed, "method_not_allowed", c.Method() + " is not allowed here; use " + list}
		}
		return errNotFound(what)
	}
}

// allowedMethods returns the route table's methods for path, sorted. It
// matches as Fiber routes do: case-insensitively, ignoring a trailing
// slash, a ":param" segment matching any one non-empty segment.
func (s *Server) allowedMethods(path string) []string {
	segs := strings.Split(strings.TrimSuffix(strings.ToLower(path), "/"), "/")
	var out []string
	for _, r := range s.routes {
		if !slices.Contains(out, r.Method) && routeMatches(r.Path, segs) {
			out = append(out, r.Method)
		}
	}
	slices.Sort(out)
	return out
}

func routeMatches(pattern string, segs []string) bool {
	ps := strings.Split(strings.ToLower(pattern), "/")
	if len(ps) != len(segs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if segs[i] == "" {
				return false
			}
		} else if p != segs[i] {
			return false
		}
	}
	return true
}
