package indexer

import (
	"fmt"
	"time"

	"github.com/ccsync/ccsync/model"
)

// dropExpired removes from a batch the messages the stored retention policy
// has already expired and no legal hold covers. The sources re-deliver whole
// chats, so without it the hourly sync would re-add what the last retention
// run deleted. A conversation goes with them when it is not stored, lost
// messages here and keeps none in the batch. It costs a pointer load when
// the policy keeps everything.
func (ix *Indexer) dropExpired(w *writer, convs []model.Conversation, msgs []encodedMessage) ([]model.Conversation, []encodedMessage, int, error) {
	pol := ix.retention.Load()
	if pol == nil || pol.Forever() || len(msgs) == 0 {
		return convs, msgs, 0, nil
	}
	now := time.Now()
	batchConv := make(map[string]*model.Conversation, len(convs))
	for i := range convs {
		batchConv[convs[i].ID] = &convs[i]
	}
	owner := func(id string) (string, error) {
		if c := batchConv[id]; c != nil {
			return c.OwnerID, nil
		}
		c, err := w.conversation(id)
		if err != nil || c == nil {
			return "", err
		}
		return c.OwnerID, nil
	}
	judge, err := newRetentionJudge(w.txn, *pol)
	if err != nil {
		return nil, nil, 0, err
	}
	var view *holdView
	kept := msgs[:0:0]
	alive, lost := map[string]bool{}, map[string]bool{}
	for _, em := range msgs {
		m := em.msg
		o := ""
		if judge.needsOwner() {
			if o, err = owner(m.ConversationID); err != nil {
				return nil, nil, 0, err
			}
		}
		expired, _, err := judge.expired(m, o, now)
		if err != nil {
			return nil, nil, 0, err
		}
		if expired {
			if view == nil {
				var err error
				if view, err = ix.holdView(w.txn); err != nil {
					return nil, nil, 0, fmt.Errorf("legal holds: %w", err)
				}
			}
			if !view.empty() {
				if o == "" {
					var err error
					if o, err = owner(m.ConversationID); err != nil {
						return nil, nil, 0, err
					}
				}
				holds, err := view.heldBy(w.txn, m, o)
				if err != nil {
					return nil, nil, 0, fmt.Errorf("message %s: legal holds: %w", m.ID, err)
				}
				expired = len(holds) == 0
			}
		}
		if expired {
			lost[m.ConversationID] = true
			continue
		}
		kept = append(kept, em)
		alive[m.ConversationID] = true
	}
	if len(kept) == len(msgs) {
		return convs, msgs, 0, nil
	}
	keptConvs := convs[:0:0]
	for i, c := range convs {
		if lost[c.ID] && !alive[c.ID] && (view == nil || !view.convHeld(&convs[i])) {
			stored, err := w.conversation(c.ID)
			if err != nil {
				return nil, nil, 0, err
			}
			if stored == nil {
				continue
			}
		}
		keptConvs = append(keptConvs, c)
	}
	return keptConvs, kept, len(msgs) - len(kept), nil
}
