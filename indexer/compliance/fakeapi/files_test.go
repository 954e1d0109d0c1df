package fakeapi

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-json"
)

func fileOrg() *Org {
	return Generate(3, GenOptions{Users: 3, Chats: 12, MaxMessages: 6, DeletedEvery: 6, PlantEvery: 2, FileContent: true})
}

// blobWhere returns the id of the first blob (in chat and message order)
// that matches.
func blobWhere(org *Org, match func(id string, b *Blob) bool) string {
	for _, c := range org.Chats {
		for _, m := range c.Messages {
			var ids []string
			for _, f := range m.Files {
				ids = append(ids, f.ID)
			}
			for _, f := range m.GeneratedFiles {
				ids = append(ids, f.ID)
			}
			for _, a := range m.Artifacts {
				ids = append(ids, a.VersionID)
			}
			for _, id := range ids {
				if b := org.Blobs[id]; b != nil && match(id, b) {
					return id
				}
			}
		}
	}
	return ""
}

func liveChat(org *Org, b *Blob) bool {
	c := org.Chat(b.ChatID)
	return c != nil && c.DeletedAt == nil
}

// contentGolden renders a content response as JSON for its golden file.
func contentGolden(resp *http.Response, body []byte) []byte {
	out, _ := json.Marshal(map[string]any{"status": resp.StatusCode,
		"content-type": resp.Header.Get("content-type"), "content-disposition": resp.Header.Get("content-disposition"),
		"content-md5": resp.Header.Get("content-md5"), "body": string(body)})
	return out
}

// TestFilesWireGolden pins the file, generated-file and artifact endpoints
// and their 404s to the reference's shapes (§5).
func TestFilesWireGolden(t *testing.T) {
	org := fileOrg()
	upload := blobWhere(org, func(id string, b *Blob) bool {
		return b.Kind == BlobFile && b.MimeType == "text/plain" && liveChat(org, b)
	})
	genAsFile := blobWhere(org, func(id string, b *Blob) bool {
		return b.Kind == BlobFile && strings.HasSuffix(b.Filename, ".csv") && liveChat(org, b)
	})
	generated := blobWhere(org, func(id string, b *Blob) bool { return b.Kind == BlobGenerated && liveChat(org, b) })
	artifact := blobWhere(org, func(id string, b *Blob) bool { return b.Kind == BlobArtifact && liveChat(org, b) })
	deleted := blobWhere(org, func(id string, b *Blob) bool { return !liveChat(org, b) })
	for name, id := range map[string]string{"upload": upload, "generated as claude_file_": genAsFile, "generated": generated, "artifact": artifact, "deleted": deleted} {
		if id == "" {
			t.Fatalf("generator made no %s blob", name)
		}
	}
	if !strings.HasPrefix(genAsFile, "claude_file_") || !strings.HasPrefix(generated, "claude_gen_file_") {
		t.Fatalf("generated ids %s %s", genAsFile, generated)
	}
	_, hs := newTestServer(t, org, Options{})
	tests := []struct {
		name, path string
		status     int
		content    bool
	}{
		{"file_meta", "/v1/compliance/apps/chats/files/" + upload, 200, false},
		{"file_content", "/v1/compliance/apps/chats/files/" + upload + "/content", 200, true},
		{"file_generated_meta", "/v1/compliance/apps/chats/files/" + genAsFile, 200, false},
		{"generated_meta", "/v1/compliance/apps/chats/generated-files/" + generated, 200, false},
		{"generated_content", "/v1/compliance/apps/chats/generated-files/" + generated + "/content", 200, true},
		{"artifact_meta", "/v1/compliance/apps/artifacts/" + artifact, 200, false},
		{"artifact_content", "/v1/compliance/apps/artifacts/" + artifact + "/content", 200, false},
		{"error_file_not_found", "/v1/compliance/apps/chats/files/claude_file_01nope", 404, false},
		{"error_file_deleted_chat", "/v1/compliance/apps/chats/files/" + deleted + "/content", 404, false},
		{"error_generated_not_found", "/v1/compliance/apps/chats/generated-files/claude_gen_file_01nope", 404, false},
		{"error_generated_content_not_found", "/v1/compliance/apps/chats/generated-files/claude_gen_file_01nope/content", 404, false},
		{"error_artifact_not_found", "/v1/compliance/apps/artifacts/claude_artifact_version_01nope/content", 404, false},
		// A claude_file_ id asked on the generated-files endpoint is not
		// found there: the prefix decides the endpoint.
		{"error_generated_wrong_endpoint", "/v1/compliance/apps/chats/generated-files/" + genAsFile, 404, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, hs.URL, tc.path, nil, testKey)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.content {
				body = contentGolden(resp, body)
			}
			golden(t, tc.name, bytes.ReplaceAll(body, []byte(resp.Header.Get("request-id")), []byte("req_x")))
		})
	}
}

