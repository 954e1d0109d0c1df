package indexer

import (
	"context"
	"encoding/binary"
	"strings"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// Stats returns the analytics counters. Totals, days and finding types are
// counters kept at ingest; per-user and per-model counts are summed over the
// conversations' aggregates because a conversation's owner or model can change
// after its messages were counted.
func (ix *Indexer) Stats(ctx context.Context) (Stats, error) {
	s := Stats{MessagesPerDay: map[string]int{}, MessagesPerUser: map[string]int{},
		MessagesPerModel: map[string]int{}, FindingsPerType: map[string]int{}}
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pStat), PrefetchValues: true})
		for it.Rewind(); it.Valid(); it.Next() {
			name := string(it.Item().Key()[len(pStat):])
			var v int
			_ = it.Item().Value(func(b []byte) error {
				if len(b) == 8 {
					v = int(int64(binary.BigEndian.Uint64(b)))
				}
				return nil
			})
			switch {
			case name == "messages":
				s.Messages = v
			case name == "conversations":
				s.Conversations = v
			case name == "users":
				s.Users = v
			case name == "flagged":
				s.FlaggedMessages = v
			case strings.HasPrefix(name, "day/"):
				s.MessagesPerDay[name[4:]] = v
			case strings.HasPrefix(name, "ftype/"):
				s.FindingsPerType[name[6:]] = v
			}
		}
		it.Close()
		ct := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pConv), PrefetchValues: true, PrefetchSize: 256})
		defer ct.Close()
		for ct.Rewind(); ct.Valid(); ct.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var c model.Conversation
			if err := ct.Item().Value(func(b []byte) error { return json.Unmarshal(b, &c) }); err != nil {
				return err
			}
			var a convAgg
			if _, _, err := getJSON(txn, key(pConvAgg, c.ID), &a); err != nil {
				return err
			}
			if a.Messages == 0 {
				continue
			}
			s.MessagesPerUser[c.OwnerID] += a.Messages
			m := c.Model
			if m == "" {
				m = "unknown"
			}
			s.MessagesPerModel[m] += a.Messages
		}
		return nil
	})
	return s, err
}
