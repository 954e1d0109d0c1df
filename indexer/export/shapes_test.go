package export

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The delivery shapes of section B.1 of the reference: folders, manifest
// category zips, conversations-NNNN.json batches and legacy batch zips. Each
// must yield the same records as the plain files.
func TestDeliveryShapes(t *testing.T) {
	users := readTestdata(t, "users.json")
	c24, c25, c26 := readTestdata(t, "2024/conversations.json"), readTestdata(t, "2025/conversations.json"),
		readTestdata(t, "2026/conversations.json")
	const wantConvs, wantMsgs, wantUsers = 8, 18, 3

	tests := []struct {
		name        string
		build       func(t *testing.T, dir string) []string
		wantSkipped int
	}{
		{"plain files, users given last", func(t *testing.T, dir string) []string {
			return []string{
				writeFile(t, dir, "a/conversations.json", c24), writeFile(t, dir, "b/conversations.json", c25),
				writeFile(t, dir, "c/conversations.json", c26), writeFile(t, dir, "users.json", users),
			}
		}, 0},
		{"legacy folder data-…-batch-0000", func(t *testing.T, dir string) []string {
			d := "data-2025-10-06-00-55-16-batch-0000/"
			writeFile(t, dir, d+"users.json", users)
			writeFile(t, dir, d+"projects.json", []byte(`[{"uuid":"p1","name":"Docs","docs":[]}]`))
			writeFile(t, dir, d+"memories.json", []byte(`[{"conversations_memory":"likes Go","account_uuid":"a"}]`))
			writeFile(t, dir, d+"conversations-0000.json", c24)
			writeFile(t, dir, d+"conversations-0001.json", c25)
			writeFile(t, dir, d+"conversations-0002.json", c26)
			writeFile(t, dir, d+".DS_Store", []byte{0, 1})
			return []string{filepath.Join(dir, d)}
		}, 2},
		{"2026 manifest with category zips", func(t *testing.T, dir string) []string {
			writeFile(t, dir, "manifest-019d0000-1758214787-ab12cd-2026-09-18-16-59-47.json", []byte(
				`{"created_at":"2026-09-18T16:59:47.566776+00:00","data_files":[{"batch_index":0,"category":"light_metadata","filename":"light_metadata-000.zip","part":0}],"total_files":1,"version":"1.0"}`))
			writeZip(t, dir, "light_metadata-000.zip", zipEntry{Name: "users.json", Data: users},
				zipEntry{Name: "login_history.json", Data: []byte(`[]`)})
			writeZip(t, dir, "conversations-000.zip", zipEntry{Name: "conversations.json", Data: c24})
			writeZip(t, dir, "conversations-001.zip", zipEntry{Name: "conversations.json", Data: c25},
				zipEntry{Name: "conversations-0001.json", Data: c26})
			writeZip(t, dir, "projects-000.zip", zipEntry{Name: "projects/019e0000-1111-7222-8333-444455556666.json", Data: []byte(`{"uuid":"x"}`)})
			writeZip(t, dir, "memories-000.zip", zipEntry{Name: "memories/a55a05c0.json", Data: []byte(`{"memory_files":[]}`)})
			writeZip(t, dir, "design_chats-000.zip", zipEntry{Name: "design_chats/d1.json", Data: []byte(`{}`)})
			writeZip(t, dir, "frames-000.zip", zipEntry{Name: "artifacts/a1/index.html", Data: []byte(`<html></html>`), Method: 0})
			return []string{dir}
		}, 6},
		{"legacy batch zip with a folder inside", func(t *testing.T, dir string) []string {
			d := "data-2025-10-06-00-55-16-batch-0000/"
			return []string{writeZip(t, dir, "data-0b1c2d3e-2025-10-06-00-55-16-9f8e-batch-0000.zip",
				zipEntry{Name: d + "conversations.json", Data: c24},
				zipEntry{Name: d + "projects.json", Data: []byte(`[]`)},
				zipEntry{Name: d + "users.json", Data: users}),
				writeZip(t, dir, "data-0b1c2d3e-2025-10-06-00-55-16-9f8e-batch-0001.zip",
					zipEntry{Name: d + "conversations.json", Data: c25}, zipEntry{Name: d + "conversations-0001.json", Data: c26, Method: 0 /* stored */})}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newMemSink()
			rep, ev := runImport(t, sink, Limits{}, tt.build(t, t.TempDir())...)
			if len(rep.Errors) != 0 {
				t.Fatalf("errors: %+v", rep.Errors)
			}
			if rep.Conversations != wantConvs || rep.Messages != wantMsgs || rep.Users != wantUsers || rep.Skipped != tt.wantSkipped {
				t.Errorf("report %d conversations %d messages %d users %d skipped, want %d %d %d %d (notes %q)",
					rep.Conversations, rep.Messages, rep.Users, rep.Skipped, wantConvs, wantMsgs, wantUsers, tt.wantSkipped, rep.Notes)
			}
			if len(sink.convs) != wantConvs || len(sink.msgs) != wantMsgs || len(sink.users) != wantUsers {
				t.Errorf("stored %d/%d/%d", len(sink.convs), len(sink.msgs), len(sink.users))
			}
			// users.json is read first so names resolve as conversations land.
			if len(sink.batches) == 0 || len(sink.batches[0].Users) != wantUsers || len(sink.batches[0].Conversations) != 0 {
				t.Errorf("first batch is not the users alone: %d users, %d conversations",
					len(sink.batches[0].Users), len(sink.batches[0].Conversations))
			}
			last := ev.events[len(ev.events)-1]
			if last.State != "done" || last.Done != last.Total || last.Total == 0 {
				t.Errorf("last event %+v", last)
			}
			for _, n := range rep.Notes[:rep.Skipped] {
				if !strings.Contains(n, "skipped") {
					t.Errorf("note %q", n)
				}
			}
		})
	}
}

