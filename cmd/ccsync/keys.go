package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	goio "io"
	"strings"

	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer"
)

func init() {
	register(command{name: "keys", summary: "manage the encrypted Compliance API key: set, show, rotate, gen-kek", run: runKeys})
}

func runKeys(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("keys", io)
	cfg := bindSettings(fs, "data", "api-base", "keyset", "kek-file", "log-level", "log-format")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync keys [flags] set|show|rotate\n       ccsync keys [--data DIR] gen-kek PATH|-\n\n"+
			"  set      read a Compliance API key from stdin, validate it with one API call, save it encrypted\n"+
			"  show     print the saved key's hint\n"+
			"  rotate   add a new master key to the keyset and re-encrypt saved secrets\n"+
			"  gen-kek  write a new key-encryption key (32 random bytes, base64) to PATH with mode 0600, never\n"+
			"           overwriting, or to stdout with -; PATH must be outside the data directory; use it with\n"+
			"           --kek-file, or as the systemd credential ccsync-kek\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 2 && fs.Arg(0) == "gen-kek" {
		return genKEK(fs.Arg(1), *cfg["data"], io)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	ix, log, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	keys, err := openKeystore(cfg, ix, log)
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "rotate":
		n, err := keys.Rotate()
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "keyset rotated: %d keys, %d secrets re-encrypted\n", keys.KeyCount(), n)
	case "show":
		info, err := keys.Info(syncer.KeyPurpose)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "%s (saved %s)\n", info.Hint, info.SavedAt.Format("2006-01-02 15:04 MST"))
	case "set":
		// From stdin, never argv: arguments show up in ps and shell history.
		line, err := bufio.NewReader(io.in).ReadString('\n')
		key := strings.TrimSpace(line)
		if key == "" {
			return errors.New("no key on stdin")
		}
		if err != nil && !errors.Is(err, goio.EOF) {
			return err
		}
		hint, err := syncer.New(ix, syncer.Config{BaseURL: *cfg["api-base"], Keys: keys, Logger: log}).SaveKey(ctx, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "key saved: %s\n", hint)
	default:
		fs.Usage()
		return errUsage
	}
	return nil
}

// genKEK writes a new key-encryption key. It needs no open store: the key is
// made before the keyset it will encrypt is next opened.
func genKEK(path, dataDir string, io stdio) error {
	if path == "-" {
		return keystore.NewKEKFile(io.out)
	}
	if err := keystore.WriteKEKFile(path, dataDir); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "key-encryption key written to %s (mode 0600).\n"+
		"Start ccsync with --kek-file %s (or CCSYNC_KEK_FILE): the keyset is then encrypted under it.\n"+
		"Back it up apart from the data directory: without it the saved Compliance key cannot be decrypted.\n", path, path)
	return nil
}
