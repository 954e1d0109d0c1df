package export

import (
	"context"
	"errors"
	"fmt"
	"io"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// chunk is a batch ready for the sink plus the counts and problems met while
// reading it; the consumer owns the report and folds chunks into it.
type chunk struct {
	batch              indexer.Batch
	convs, msgs, users int
	errs               []RecordError
	notes              []string
	bytes              int64 // JSON bytes read when the chunk was cut
	file               string
	size               int // approximate bytes of text in batch
}

// producer reads the inputs and cuts batches; it runs in its own goroutine so
// JSON decoding overlaps the sink's ingest.
type producer struct {
	ctx context.Context
	lim Limits
	out chan<- *chunk
	cur *chunk
	err error // set before out is closed

	done    int64 // bytes of the files finished
	counter *countingReader

	known      map[string]bool // user ids from users.json; nil when none was read
	unresolved map[string]bool // conversation owners missing from users.json
}

func (p *producer) run(set *inputSet) {
	defer close(p.out)
	for _, in := range set.users {
		if p.err = p.readFile(in, "user", p.user); p.err != nil {
			return
		}
	}
	// Users go in batches of their own, ahead of any conversation, so the
	// indexer can resolve owners as conversations arrive.
	if len(p.cur.batch.Users) > 0 {
		if p.err = p.flush(); p.err != nil {
			return
		}
	}
	for _, in := range set.conversations {
		if p.err = p.readFile(in, "conversation", p.conversation); p.err != nil {
			return
		}
	}
	if n := len(p.unresolved); n > 0 {
		p.cur.notes = append(p.cur.notes, fmt.Sprintf(
			"%d conversation owner account(s) are not in users.json; their conversations show the account id", n))
	}
	p.err = p.flush()
}

// readFile splits one JSON array and hands each element to handle. Only
// cancellation and sink back-pressure errors stop it; damage is recorded.
func (p *producer) readFile(in input, what string, handle func(e element) error) error {
	p.cur.file = in.name
	rc, err := in.open()
	if err != nil {
		p.cur.errs = append(p.cur.errs, fileError(in.name, err))
		return nil
	}
	defer rc.Close()
	p.counter = &countingReader{r: rc}
	defer func() {
		p.done += p.counter.n
		p.counter = nil
	}()
	sp := newSplitter(p.counter, p.lim.MaxRecordBytes, p.lim.MaxDepth)
	for {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		e, err := sp.Next()
		if err == io.EOF {
			return nil
		}
		var se *streamError
		if errors.As(err, &se) {
			if se.Index >= 0 {
				p.cur.errs = append(p.cur.errs, recordError(in.name, what, se.Index, se.UUID, se.Start, se))
			} else {
				p.cur.errs = append(p.cur.errs, RecordError{File: in.name, Record: -1, Offset: se.Offset,
					Err: fmt.Sprintf("%s: %v", in.name, se)})
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case e.Err != nil:
			err = e.Err
		case e.Kind != '{':
			err = fmt.Errorf("is %s, want an object", describe(e.Kind))
		default:
			err = handle(e)
		}
		if err != nil {
			if errors.As(err, new(fatalError)) {
				return err
			}
			p.cur.errs = append(p.cur.errs, recordError(in.name, what, e.Index, e.UUID, e.Offset, err))
			if err := p.maybeFlush(); err != nil {
				return err
			}
		}
	}
}

// conversation decodes, maps and queues one conversation.
func (p *producer) conversation(e element) error {
	var rc rawConversation
	if err := json.Unmarshal(e.Data, &rc); err != nil {
		err = decodeError(err, e.Offset)
		return err
	}
	c, msgs, err := mapConversation(&rc, e.Data)
	if err != nil {
		return err
	}
	if p.known != nil && c.OwnerID != "" && !p.known[c.OwnerID] {
		if p.unresolved == nil {
			p.unresolved = map[string]bool{}
		}
		p.unresolved[c.OwnerID] = true
	}
	p.cur.batch.Conversations = append(p.cur.batch.Conversations, c)
	p.cur.convs++
	if err := p.maybeFlush(); err != nil {
		return err
	}
	for i := range msgs {
		p.cur.batch.Messages = append(p.cur.batch.Messages, msgs[i])
		p.cur.msgs++
		p.cur.size += messageSize(&msgs[i])
		if err := p.maybeFlush(); err != nil {
			return err
		}
	}
	return nil
}

// user decodes and queues one users.json record.
func (p *producer) user(e element) error {
	var ru struct {
		UUID  string  `json:"uuid"`
		Name  *string `json:"full_name"`
		Email *string `json:"email_address"`
	}
	if err := json.Unmarshal(e.Data, &ru); err != nil {
		err = decodeError(err, e.Offset)
		return err
	}
	if ru.UUID == "" {
		return fmt.Errorf("user has no uuid")
	}
	if ru.Name == nil && ru.Email == nil {
		// Most likely a conversations file named users.json; importing it
		// would create users out of chat ids.
		return fmt.Errorf("no full_name or email_address: not a users.json record")
	}
	u := model.User{ID: ru.UUID, AvatarSeed: ru.UUID}
	if ru.Name != nil {
		u.Name = *ru.Name
	}
	if ru.Email != nil {
		u.Email = *ru.Email
	}
	if p.known == nil {
		p.known = map[string]bool{}
	}
	p.known[u.ID] = true
	p.cur.batch.Users = append(p.cur.batch.Users, u)
	p.cur.users++
	p.cur.size += len(u.Name) + len(u.Email) + 128
	return p.maybeFlush()
}

func (p *producer) maybeFlush() error {
	c := p.cur
	if len(c.batch.Messages) >= p.lim.BatchMessages || c.size >= p.lim.BatchBytes || len(c.errs) >= 100 ||
		len(c.batch.Conversations) >= p.lim.BatchMessages || len(c.batch.Users) >= 4*p.lim.BatchMessages {
		return p.flush()
	}
	return nil
}

// flush hands the current chunk to the consumer. Its error is always fatal
// (cancellation), so it is wrapped to get past readFile's record handling.
func (p *producer) flush() error {
	c := p.cur
	c.bytes = p.done
	if p.counter != nil {
		c.bytes += p.counter.n
	}
	p.cur = &chunk{file: c.file}
	select {
	case p.out <- c:
		return nil
	case <-p.ctx.Done():
		return fatalError{p.ctx.Err()}
	}
}

// fatalError stops the whole import rather than one record.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
