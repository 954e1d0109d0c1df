package export

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	json "github.com/goccy/go-json"
)

// A 2026 delivery comes with a manifest listing one zip per category. The
// zips are downloaded one by one from single-use links, so a missing one is
// the likeliest way for an import to be silently incomplete; the manifest is
// read only to catch that.

func isManifest(p string) bool {
	base := strings.ToLower(filepath.Base(p))
	return strings.HasPrefix(base, "manifest") && strings.HasSuffix(base, ".json")
}

// chatCategories are the manifest categories whose zips hold what ccsync
// imports; other categories (projects, memories, frames…) are skipped anyway.
var chatCategories = map[string]bool{"conversations": true, "light_metadata": true}

func (s *inputSet) readManifest(p string) {
	f, err := os.Open(p)
	if err != nil {
		s.errs = append(s.errs, fileError(displayName(p), err))
		return
	}
	defer f.Close()
	var m struct {
		DataFiles []struct {
			Category string `json:"category"`
			Filename string `json:"filename"`
		} `json:"data_files"`
	}
	// A manifest is a few hundred bytes; the cap keeps a hostile one small.
	if err := json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(&m); err != nil {
		s.skipped = append(s.skipped, fmt.Sprintf("%s: unreadable manifest (%v), not checked", displayName(p), err))
		return
	}
	if s.manifest == nil {
		s.manifest = map[string][]string{}
	}
	for _, df := range m.DataFiles {
		if chatCategories[df.Category] && df.Filename != "" {
			s.manifest[p] = append(s.manifest[p], df.Filename)
		}
	}
}

// checkManifests reports chat-data zips a manifest lists that were not given.
func (s *inputSet) checkManifests() {
	paths := make([]string, 0, len(s.manifest))
	for p := range s.manifest {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, name := range s.manifest[p] {
			if !s.seen[strings.ToLower(filepath.Base(name))] {
				s.errs = append(s.errs, RecordError{File: displayName(p), Record: -1,
					Err: fmt.Sprintf("%s: lists %s, which is not among the inputs; its records were not imported",
						displayName(p), displayName(name))})
			}
		}
	}
}
