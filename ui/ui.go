// Package ui holds the web UI's static assets, embedded in the binary so a
// deployment is one file: a vanilla-JavaScript single-page app (ES modules,
// no build step) over the JSON API. See README.md; the browser tests are in
// ui/browsertest.
package ui

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the assets rooted at static/, checked to contain index.html so
// a broken embed fails at start-up rather than as a blank page.
func FS() (fs.FS, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	return sub, nil
}
