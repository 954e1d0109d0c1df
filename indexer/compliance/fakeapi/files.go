package fakeapi

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Blob is the content behind a file, generated-file or artifact version id.
type Blob struct {
	Filename string
	MimeType string
	Data     []byte
	Kind     string // BlobFile, BlobGenerated or BlobArtifact
	// UUID is the file's underlying id, which "File not found: <uuid>" names
	// instead of the claude_file_… id.
	UUID       string
	ChatID     string
	MessageIDs []string
	CreatedAt  time.Time
	// Artifact versions: the artifact id shared by all versions, this
	// version's id (also the Blobs key) and its title.
	ArtifactID, VersionID, Title string
	// Plants are the sensitive values in Data; Offset is a byte offset into
	// Data and Block is -1.
	Plants []Plant
	Fault  FileFault
}

// Blob kinds: which endpoint family serves the id.
const (
	BlobFile      = "file"      // chats/files/{claude_file_…}, uploads and some generated files
	BlobGenerated = "generated" // chats/generated-files/{claude_gen_file_…}
	BlobArtifact  = "artifact"  // artifacts/{claude_artifact_version_…}
)

// FileFault makes one file, generated file or artifact version misbehave.
type FileFault int

const (
	FileFaultNone FileFault = iota
	// FileFaultNotFound answers 404 on both endpoints, as for a file
	// deleted between listing and fetching.
	FileFaultNotFound
	// FileFaultOversize serves (and describes) a 3 MiB text body.
	FileFaultOversize
	// FileFaultMD5Mismatch sends a Content-MD5 that does not match the body.
	FileFaultMD5Mismatch
	// FileFaultCutBody ends the content response halfway through.
	FileFaultCutBody
)

// SetFileFault sets or clears (FileFaultNone) a fault on a blob id.
func (s *Server) SetFileFault(id string, f FileFault) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.org.Blobs[id]
	if b == nil {
		return fmt.Errorf("fakeapi: no file %s", id)
	}
	b.Fault = f
	return nil
}

// oversize is the body size of FileFaultOversize.
const oversize = 3 << 20

// genBlobs gives every file and artifact reference of the chats bytes to
// fetch, and adds references the chat generator does not make: text uploads
// carrying planted secrets, a PDF stored as extracted text, generated files
// under both id prefixes, and artifacts revised two to four times.
func genBlobs(org *Org, r *rand.Rand, o GenOptions) {
	if !o.FileContent {
		return
	}
	org.Blobs = map[string]*Blob{}
	var multi, genAsFile, genText, textUpload bool
	for i, c := range org.Chats {
		users, assistants := roleIndexes(c)
		if len(users) > 0 && (i%4 == 1 || !textUpload) {
			textUpload = true
			addUpload(r, org, c, users[0], "notes-"+strconv.Itoa(i)+".txt", "text/plain", true)
			if i%8 == 1 {
				addUpload(r, org, c, users[0], "scan-"+strconv.Itoa(i)+".png", "image/png", false)
			}
		}
		if len(assistants) > 0 && (i%6 == 2 || !genAsFile) {
			genAsFile = true
			m := &c.Messages[assistants[0]]
			id := tagged(r, "claude_file_")
			b := addBlob(org, r, id, BlobFile, "summary-"+strconv.Itoa(i)+".csv", "text/csv", c, m, csvText(r, c.Name))
			m.GeneratedFiles = append(m.GeneratedFiles, fileRef(id, b))
		}
		if len(assistants) > 0 && (i%7 == 4 || !genText) {
			genText = true
			m := &c.Messages[assistants[len(assistants)-1]]
			id := tagged(r, "claude_gen_file_")
			b := addBlob(org, r, id, BlobGenerated, "report-"+strconv.Itoa(i)+".md", "text/markdown", c, m, content(r, "text/markdown", c.Name))
			m.GeneratedFiles = append(m.GeneratedFiles, fileRef(id, b))
		}
		if len(assistants) > 1 && (i%5 == 3 || !multi) {
			multi = true
			addArtifactVersions(r, org, c, assistants, 2+r.IntN(3))
		}
		for mi := range c.Messages {
			m := &c.Messages[mi]
			for fi := range m.Files {
				f := &m.Files[fi]
				if org.Blobs[f.ID] != nil {
					continue
				}
				b := addBlob(org, r, f.ID, BlobFile, f.Filename, f.MimeType, c, m, content(r, f.MimeType, c.Name))
				*f = fileRef(f.ID, b)
			}
			for fi := range m.GeneratedFiles {
				f := &m.GeneratedFiles[fi]
				if org.Blobs[f.ID] != nil {
					continue
				}
				b := addBlob(org, r, f.ID, BlobGenerated, f.Filename, f.MimeType, c, m, content(r, f.MimeType, c.Name))
				*f = fileRef(f.ID, b)
			}
			for _, a := range m.Artifacts {
				if org.Blobs[a.VersionID] != nil {
					continue
				}
				b := addBlob(org, r, a.VersionID, BlobArtifact, "", a.Type, c, m, []byte(artifactText(r, a.Title, 1)))
				b.ArtifactID, b.VersionID, b.Title = a.ID, a.VersionID, a.Title
			}
		}
	}
}

