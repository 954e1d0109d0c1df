package fakeapi

import (
	"math/rand/v2"
	"net/http"
)

// Blob is the content behind a file, generated-file or artifact version id.
type Blob struct {
	Filename string
	MimeType string
	Data     []byte
}

func genBlobs(org *Org, r *rand.Rand, o GenOptions) {}

// routeFiles serves chats/files/{id}[/content],
// chats/generated-files/{id}[/content] and artifacts/{version_id}[/content];
// rest is the path after /v1/compliance/apps/.
func (s *Server) routeFiles(w http.ResponseWriter, r *http.Request, rest string) {
	s.fail(w, http.StatusNotFound, "not_found_error", "Not found.")
}