// TestManifestMissingZip: a manifest-style delivery where one conversations
// zip was never downloaded must not look complete.
func TestManifestMissingZip(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "manifest-019d-1758214787-ab12-2026-09-18-16-59-47.json", []byte(`{"data_files":[
		{"batch_index":0,"category":"light_metadata","filename":"light_metadata-000.zip","part":0},
		{"batch_index":1,"category":"projects","filename":"projects-000.zip","part":0},
		{"batch_index":2,"category":"conversations","filename":"conversations-000.zip","part":0},
		{"batch_index":3,"category":"conversations","filename":"conversations-001.zip","part":1}],"version":"1.0"}`))
	writeZip(t, dir, "light_metadata-000.zip", zipEntry{Name: "users.json", Data: readTestdata(t, "users.json")})
	writeZip(t, dir, "conversations-000.zip", zipEntry{Name: "conversations.json", Data: readTestdata(t, "2024/conversations.json")})
	sink := newMemSink()
	rep, _ := runImport(t, sink, Limits{}, dir)
	if rep.Conversations != 3 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Err, "lists conversations-001.zip, which is not among the inputs") {
		t.Fatalf("report %+v", rep)
	}
	if !errors.Is(rep.Outcome(), ErrIncomplete) {
		t.Errorf("Outcome() = %v", rep.Outcome())
	}
}

// TestManySkippedEntries: a frames zip of many artifact files is one note
// but counts every file.
func TestManySkippedEntries(t *testing.T) {
	dir := t.TempDir()
	var entries []zipEntry
	for i := range 40 {
		entries = append(entries, zipEntry{Name: fmt.Sprintf("artifacts/a%d/index.html", i), Data: []byte("<p>hi</p>")})
	}
	frames := writeZip(t, dir, "frames-000.zip", entries...)
	users := writeFile(t, dir, "users.json", readTestdata(t, "users.json"))
	rep, _ := runImport(t, newMemSink(), Limits{}, frames, users)
	if rep.Skipped != 40 || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "40 entries that are not chat data skipped") {
		t.Errorf("skipped %d, notes %q", rep.Skipped, rep.Notes)
	}
}
