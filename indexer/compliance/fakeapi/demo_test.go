package fakeapi

import (
	"context"
	"slices"
	"testing"
)

// TestDemoAfterFirstSync: the demo serves over loopback with its key, and
// AfterFirstSync deletes two chats in claude.ai and hard-deletes a third,
// once.
func TestDemoAfterFirstSync(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := StartDemo(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	get := func(path string) int {
		resp, _ := getWithKey(t, d.URL+path, d.Key)
		return resp
	}
	if st := get("/v1/compliance/apps/chats"); st != 200 {
		t.Fatalf("demo chats: %d", st)
	}
	deletedBefore := 0
	for _, c := range d.Server.Snapshot().Chats {
		if c.DeletedAt != nil {
			deletedBefore++
		}
	}
	ch, err := d.AfterFirstSync()
	if err != nil || len(ch.UserDeleted) != 2 || len(ch.HardDeleted) != 1 {
		t.Fatalf("AfterFirstSync: %+v %v", ch, err)
	}
	snap := d.Server.Snapshot()
	deleted := 0
	for _, c := range snap.Chats {
		if c.DeletedAt != nil {
			deleted++
		}
	}
	if len(snap.Chats) != 119 || deleted != deletedBefore+2 || snap.Chat(ch.HardDeleted[0]) != nil {
		t.Errorf("after: %d chats, %d deleted (was %d)", len(snap.Chats), deleted, deletedBefore)
	}
	for _, id := range ch.UserDeleted {
		if c := snap.Chat(id); c == nil || c.DeletedAt == nil {
			t.Errorf("chat %s not user-deleted", id)
		}
	}
	if st := get("/v1/compliance/apps/chats/" + ch.HardDeleted[0] + "/messages"); st != 404 {
		t.Errorf("hard-deleted chat messages: %d", st)
	}
	again, err := d.AfterFirstSync()
	if err != nil || !slices.Equal(again.UserDeleted, ch.UserDeleted) || len(d.Server.Snapshot().Chats) != 119 {
		t.Errorf("second AfterFirstSync acted again: %+v %v", again, err)
	}
	d.Stop()
	d.Stop()
}
