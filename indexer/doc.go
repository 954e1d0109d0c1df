// Package indexer stores and searches Claude conversations.
//
// Badger is the source of truth; a Bleve index is derived from it and can be
// rebuilt at any time (Reindex, or automatically at Open when the index is
// missing, damaged or built by another mapping version). The index is
// partitioned by month of message creation (partitions.go): searches fan
// out over the months they cover, and deleting a whole month drops its
// partition. Ingest writes a
// batch and an index outbox to Badger in one transaction, then applies the
// outbox to Bleve: a crash between the two is repaired on the next Open.
//
// Sources (the Compliance API sync, the export importer) live in
// subpackages and only call Ingest, Meta/PutMeta and Publish.
package indexer
