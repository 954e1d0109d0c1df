package export

import (
	"errors"
	"fmt"

	"github.com/ccsync/ccsync/indexer"
)

// Sentinel outcomes of an import; check with errors.Is.
var (
	// ErrNoInput means no conversations or users file was found in the paths.
	ErrNoInput = errors.New("no conversations.json or users.json found")
	// ErrNothingImported means records were found but none could be imported.
	ErrNothingImported = errors.New("nothing was imported")
	// ErrIncomplete means some records were imported and some could not be.
	ErrIncomplete = errors.New("not everything was imported")
)

// Report is the account of an import. Its JSON form is the `--json` output of
// `ccsync import`.
type Report struct {
	Conversations int           `json:"conversations"`
	Messages      int           `json:"messages"`
	Users         int           `json:"users"`
	Skipped       int           `json:"skipped"` // files in the export that are not chat data
	Errors        []RecordError `json:"errors"`

	Notes []string `json:"-"` // skipped files, unresolved owners
	// ErrorCount counts every record not imported; Errors lists the first
	// MaxListedErrors of them, plus one line for the rest, so a file of
	// millions of broken records cannot exhaust memory.
	ErrorCount int                  `json:"-"`
	Changes    indexer.IngestResult `json:"-"` // what the indexer reported changing
	Bytes      int64                `json:"-"` // JSON bytes read
}

// RecordError is one record (or file) that could not be imported. Err names
// the file, the record index, its uuid and the byte offset, so it reads on
// its own; the other fields are for tools.
type RecordError struct {
	File   string `json:"-"`
	Record int    `json:"record"` // index in the file's array; -1 for the file as a whole
	UUID   string `json:"-"`
	Offset int64  `json:"offset"` // byte offset in the file (zip entries: in the uncompressed entry)
	Err    string `json:"error"`
}

func (e RecordError) Error() string { return e.Err }

// MaxListedErrors is how many record errors a Report lists one by one.
const MaxListedErrors = 1000

func (r *Report) addErrors(errs []RecordError) {
	for _, e := range errs {
		r.ErrorCount++
		switch {
		case r.ErrorCount <= MaxListedErrors:
			r.Errors = append(r.Errors, e)
		case r.ErrorCount == MaxListedErrors+1:
			r.Errors = append(r.Errors, RecordError{Record: -1, Offset: e.Offset})
			fallthrough
		default:
			last := &r.Errors[len(r.Errors)-1]
			last.Err = fmt.Sprintf("%d more records or files could not be imported (not listed); the first of them: %s",
				r.ErrorCount-MaxListedErrors, r.Errors[MaxListedErrors-1].File)
		}
	}
}

// Outcome is nil when everything found was imported, else an error wrapping
// ErrIncomplete or ErrNothingImported that says how much got through.
func (r *Report) Outcome() error {
	n := max(r.ErrorCount, len(r.Errors))
	if n == 0 {
		return nil
	}
	if r.Conversations == 0 && r.Users == 0 {
		return fmt.Errorf("%w: %d error(s)", ErrNothingImported, n)
	}
	return fmt.Errorf("%w: %d conversation(s) and %d user(s) imported, %d record(s) or file(s) could not be read",
		ErrIncomplete, r.Conversations, r.Users, n)
}

// recordError describes a bad element of an array file.
func recordError(file, what string, index int, uuid string, offset int64, err error) RecordError {
	id := ""
	if uuid != "" {
		// %q: the uuid comes from the file and may hold terminal escapes.
		id = fmt.Sprintf(" (uuid %q)", uuid)
	}
	return RecordError{File: file, Record: index, UUID: uuid, Offset: offset,
		Err: fmt.Sprintf("%s: %s %d%s at byte %d: %v", file, what, index, id, offset, err)}
}
