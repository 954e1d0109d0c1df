package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/scanners"
)

// openIndexer opens the data directory for a command and returns it with the
// command's logger (on stderr), built once from the log settings.
func openIndexer(ctx context.Context, cfg map[string]*string, io stdio) (*indexer.Indexer, *slog.Logger, error) {
	log, err := newLogger(io.err, *cfg["log-level"], *cfg["log-format"])
	if err != nil {
		return nil, nil, err
	}
	if err := applyMemoryLimit(*cfg["memory-limit"]); err != nil {
		return nil, nil, err
	}
	opts := indexer.Options{Dir: *cfg["data"], Logger: log}
	switch v := strings.TrimSpace(*cfg["min-free"]); strings.ToLower(v) {
	case "off", "0":
		opts.MinFreeBytes = -1
	default:
		if opts.MinFreeBytes, err = parseBytes(v); err != nil {
			return nil, nil, fmt.Errorf("--min-free %q: %w", *cfg["min-free"], err)
		}
	}
	if path := *cfg["scan-config"]; path != "" {
		sc, err := scanners.LoadConfig(path)
		if err != nil {
			return nil, nil, err
		}
		if opts.Scanner, err = scanners.New(sc); err != nil {
			return nil, nil, fmt.Errorf("--scan-config %s: %w", path, err)
		}
	}
	ix, err := indexer.Open(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return ix, log, nil
}

// openKeystore opens the Compliance key store as the keyset settings say;
// every command that reads or writes the key goes through here so that
// serve, sync and keys agree on where the keyset lives.
func openKeystore(cfg map[string]*string, ix *indexer.Indexer) (*keystore.Store, error) {
	return keystore.Open(keystore.Options{Dir: *cfg["data"], KeysetPath: *cfg["keyset"], KEKURI: *cfg["kek-uri"], Meta: ix})
}