func roleIndexes(c *Chat) (users, assistants []int) {
	for i, m := range c.Messages {
		if m.Role == "user" {
			users = append(users, i)
		} else {
			assistants = append(assistants, i)
		}
	}
	return users, assistants
}

func addUpload(r *rand.Rand, org *Org, c *Chat, mi int, name, mime string, secret bool) {
	m := &c.Messages[mi]
	id := tagged(r, "claude_file_")
	data := content(r, mime, c.Name)
	var plants []Plant
	if secret {
		kind := pick(r, []string{"aws_access_key", "anthropic_api_key", "credit_card", "email"})
		val := plantValue(r, kind)
		sentence, off := plantSentence(r, kind, val)
		plants = append(plants, Plant{ChatID: c.ID, MessageID: m.ID, Block: -1, Offset: len(data) + 1 + off, Type: kind, Value: val})
		data = append(append(data, '\n'), sentence...)
	}
	b := addBlob(org, r, id, BlobFile, name, mime, c, m, data)
	b.Plants = plants
	m.Files = append(m.Files, fileRef(id, b))
}

// addArtifactVersions revises one artifact n times, a version per assistant
// message (the last message takes any versions left); the second version
// carries a planted secret.
func addArtifactVersions(r *rand.Rand, org *Org, c *Chat, assistants []int, n int) {
	aid := tagged(r, "claude_artifact_")
	title := "Runbook: " + c.Name
	for v := 1; v <= n; v++ {
		m := &c.Messages[assistants[min(v-1, len(assistants)-1)]]
		vid := tagged(r, "claude_artifact_version_")
		text := artifactText(r, title, v)
		var plants []Plant
		if v == 2 {
			val := plantValue(r, "aws_access_key")
			sentence, off := plantSentence(r, "aws_access_key", val)
			plants = append(plants, Plant{ChatID: c.ID, MessageID: m.ID, Block: -1, Offset: len(text) + 1 + off, Type: "aws_access_key", Value: val})
			text += "\n" + sentence
		}
		b := addBlob(org, r, vid, BlobArtifact, "", "text/markdown", c, m, []byte(text))
		b.ArtifactID, b.VersionID, b.Title, b.Plants = aid, vid, title, plants
		m.Artifacts = append(m.Artifacts, Artifact{ID: aid, VersionID: vid, Title: title, Type: "text/markdown"})
	}
}

func addBlob(org *Org, r *rand.Rand, id, kind, name, mime string, c *Chat, m *Message, data []byte) *Blob {
	b := &Blob{Filename: name, MimeType: mime, Data: data, Kind: kind, UUID: uuid(r), ChatID: c.ID,
		MessageIDs: []string{m.ID}, CreatedAt: m.CreatedAt}
	org.Blobs[id] = b
	return b
}

