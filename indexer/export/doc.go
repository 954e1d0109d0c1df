// Package export imports claude.ai data exports (conversations.json and
// users.json of every era, as files, folders or delivery zips) into the
// indexer.
//
// Exports are large and often damaged in transit, so the package never holds
// a whole file: a record splitter walks the top-level array byte by byte and
// hands each conversation to the JSON decoder on its own. A bad record is
// reported with its file, index, uuid and byte offset, and the records around
// it are still imported.
package export
