// Package model holds ccsync's domain types: organisations, users,
// conversations, messages, content blocks and detection findings.
//
// It has no storage, HTTP or wire-format code so that every source (the
// Compliance API sync, the data-export import), the scanners, the indexer and
// the API can share one vocabulary without depending on each other.
package model
