// Package syncer keeps ccsync's store in step with the Compliance API.
//
// A run first backfills by walking chats in created_at order from the "Sync
// from" date, then switches to incremental runs that walk updated_at order
// from a saved cursor, because only the updated_at walk re-surfaces chats that
// gained messages or were deleted after the backfill passed them. Every page
// is ingested in one indexer batch together with the cursor that points past
// it (Batch.Checkpoints), so a crash at any point resumes without loss, and
// re-sent records are idempotent upserts, so it resumes without duplicates.
//
// A chat whose messages cannot be read is recorded and retried on later runs
// instead of blocking the walk; the product cap of 10,000 chats per
// organisation per rolling hour stops a run cleanly with a resume time.
package syncer
