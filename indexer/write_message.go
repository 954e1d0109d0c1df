package indexer

import (
	"bytes"

	"github.com/ccsync/ccsync/model"
)

func (w *writer) putMessage(e encodedMessage) error {
	m := e.msg
	if err := w.room(int64(len(e.raw)) + 512); err != nil {
		return err
	}
	var old model.Message
	found, oldRaw, err := getJSON(w.txn, key(pMessage, m.ID), &old)
	if err != nil {
		return err
	}
	if found && bytes.Equal(oldRaw, e.raw) {
		w.res.Unchanged++
		return nil
	}
	if found {
		if err := w.unlinkMessage(&old); err != nil {
			return err
		}
	}
	if err := w.set(key(pMessage, m.ID), e.raw); err != nil {
		return err
	}
	if err := w.linkMessage(m); err != nil {
		return err
	}
	w.cache[m.ID] = m
	w.res.Messages++
	return w.outbox(obMessage, m.ID)
}

// linkMessage adds a stored message's secondary keys and counts.
func (w *writer) linkMessage(m *model.Message) error {
	if err := w.set(convMsgKey(m.ConversationID, m.Seq, m.ID), nil); err != nil {
		return err
	}
	if err := w.set(timeMsgKey(m.CreatedAt, m.ID), nil); err != nil {
		return err
	}
	return w.countMessage(m, 1)
}

// unlinkMessage removes what linkMessage added (the record itself is the
// caller's business).
func (w *writer) unlinkMessage(m *model.Message) error {
	if err := w.del(convMsgKey(m.ConversationID, m.Seq, m.ID)); err != nil {
		return err
	}
	if err := w.del(timeMsgKey(m.CreatedAt, m.ID)); err != nil {
		return err
	}
	return w.countMessage(m, -1)
}

func (w *writer) countMessage(m *model.Message, sign int) error {
	w.count("messages", int64(sign))
	if len(m.Findings) > 0 {
		w.count("flagged", int64(sign))
	}
	w.count("day/"+m.CreatedAt.UTC().Format("2006-01-02"), int64(sign))
	for _, f := range m.Findings {
		w.count("ftype/"+f.Type, int64(sign))
	}
	a, err := w.agg(m.ConversationID)
	if err != nil {
		return err
	}
	a.add(m, sign)
	return nil
}
