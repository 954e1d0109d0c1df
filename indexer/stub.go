package indexer

import (
	"encoding/binary"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// A message's time-index key (tm/) carries a stub: the few fields its
// counters and secondary keys depend on. Deleting a date range then walks the
// time index alone instead of reading every message record, a random read
// each (two thirds of a deletion's time before the stub). Keys written
// before stubs existed have an empty value; readers fall back to the record.
type msgStub struct {
	Conv     string      `json:"c"`
	Seq      int         `json:"s,omitempty"`
	Role     string      `json:"r,omitempty"`
	Findings [][2]string `json:"f,omitempty"` // type, severity: one per finding
	Tools    []string    `json:"t,omitempty"`
	Scanned  string      `json:"v,omitempty"` // ScannedBy: a re-scan finds stale messages from the stubs alone
}

func encodeStub(m *model.Message) ([]byte, error) {
	s := msgStub{Conv: m.ConversationID, Seq: m.Seq, Role: string(m.Role), Tools: m.ToolNames(), Scanned: m.ScannedBy}
	for _, f := range m.Findings {
		s.Findings = append(s.Findings, [2]string{f.Type, string(f.Severity)})
	}
	return json.Marshal(&s)
}

// decodeStub rebuilds, from a tm/ key and its stub, a message that counts and
// unlinks exactly like the stored one.
func decodeStub(k, v []byte) (*model.Message, error) {
	var s msgStub
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	rest := k[len(pTimeMsg):]
	nanos := int64(binary.BigEndian.Uint64(rest[:8]) ^ (1 << 63))
	m := &model.Message{ID: string(rest[8:]), ConversationID: s.Conv, Seq: s.Seq, Role: model.Role(s.Role),
		CreatedAt: time.Unix(0, nanos).UTC(), ScannedBy: s.Scanned}
	for _, f := range s.Findings {
		m.Findings = append(m.Findings, model.Finding{Type: f[0], Severity: model.Severity(f[1])})
	}
	for _, t := range s.Tools {
		m.Blocks = append(m.Blocks, model.Block{Type: model.BlockToolUse, ToolName: t})
	}
	return m, nil
}
