package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
		// The indexer builds the engine, so that it can stamp messages with
		// the configuration's fingerprint (what `ccsync rescan` compares).
		sc, err := scanners.LoadConfig(path)
		if err != nil {
			return nil, nil, err
		}
		opts.ScanConfig = &sc
	}
	ix, err := indexer.Open(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return ix, log, nil
}

// openKeystore opens the Compliance key store as the keyset settings say;
// every command that reads or writes the key goes through here so that
// serve, sync and keys agree on where the keyset lives and what encrypts it.
// The KEK comes from --kek-file, the systemd credential ccsync-kek in
// $CREDENTIALS_DIRECTORY, or CCSYNC_KEK_PASSPHRASE (never a flag: argv shows
// in ps and shell history).
func openKeystore(cfg map[string]*string, ix *indexer.Indexer, log *slog.Logger) (*keystore.Store, error) {
	if os.Getenv("CCSYNC_KEK_URI") != "" {
		// Silently ignoring it would leave the keyset in clear while the
		// operator believes a KMS protects it.
		return nil, errors.New("CCSYNC_KEK_URI is not supported: no KMS client is compiled into ccsync; " +
			"keep the key-encryption key in a file (--kek-file), a systemd credential (ccsync-kek) or CCSYNC_KEK_PASSPHRASE, and unset CCSYNC_KEK_URI")
	}
	return keystore.Open(keystore.Options{Dir: *cfg["data"], KeysetPath: *cfg["keyset"], Meta: ix, Logger: log,
		KEKFrom: keystore.KEKSources{File: *cfg["kek-file"], CredentialsDir: os.Getenv("CREDENTIALS_DIRECTORY"),
			Passphrase: os.Getenv("CCSYNC_KEK_PASSPHRASE")}})
}

// unencryptedKeysetRisk says what a cleartext keyset exposes.
func unencryptedKeysetRisk(keysetPath, dataDir string) string {
	if rel, err := filepath.Rel(dataDir, keysetPath); err == nil && !strings.HasPrefix(rel, "..") {
		return "a copy of the data directory is a copy of the Compliance key"
	}
	return "whoever copies " + keysetPath + " and the data directory has the Compliance key"
}
