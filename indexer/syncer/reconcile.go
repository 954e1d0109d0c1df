package syncer

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/model"
)

// keyReconciled is when the chats stored were last compared with the chats
// the API lists.
const keyReconciled = "sync/reconciled"

// reconcileEvery: a chat hard-deleted upstream (through the API or by
// retention) is no longer listed, so the updated_at walk never sees it
// again and never learns it is gone. Once a week the whole window is listed
// (one request per 1,000 chats) and each stored chat missing from it is
// asked for once: a 404 marks it gone, with its archived content kept.
const reconcileEvery = 7 * 24 * time.Hour

func (r *runner) reconcile(ctx context.Context) error {
	ix, now := r.e.ix, r.e.cfg.Now()
	var last time.Time
	ok, err := getJSON(ix, keyReconciled, &last)
	if err != nil {
		return err
	}
	if !ok {
		// The first walk has just read everything: the week starts now.
		return putJSON(ix, keyReconciled, now)
	}
	if now.Sub(last) < reconcileEvery {
		return nil
	}
	listed := map[string]bool{}
	after := ""
	for {
		p, err := r.c.ListChats(ctx, compliance.ListChatsParams{Since: r.from, AfterID: after, Limit: 1000})
		if err != nil {
			return fmt.Errorf("reconcile: list chats: %w", err)
		}
		if len(p.Bad) > 0 {
			// An unreadable item could be any stored chat: compare another week.
			return nil
		}
		for i := range p.Chats {
			listed[p.Chats[i].ConversationID()] = true
		}
		if !p.HasMore || p.LastID == "" {
			break
		}
		after = p.LastID
	}
	var missing []model.Conversation
	err = ix.EachConversation(ctx, func(c model.Conversation) error {
		if c.KindOrChat() == model.KindChat && c.Source == model.SourceComplianceAPI && c.DeletedAt == nil &&
			c.ExternalID != "" && !c.CreatedAt.Before(r.from) && !listed[c.ID] {
			missing = append(missing, c)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reconcile: stored chats: %w", err)
	}
	for _, c := range missing {
		var probe struct{}
		err := r.c.GetJSON(ctx, "/v1/compliance/apps/chats/"+url.PathEscape(c.ExternalID)+"/messages",
			url.Values{"limit": {"1"}}, &probe, compliance.CallOpts{Family: "chats"})
		switch {
		case err == nil:
			// Listed late, or created since the list was read.
		case compliance.IsGone(err):
			if err := ix.MarkDeleted(ctx, c.ID, model.DeletedByUpstream, now); err != nil {
				return fmt.Errorf("reconcile: %w", err)
			}
			r.mu.Lock()
			r.sum.Gone++
			r.mu.Unlock()
		default:
			return fmt.Errorf("reconcile: chat %s: %w", c.ExternalID, err)
		}
	}
	return putJSON(ix, keyReconciled, now)
}
