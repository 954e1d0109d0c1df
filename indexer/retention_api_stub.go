package indexer

import (
	"context"
	"errors"
)

// STUB for the API work (issue 15): reconciled with the retention work at
// merge. ErrBusy and LastRetention are part of the shared contract
// (/work/notes/common15.md).

// ErrBusy: a retention run is already running.
var ErrBusy = errors.New("a retention run is already running")

// LastRetention returns the report of the last finished retention run, nil
// when none has run.
func (ix *Indexer) LastRetention(ctx context.Context) (*RetentionReport, error) {
	return nil, errTODO
}
