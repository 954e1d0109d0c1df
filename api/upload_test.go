package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recordingImporter reads the files it is handed, as the real importer
// would, and removes them (it owns them).
type recordingImporter struct {
	mu    sync.Mutex
	calls [][]string        // base names per call
	data  map[string][]byte // base name -> content of the last call
}

func (r *recordingImporter) Import(ctx context.Context, paths []string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	r.data = map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		names = append(names, filepath.Base(p))
		r.data[filepath.Base(p)] = b
		_ = os.Remove(p)
	}
	r.calls = append(r.calls, names)
	return fmt.Sprintf("import-%d", len(r.calls)), nil
}

type upPart struct {
	field, filename string
	content         []byte
}

func multipartBody(t *testing.T, parts ...upPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		var fw interface{ Write([]byte) (int, error) }
		if p.filename == "" {
			fw, err = w.CreateFormField(p.field)
		} else {
			fw, err = w.CreateFormFile(p.field, p.filename)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	return zipBytes(files)
}

// zipBytes builds an archive in memory; writing to a buffer cannot fail.
func zipBytes(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		f, _ := zw.Create(name)
		_, _ = f.Write([]byte(content))
	}
	_ = zw.Close()
	return buf.Bytes()
}

func TestUpload(t *testing.T) {
	imp := &recordingImporter{}
	uploadDir := t.TempDir()
	e := newTestEnv(t, func(c *Config) { c.Importer = imp; c.UploadLimit = 4096; c.UploadDir = uploadDir })
	admin := e.admin()
	convs := []byte(`[{"uuid":"c1","chat_messages":[]}]`)
	users := []byte(`[{"uuid":"u1","full_name":"A"}]`)
	big := bytes.Repeat([]byte("x"), 5000)
	for _, tc := range []struct {
		name      string
		parts     []upPart
		rawBody   string // instead of parts
		ct        string
		status    int
		wantFiles string // importer call, comma-joined
	}{
		{"conversations only", []upPart{{"file", "conversations.json", convs}}, "", "", 202, "conversations.json"},
		{"both files", []upPart{{"file", "conversations.json", convs}, {"file", "users.json", users}}, "", "", 202, "users.json,conversations.json"},
		{"zip export", []upPart{{"file", "export.zip", zipOf(t, map[string]string{
			"data-2026/conversations.json": string(convs), "data-2026/users.json": string(users), "data-2026/projects.json": "[]"})}},
			"", "", 202, "users.json,conversations.json"},
		{"zip traversal", []upPart{{"file", "export.zip", zipOf(t, map[string]string{
			"../../etc/conversations.json": string(convs)})}}, "", "", 400, ""},
		{"zip absolute", []upPart{{"file", "export.zip", zipOf(t, map[string]string{
			"/tmp/conversations.json": string(convs)})}}, "", "", 400, ""},
		{"zip backslash traversal", []upPart{{"file", "export.zip", zipOf(t, map[string]string{
			`..\..\conversations.json`: string(convs)})}}, "", "", 400, ""},
		{"zip bomb entry", []upPart{{"file", "export.zip", zipOf(t, map[string]string{
			"conversations.json": strings.Repeat("a", 100000)})}}, "", "", 413, ""},
		{"not a zip", []upPart{{"file", "export.zip", []byte("PK not really")}}, "", "", 400, ""},
		{"users only", []upPart{{"file", "users.json", users}}, "", "", 400, ""},
		{"unexpected file", []upPart{{"file", "passwd", []byte("root:x")}}, "", "", 400, ""},
		{"traversal file name", []upPart{{"file", "../../conversations.json", convs}}, "", "", 202, "conversations.json"},
		{"duplicate", []upPart{{"file", "conversations.json", convs}, {"file", "conversations.json", convs}}, "", "", 400, ""},
		{"field not file", []upPart{{"note", "", []byte("hi")}}, "", "", 400, ""},
		{"oversized", []upPart{{"file", "conversations.json", big}}, "", "", 413, ""},
		{"malformed multipart", nil, "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"conversations.json\"\r\n\r\nabc", "multipart/form-data; boundary=xyz", 400, ""},
		{"not multipart", nil, `{"a":1}`, "application/json", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(imp.calls)
			var body []byte
			ct := tc.ct
			if tc.parts != nil {
				body, ct = multipartBody(t, tc.parts...)
			} else {
				body = []byte(tc.rawBody)
			}
			req := httptest.NewRequest("POST", "/api/v1/imports", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.AddCookie(cookieOf(admin))
			req.Header.Set(csrfHeader, admin.csrf)
			resp, b := e.send(req)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status != 202 {
				if errorType(t, b) == "" {
					t.Errorf("error not in the API's shape: %s", b)
				}
				if len(imp.calls) != before {
					t.Errorf("importer called for a refused upload")
				}
			} else {
				if len(imp.calls) != before+1 || strings.Join(imp.calls[before], ",") != tc.wantFiles {
					t.Fatalf("importer calls %v, want %s", imp.calls, tc.wantFiles)
				}
				if !bytes.Equal(imp.data["conversations.json"], convs) {
					t.Errorf("conversations.json arrived as %q", imp.data["conversations.json"])
				}
			}
			// Refused uploads leave nothing behind.
			left, _ := filepath.Glob(filepath.Join(uploadDir, "*", "*"))
			if len(left) != 0 {
				t.Errorf("files left in the upload dir: %v", left)
			}
		})
	}
	entries, _, err := e.srv.audit.latest(auditFilter{Action: "import"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d imports audited, want 4", len(entries))
	}
}

func cookieOf(c *client) *http.Cookie { return &http.Cookie{Name: sessionCookie, Value: c.cookie} }

// One request has one budget: a small zip whose entries are each under the
// limit but together (with the zip) over it is refused, not extracted.
func TestUploadSharedBudget(t *testing.T) {
	imp := &recordingImporter{}
	uploadDir := t.TempDir()
	e := newTestEnv(t, func(c *Config) { c.Importer = imp; c.UploadLimit = 4096; c.UploadDir = uploadDir })
	admin := e.admin()
	pad := strings.Repeat(" ", 3000) // compresses to almost nothing
	zipped := zipOf(t, map[string]string{
		"conversations.json": `[{"uuid":"c1","chat_messages":[]}]` + pad,
		"users.json":         `[{"uuid":"u1","full_name":"A"}]` + pad,
	})
	body, ct := multipartBody(t, upPart{"file", "export.zip", zipped})
	if len(body) >= 4096 {
		t.Fatalf("test body is %d bytes; it must be under the limit", len(body))
	}
	req := httptest.NewRequest("POST", "/api/v1/imports", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.AddCookie(cookieOf(admin))
	req.Header.Set(csrfHeader, admin.csrf)
	resp, b := e.send(req)
	if resp.StatusCode != 413 {
		t.Fatalf("got %d %s, want 413: zip plus extracted files exceed the limit", resp.StatusCode, b)
	}
	if len(imp.calls) != 0 {
		t.Errorf("importer called for a refused upload")
	}
	left, _ := filepath.Glob(filepath.Join(uploadDir, "*", "*"))
	if len(left) != 0 {
		t.Errorf("files left in the upload dir: %v", left)
	}
}

// TestUploadRefusesWhatCannotBeAnExport: a file that is empty or plainly
// not JSON was accepted (202) and failed later, with the reason only in the
// server log. What can be told from the first bytes is answered at once
// with a 400 naming the file; the rest is the import job's to report.
func TestUploadRefusesWhatCannotBeAnExport(t *testing.T) {
	imp := &recordingImporter{}
	uploadDir := t.TempDir()
	e := newTestEnv(t, func(c *Config) { c.Importer = imp; c.UploadLimit = 1 << 20; c.UploadDir = uploadDir })
	admin := e.admin()
	convs := `[{"uuid":"c1","chat_messages":[]}]`
	for _, tc := range []struct {
		name   string
		parts  []upPart
		status int
		want   string // in the error message
	}{
		{"empty conversations.json", []upPart{{"file", "conversations.json", nil}}, 400, "conversations.json is empty"},
		{"only whitespace", []upPart{{"file", "conversations.json", []byte(" \n\t\r\n ")}}, 400, "conversations.json is empty"},
		{"empty users.json", []upPart{{"file", "conversations.json", []byte(convs)}, {"file", "users.json", nil}}, 400, "users.json is empty"},
		{"plain text", []upPart{{"file", "conversations.json", []byte("hello, this is not JSON")}}, 400, `conversations.json is not JSON: it starts with "h" at byte 0`},
		{"HTML error page", []upPart{{"file", "conversations.json", []byte("\n  <!doctype html><title>502</title>")}}, 400, `it starts with "<" at byte 3`},
		{"a JSON string", []upPart{{"file", "users.json", []byte(`"[]"`)}, {"file", "conversations.json", []byte(convs)}}, 400, "users.json is not JSON"},
		{"binary", []upPart{{"file", "conversations.json", []byte{0x1f, 0x8b, 0x08, 0x00}}}, 400, "byte 0x1f at byte 0"},
		{"empty inside a zip", []upPart{{"file", "export.zip", zipOf(t, map[string]string{"data/conversations.json": ""})}}, 400, "conversations.json is empty"},
		{"not JSON inside a zip", []upPart{{"file", "export.zip", zipOf(t, map[string]string{"conversations.json": "id,name\n1,x"})}}, 400, "conversations.json is not JSON"},
		// Accepted: these look like JSON; what is wrong further in is the job's to find.
		{"byte order mark", []upPart{{"file", "conversations.json", append([]byte("\xef\xbb\xbf  "), convs...)}}, 202, ""},
		{"object at the top", []upPart{{"file", "conversations.json", []byte(`{"conversations":[]}`)}}, 202, ""},
		{"deep, found later", []upPart{{"file", "conversations.json", []byte(strings.Repeat("[", 5000))}}, 202, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(imp.calls)
			body, ct := multipartBody(t, tc.parts...)
			req := httptest.NewRequest("POST", "/api/v1/imports", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.AddCookie(cookieOf(admin))
			req.Header.Set(csrfHeader, admin.csrf)
			resp, b := e.send(req)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status == 202 {
				if len(imp.calls) != before+1 {
					t.Fatal("importer not called")
				}
				return
			}
			var e struct {
				Error struct{ Type, Message string } `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Error.Type != "bad_request" || !strings.Contains(e.Error.Message, tc.want) {
				t.Errorf("body %s, want a bad_request naming %q", b, tc.want)
			}
			if len(imp.calls) != before {
				t.Error("importer called for a refused upload")
			}
			if left, _ := filepath.Glob(filepath.Join(uploadDir, "*", "*")); len(left) != 0 {
				t.Errorf("files left in the upload dir: %v", left)
			}
		})
	}
}
