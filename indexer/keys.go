package indexer

import (
	"encoding/binary"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
)

// Badger key layout. Records are JSON values under a one-letter prefix;
// secondary keys carry no value and exist to be range-scanned. IDs never
// contain NUL, so "\x00" ends an id inside a composite key and keeps prefix
// scans of one conversation or user exact.
//
//	m/<msg>                          message record
//	c/<conv>                         conversation record (as the source sent it)
//	ca/<conv>                        conversation aggregates (counts kept at ingest)
//	u/<user>                         user record
//	ua/<alias>                       alias → user id
//	cm/<conv>\0<seq:8><msg>          a conversation's messages in source order
//	tm/<created:8><msg>              messages by creation time
//	tc/<created:8><conv>             conversations by creation time
//	uc/<user>\0<created:8><conv>     a user's conversations by time
//	ob/<kind>/<id>                   index outbox: docs to (re)index or delete in Bleve
//	hq/<msg>\0<hold>                 a message a hold's frozen query matched (value empty)
//	hm/<hold>\0<msg>                 the same, per hold (value: the message's conversation id)
//	st/<counter>                     analytics counters (int64)
//	meta/<key>                       checkpoints, settings, accounts, audit trail
const (
	pMessage  = "m/"
	pConv     = "c/"
	pConvAgg  = "ca/"
	pUser     = "u/"
	pAlias    = "ua/"
	pConvMsg  = "cm/"
	pTimeMsg  = "tm/"
	pTimeConv = "tc/"
	pUserConv = "uc/"
	pOutbox   = "ob/"
	pStat     = "st/"
	pMeta     = "meta/"
	pHoldMsg  = "hq/"
	pHoldMem  = "hm/"
)

// Outbox kinds: a message doc, a conversation doc, a conversation with all of
// its messages (owner or model changed), every conversation of a user (name
// or email changed), or a month's partition to drop. Coarse entries are expanded when applied so a rename of a
// prolific user is one small key in the ingest transaction.
const (
	obMessage  = "m/"
	obConv     = "c/"
	obConvDeep = "cm/"
	obUser     = "u/"
	obDrop     = "p/" // a month's whole partition (DeleteRange)
)

func key(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func be64(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return string(b[:])
}

// timeKey orders times by Unix nanoseconds (offset binary, so negative ones
// sort first). Outside 1678–2262 UnixNano wraps around and the key lands
// anywhere: what is written or scanned passes through the window checks
// first (timewindow.go); only keys of records older versions stored are
// ever made from a time outside it, to delete them.
func timeKey(t time.Time) string { return be64(uint64(t.UnixNano()) ^ (1 << 63)) }

func seqKey(seq int) string { return be64(uint64(int64(seq)) ^ (1 << 63)) }

// seqFromKey reads back what seqKey wrote.
func seqFromKey(b []byte) int { return int(int64(binary.BigEndian.Uint64(b) ^ (1 << 63))) }

func convMsgPrefix(conv string) []byte { return key(pConvMsg, conv, "\x00") }

func convMsgKey(conv string, seq int, msg string) []byte {
	return key(pConvMsg, conv, "\x00", seqKey(seq), msg)
}

func timeMsgKey(t time.Time, msg string) []byte   { return key(pTimeMsg, timeKey(t), msg) }
func timeConvKey(t time.Time, conv string) []byte { return key(pTimeConv, timeKey(t), conv) }
func userConvPrefix(user string) []byte           { return key(pUserConv, user, "\x00") }
func userConvKey(user string, t time.Time, conv string) []byte {
	return key(pUserConv, user, "\x00", timeKey(t), conv)
}

// Bleve document ids carry the kind so message and conversation ids never collide.
func messageDocID(id string) string { return docmap.MessageID(id) }
func convDocID(id string) string    { return docmap.ConversationID(id) }