// TestFileContentHeaders: Content-MD5 is the base64 MD5 of the served
// bytes, equal to the listing's hex md5, and the file name round-trips
// through the extended Content-Disposition form.
func TestFileContentHeaders(t *testing.T) {
	org := fileOrg()
	_, hs := newTestServer(t, org, Options{})
	n := 0
	for _, c := range org.Chats {
		if c.DeletedAt != nil {
			continue
		}
		for _, m := range c.Messages {
			for _, f := range append(append([]File(nil), m.Files...), m.GeneratedFiles...) {
				path := "/v1/compliance/apps/chats/files/"
				if strings.HasPrefix(f.ID, "claude_gen_file_") {
					path = "/v1/compliance/apps/chats/generated-files/"
				}
				resp, body := get(t, hs.URL, path+f.ID+"/content", nil, testKey)
				sum := md5.Sum(body)
				if resp.StatusCode != 200 || resp.Header.Get("content-md5") != base64.StdEncoding.EncodeToString(sum[:]) ||
					f.MD5 != md5Hex(body) || f.SizeBytes != int64(len(body)) {
					t.Errorf("%s: status %d md5 header %s listed %s size %d/%d", f.ID, resp.StatusCode, resp.Header.Get("content-md5"), f.MD5, f.SizeBytes, len(body))
				}
				if !strings.Contains(resp.Header.Get("content-disposition"), "filename*=utf-8''") {
					t.Errorf("%s: disposition %q", f.ID, resp.Header.Get("content-disposition"))
				}
				n++
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d files served", n)
	}
}

// TestFileFaults: each per-file fault looks on the wire as it would from
// the real API.
func TestFileFaults(t *testing.T) {
	org := fileOrg()
	id := blobWhere(org, func(id string, b *Blob) bool {
		return b.Kind == BlobFile && b.MimeType == "text/plain" && liveChat(org, b)
	})
	s, hs := newTestServer(t, org, Options{})
	path := "/v1/compliance/apps/chats/files/" + id + "/content"

	if err := s.SetFileFault(id, FileFaultNotFound); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, hs.URL, path, nil, testKey); resp.StatusCode != 404 || !bytes.Contains(body, []byte("File not found: "+org.Blobs[id].UUID)) {
		t.Errorf("not found: %d %s", resp.StatusCode, body)
	}

	_ = s.SetFileFault(id, FileFaultOversize)
	if resp, body := get(t, hs.URL, path, nil, testKey); resp.StatusCode != 200 || len(body) != oversize {
		t.Errorf("oversize: %d, %d bytes", resp.StatusCode, len(body))
	}

	_ = s.SetFileFault(id, FileFaultMD5Mismatch)
	resp, body := get(t, hs.URL, path, nil, testKey)
	sum := md5.Sum(body)
	if resp.Header.Get("content-md5") == base64.StdEncoding.EncodeToString(sum[:]) {
		t.Error("md5 mismatch fault sent a matching Content-MD5")
	}

	_ = s.SetFileFault(id, FileFaultCutBody)
	req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
	req.Header.Set("x-api-key", testKey)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r2.Body)
	r2.Body.Close()
	if err == nil {
		t.Error("cut body read to the end without error")
	}

	if s.SetFileFault("claude_file_01nope", FileFaultNotFound) == nil {
		t.Error("fault on an unknown id accepted")
	}
}

// TestBlobsReferencedAndPlanted: with FileContent every reference has
// bytes, artifacts have 2–4 versions under one id, and some file text
// carries a planted secret at its recorded offset.
func TestBlobsReferencedAndPlanted(t *testing.T) {
	org := fileOrg()
	versions := map[string]int{}
	plants := 0
	for _, c := range org.Chats {
		for _, m := range c.Messages {
			for _, f := range append(append([]File(nil), m.Files...), m.GeneratedFiles...) {
				if org.Blobs[f.ID] == nil {
					t.Errorf("%s has no blob", f.ID)
				}
			}
			for _, a := range m.Artifacts {
				b := org.Blobs[a.VersionID]
				if b == nil || b.ArtifactID != a.ID {
					t.Errorf("artifact %s/%s: blob %+v", a.ID, a.VersionID, b)
				}
				versions[a.ID]++
			}
		}
	}
	multi := 0
	for _, n := range versions {
		if n >= 2 && n <= 4 {
			multi++
		}
	}
	for _, b := range org.Blobs {
		for _, p := range b.Plants {
			if !bytes.Equal(b.Data[p.Offset:p.Offset+len(p.Value)], []byte(p.Value)) {
				t.Errorf("plant %s not at offset %d", p.Value, p.Offset)
			}
			plants++
		}
	}
	if multi == 0 || plants == 0 {
		t.Errorf("%d multi-version artifacts, %d planted file secrets", multi, plants)
	}
	// Another stream's content does not change the chats a seed gives.
	plain := Generate(3, GenOptions{Users: 3, Chats: 12, MaxMessages: 6, DeletedEvery: 6, PlantEvery: 2})
	if plain.Chats[0].ID != org.Chats[0].ID || plain.Chats[0].Messages[0].ID != org.Chats[0].Messages[0].ID {
		t.Error("FileContent changed the generated chats")
	}
}
