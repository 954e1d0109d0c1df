package export

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	json "github.com/goccy/go-json"
)

// The raw* types mirror conversations.json and users.json of every era at
// once: fields an era lacks simply stay empty, and JSON null decodes to the
// zero value, so missing, null and empty are the same thing here.

type rawConversation struct {
	UUID         string       `json:"uuid"`
	Name         string       `json:"name"`
	Summary      string       `json:"summary"`
	CreatedAt    string       `json:"created_at"`
	UpdatedAt    string       `json:"updated_at"`
	Account      rawAccount   `json:"account"`
	ProjectUUID  string       `json:"project_uuid"`
	ChatMessages []rawMessage `json:"chat_messages"`
}

type rawAccount struct {
	UUID string `json:"uuid"`
}

type rawMessage struct {
	UUID      string `json:"uuid"`
	Text      string `json:"text"`
	Sender    string `json:"sender"`
	CreatedAt string `json:"created_at"`
	// Parent is a pointer because its presence matters: exports before 2026
	// have no tree, and then every message is on the current branch.
	Parent      *string         `json:"parent_message_uuid"`
	Content     []rawBlock      `json:"content"`
	Attachments []rawAttachment `json:"attachments"`
	Files       []rawFile       `json:"files"`
}

// rawBlock is the union of the content block types ccsync models. Blocks of
// other types are re-read as raw JSON (see rawBlocks) so nothing is dropped.
type rawBlock struct {
	Type           string          `json:"type"`
	Text           string          `json:"text"`
	Thinking       string          `json:"thinking"`
	Hidden         bool            `json:"hidden"`
	ThinkingHidden bool            `json:"thinking_hidden"`
	CutOff         bool            `json:"cut_off"`
	Truncated      bool            `json:"truncated"`
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Input          json.RawMessage `json:"input"`
	ToolUseID      string          `json:"tool_use_id"`
	Content        json.RawMessage `json:"content"`
	IsError        bool            `json:"is_error"`
}

type rawResultItem struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type rawAttachment struct {
	FileName         string  `json:"file_name"`
	FileSize         flexInt `json:"file_size"`
	FileType         string  `json:"file_type"`
	ExtractedContent string  `json:"extracted_content"`
}

type rawFile struct {
	FileUUID string `json:"file_uuid"`
	FileName string `json:"file_name"`
}

type rawUser struct {
	UUID         string `json:"uuid"`
	FullName     string `json:"full_name"`
	EmailAddress string `json:"email_address"`
}

// rawBlocks re-reads a conversation's content blocks as raw JSON; it is only
// decoded when a block of an unmodelled type has to be kept verbatim.
type rawBlocks struct {
	ChatMessages []struct {
		Content []json.RawMessage `json:"content"`
	} `json:"chat_messages"`
}

// flexInt accepts a number, a numeric string or null: file_size is bytes in
// some exports and characters in others, and its JSON type has varied.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(v)
	} else if v, err := strconv.ParseFloat(s, 64); err == nil {
		*f = flexInt(v)
	}
	return nil
}

// decodeError rewrites a JSON decoder error in the export's vocabulary (field
// path, JSON types, file offset) instead of the Go types it was decoded into.
// base is the file offset of the decoded bytes.
func decodeError(err error, base int64) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(record)"
		}
		return fmt.Errorf("field %s: got %s, want %s (value ends at byte %d)", field, te.Value, jsonKind(te.Type), base+te.Offset)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %s", base+se.Offset, se.Error())
	}
	return err
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "JSON value"
		}
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}
