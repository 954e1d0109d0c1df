// Package jobs adapts the long-running sources — the Compliance API sync
// engine and the data-export importer — to the api package's SyncController
// and Importer interfaces, so `ccsync serve` and the browser tests wire the
// same code.
package jobs
