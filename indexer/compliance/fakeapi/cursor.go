package fakeapi

import (
	"encoding/base64"
	"errors"
	"time"

	"github.com/goccy/go-json"
)

// Cursors mimic the observed ones: base64 of a small JSON object. Clients
// must treat them as opaque; the fake decodes its own.

type chatCursor struct {
	K  string `json:"k"`
	T  string `json:"t"`
	ID string `json:"id"`
}

const cursorTime = "2006-01-02T15:04:05.000000-07:00"

func encodeChatCursor(key string, t time.Time, id string) string {
	b, _ := json.Marshal(chatCursor{K: key, T: t.UTC().Format("2006-01-02T15:04:05.000000+00:00"), ID: id})
	return base64.StdEncoding.EncodeToString(b)
}

var errCursor = errors.New("invalid cursor")

func decodeChatCursor(s string) (chatCursor, time.Time, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return chatCursor{}, time.Time{}, errCursor
	}
	var c chatCursor
	if json.Unmarshal(b, &c) != nil || c.ID == "" {
		return chatCursor{}, time.Time{}, errCursor
	}
	t, err := time.Parse(cursorTime, c.T)
	if err != nil {
		return chatCursor{}, time.Time{}, errCursor
	}
	return c, t, nil
}

type msgCursor struct {
	MsgUUID string `json:"msg_uuid"`
}

func encodeMsgCursor(uuid string) string {
	b, _ := json.Marshal(msgCursor{MsgUUID: uuid})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeMsgCursor(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", errCursor
	}
	var c msgCursor
	if json.Unmarshal(b, &c) != nil || c.MsgUUID == "" {
		return "", errCursor
	}
	return c.MsgUUID, nil
}

type pageToken struct {
	Offset int `json:"o"`
}

func encodePage(off int) string {
	b, _ := json.Marshal(pageToken{Offset: off})
	return base64.StdEncoding.EncodeToString(b)
}

func decodePage(s string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, errCursor
	}
	var p pageToken
	if json.Unmarshal(b, &p) != nil || p.Offset < 0 {
		return 0, errCursor
	}
	return p.Offset, nil
}