// fileRef is the listing entry of a blob: size and md5 describe what is
// stored, as the reference says.
func fileRef(id string, b *Blob) File {
	return File{ID: id, Filename: b.Filename, MimeType: b.MimeType, SizeBytes: int64(len(b.Data)),
		MD5: md5Hex(b.Data), CreatedAt: b.CreatedAt}
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// artifactWords make each version searchable by a word no other version has.
var artifactWords = []string{"", "kestrel", "quokka", "pangolin", "axolotl"}

func artifactText(r *rand.Rand, title string, version int) string {
	w := artifactWords[min(version, len(artifactWords)-1)]
	return fmt.Sprintf("# %s\n\nRevision %d (%s).\n\n1. Check the dashboards.\n2. %s\n", title, version, w,
		fmt.Sprintf(pick(r, asks), pick(r, topics)))
}

func csvText(r *rand.Rand, title string) []byte {
	var b strings.Builder
	b.WriteString("item,owner,estimate\n")
	for i := 0; i < 3+r.IntN(5); i++ {
		fmt.Fprintf(&b, "%q,%s,%d\n", title+" step "+strconv.Itoa(i+1), pick(r, firstNames), 1+r.IntN(8))
	}
	return []byte(b.String())
}

// content is a blob body for mime: text for text types and for PDFs (the API
// keeps extracted text of some documents under the original name), random
// bytes behind a real signature for images.
func content(r *rand.Rand, mime, title string) []byte {
	switch {
	case strings.HasPrefix(mime, "image/png"):
		b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		for i := 0; i < 256+r.IntN(512); i++ {
			b = append(b, byte(r.Uint32()))
		}
		return b
	case mime == "text/csv":
		return csvText(r, title)
	}
	return []byte(fmt.Sprintf("%s\n\n%s\n", title, assistantReply(r, pick(r, topics))))
}

// routeFiles serves chats/files/{id}[/content],
// chats/generated-files/{id}[/content] and artifacts/{version_id}[/content];
// rest is the path after /v1/compliance/apps/.
func (s *Server) routeFiles(w http.ResponseWriter, r *http.Request, rest string) {
	family, tail, _ := strings.Cut(rest, "/")
	if family == "chats" {
		var sub string
		sub, tail, _ = strings.Cut(tail, "/")
		family += "/" + sub
	}
	id, what, _ := strings.Cut(tail, "/")
	if id == "" || (what != "" && what != "content") {
		s.fail(w, http.StatusNotFound, "not_found_error", "Not found")
		return
	}
	b := s.org.Blobs[id]
	fileID := fileUUID(id, b)
	if b != nil && !s.blobServed(b) {
		b = nil
	}
	content := what == "content"
	switch family {
	case "chats/files":
		if b == nil || b.Kind != BlobFile {
			s.fail(w, http.StatusNotFound, "not_found_error", "File not found: "+fileID)
			return
		}
		if content {
			s.serveBytes(w, b)
			return
		}
		size := int64(len(s.blobData(b)))
		writeJSON(w, wireFileMeta{ID: id, Filename: nullable(b.Filename), MimeType: nullable(b.MimeType),
			SizeBytes: &size, MD5: nullable(md5Hex(s.blobData(b))), CreatedAt: ts(b.CreatedAt),
			MessageIDs: b.MessageIDs, ChatIDs: []string{b.ChatID}})
	case "chats/generated-files":
		if b == nil || b.Kind != BlobGenerated {
			msg := "Generated file not found: '%s'"
			if content {
				msg = "Generated file content not found: '%s'"
			}
			s.fail(w, http.StatusNotFound, "not_found_error", fmt.Sprintf(msg, id))
			return
		}
		if content {
			s.serveBytes(w, b)
			return
		}
		size := int64(len(s.blobData(b)))
		created := ts(b.CreatedAt)
		writeJSON(w, wireGenFileMeta{ID: id, ChatID: b.ChatID, CreatedAt: &created, Filename: b.Filename,
			MD5: nullable(md5Hex(s.blobData(b))), MimeType: nullable(b.MimeType), SizeBytes: &size})
	case "artifacts":
		if b == nil || b.Kind != BlobArtifact {
			s.fail(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("Artifact version not found: '%s'", id))
			return
		}
		data := s.blobData(b)
		if content {
			writeJSON(w, wireArtifactContent{Content: string(data), Title: nullable(b.Title), ArtifactType: nullable(b.MimeType)})
			return
		}
		writeJSON(w, wireArtifactMeta{ID: b.ArtifactID, ArtifactType: nullable(b.MimeType), ChatID: b.ChatID,
			CreatedAt: ts(b.CreatedAt), MD5: md5Hex(data), SizeBytes: int64(len(data)), Title: nullable(b.Title), VersionID: id})
	default:
		s.fail(w, http.StatusNotFound, "not_found_error", "Not found")
	}
}

// blobServed: files of a chat its user deleted, or that is gone, answer 404
// (reference §4.4), as do files with the not-found fault.
func (s *Server) blobServed(b *Blob) bool {
	if b.Fault == FileFaultNotFound {
		return false
	}
	c := s.org.Chat(b.ChatID)
	return c != nil && c.DeletedAt == nil
}

// blobData is what the server holds for b, after an oversize fault.
func (s *Server) blobData(b *Blob) []byte {
	if b.Fault != FileFaultOversize {
		return b.Data
	}
	out := make([]byte, 0, oversize)
	for len(out) < oversize {
		out = append(out, b.Data...)
		out = append(out, '\n')
	}
	return out[:oversize]
}

// serveBytes writes a content response the way the API does: chunked, with
// the extended Content-Disposition form and a base64 Content-MD5 of the
// bytes served.
func (s *Server) serveBytes(w http.ResponseWriter, b *Blob) {
	data := s.blobData(b)
	sum := md5.Sum(data)
	if b.Fault == FileFaultMD5Mismatch {
		sum = md5.Sum(append([]byte("tampered:"), data...))
	}
	h := w.Header()
	mime := b.MimeType
	if mime == "" {
		mime = "application/octet-stream"
	}
	h.Set("content-type", mime)
	h.Set("content-disposition", "attachment; filename*=utf-8''"+url.PathEscape(b.Filename))
	h.Set("content-md5", base64.StdEncoding.EncodeToString(sum[:]))
	w.WriteHeader(http.StatusOK)
	if b.Fault == FileFaultCutBody {
		_, _ = w.Write(data[:len(data)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		// Aborting without the final chunk is what a dropped connection
		// looks like to the client: an unexpected EOF.
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(data)
}

// fileUUID is the UUID the file 404 names: the file's own when known, else
// one derived from the id, so unknown ids still get a UUID-shaped message.
func fileUUID(id string, b *Blob) string {
	if b != nil && b.UUID != "" {
		return b.UUID
	}
	sum := md5.Sum([]byte(id))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// Wire shapes of the file endpoints (reference §5).

type wireFileMeta struct {
	ID         string   `json:"id"`
	Filename   *string  `json:"filename"`
	MimeType   *string  `json:"mime_type"`
	SizeBytes  *int64   `json:"size_bytes"`
	MD5        *string  `json:"md5"`
	CreatedAt  string   `json:"created_at"`
	MessageIDs []string `json:"message_ids"`
	ChatIDs    []string `json:"claude_chat_ids"`
}

type wireGenFileMeta struct {
	ID        string  `json:"id"`
	ChatID    string  `json:"claude_chat_id"`
	CreatedAt *string `json:"created_at"`
	Filename  string  `json:"filename"`
	MD5       *string `json:"md5"`
	MimeType  *string `json:"mime_type"`
	SizeBytes *int64  `json:"size_bytes"`
}

type wireArtifactMeta struct {
	ID           string  `json:"id"`
	ArtifactType *string `json:"artifact_type"`
	ChatID       string  `json:"claude_chat_id"`
	CreatedAt    string  `json:"created_at"`
	MD5          string  `json:"md5"`
	SizeBytes    int64   `json:"size_bytes"`
	Title        *string `json:"title"`
	VersionID    string  `json:"version_id"`
}

type wireArtifactContent struct {
	Content      string  `json:"content"`
	Title        *string `json:"title"`
	ArtifactType *string `json:"artifact_type"`
}
