// Package syncer keeps ccsync's store in step with the Compliance API.
//
// A run reads several streams: the chat walk, which lives here, and the
// sources of package stream's contract (sessions, the Activity Feed, file
// contents), each in a package of its own. Every stream's client draws from
// one request budget per run, because the API counts one quota for all keys
// and endpoints of a parent organisation. A one-chat preflight comes first:
// a refused key or a switched-off API stops the run before any walk, with
// every cursor kept. Then the chat walk and the other streams run
// concurrently, and the files stream last, fetching what the others queued
// in the batches of their messages. A 403 turns off only the stream that met
// it.
//
// The chat walk first backfills by walking chats in created_at order from
// the "Sync from" date, then switches to incremental runs that walk
// updated_at order from a saved cursor, because only the updated_at walk
// re-surfaces chats that gained messages or were deleted after the backfill
// passed them. Every page is ingested in one indexer batch together with
// the cursor that points past it (Batch.Checkpoints), so a crash at any
// point resumes without loss, and re-sent records are idempotent upserts,
// so it resumes without duplicates. Every stream keeps the same rule.
//
// A chat whose messages cannot be read is recorded and retried on later runs
// instead of blocking the walk; one that answers 404 after being listed was
// deleted upstream and is marked so, its content kept, never retried. The
// product cap of 10,000 chats per organisation per rolling hour stops a run
// cleanly with a resume time; sessions have a cap of their own.
package syncer
