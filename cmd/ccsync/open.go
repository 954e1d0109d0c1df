package main

import (
	"context"

	"github.com/ccsync/ccsync/indexer"
)

// openIndexer opens the data directory for a command, with logs on stderr.
func openIndexer(ctx context.Context, cfg map[string]*string, io stdio) (*indexer.Indexer, error) {
	log, err := newLogger(io.err, *cfg["log-level"], *cfg["log-format"])
	if err != nil {
		return nil, err
	}
	ix, err := indexer.Open(ctx, indexer.Options{Dir: *cfg["data"], Logger: log})
	if err != nil {
		return nil, err
	}
	return ix, nil
}
