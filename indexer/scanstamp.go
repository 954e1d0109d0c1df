package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// scanStamp builds the engine opts asks for (when it names none) and returns
// the ScannedBy value of what it produces: the engine version and a
// fingerprint of the detector configuration. Either changing makes every
// message scanned before stale for Rescan.
func scanStamp(opts *Options) (string, error) {
	id := opts.ScanConfigID
	switch {
	case opts.Scanner != nil:
		if id == "" {
			id = "custom"
		}
	case opts.ScanConfig == nil:
		opts.Scanner = scanners.Default()
		if id == "" {
			id = "default"
		}
	default:
		e, err := scanners.New(*opts.ScanConfig)
		if err != nil {
			return "", err
		}
		opts.Scanner = e
		if id == "" {
			id = ConfigFingerprint(*opts.ScanConfig)
		}
	}
	return scanners.Version + "+" + id, nil
}

// ConfigFingerprint names a detector configuration by a hash of its
// canonical JSON ("default" for the zero configuration), so that a config
// file edited, moved or reformatted counts as changed only when what it says
// changed. The order of Disable does not matter; the order of rules and
// allowlist entries is kept (it is what the file says).
func ConfigFingerprint(cfg scanners.Config) string {
	cfg.Disable = slices.Clone(cfg.Disable)
	slices.Sort(cfg.Disable)
	cfg.Disable = slices.Compact(cfg.Disable)
	raw, err := json.Marshal(cfg)
	if err != nil || string(raw) == "{}" || string(raw) == `{"allowlist":{}}` {
		if err != nil {
			return "unhashable"
		}
		return "default"
	}
	sum := sha256.Sum256(raw)
	return "cfg-" + hex.EncodeToString(sum[:6])
}

// ScanStamp is the ScannedBy value this indexer gives the messages it scans.
func (ix *Indexer) ScanStamp() string { return ix.stamp }

// scanMessage (re)computes a message's findings with the indexer's engine
// and stamps them, and the message, with what produced them.
func (ix *Indexer) scanMessage(m *model.Message) {
	m.Findings = ix.scan.Scan(m.FlatText())
	for i := range m.Findings {
		if m.Findings[i].Engine == "" {
			m.Findings[i].Engine = scanners.Version
		}
	}
	m.ScannedBy = ix.stamp
}

// scannedCounter counts the stored messages carrying one ScannedBy value;
// messages stored before stamps existed are in none.
func scannedCounter(stamp string) string { return "scan/" + stamp }
