package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	goio "io"
	"strings"

	"github.com/ccsync/ccsync/indexer/syncer"
)

func init() {
	register(command{name: "keys", summary: "manage the encrypted Compliance API key: set, show, rotate", run: runKeys})
}

func runKeys(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("keys", io)
	cfg := bindSettings(fs, "data", "api-base", "keyset", "kek-uri", "log-level", "log-format")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: ccsync keys [flags] set|show|rotate\n\n"+
			"  set     read a Compliance API key from stdin, validate it with one API call, save it encrypted\n"+
			"  show    print the saved key's hint\n"+
			"  rotate  add a new master key to the keyset and re-encrypt saved secrets\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
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
	keys, err := openKeystore(cfg, ix)
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
