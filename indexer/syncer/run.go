package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// clockSkew widens the incremental walk's start: the server's updated_at
// clock and ours differ, and re-reading a chat is harmless (idempotent).
const clockSkew = 10 * time.Minute

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// runner is one run's working state. The chat walk fetches the next page
// while the previous one is being stored, and other streams run beside it,
// so mu guards what several goroutines touch: sum, failed and the stream
// states. st and win belong to the chat walk's fetching side only.
type runner struct {
	e   *Engine
	c   *compliance.Client // the chat stream's client
	st  state
	win window

	budget    *compliance.Budget // one per run, shared by every client
	own       *stream.RequestIDs // request ids of every response, for the activity stream
	lastStart time.Time          // the previous completed run's start
	from      time.Time          // the effective Sync from, for every stream

	mu       sync.Mutex
	sum      *Summary
	failed   map[string]Failure // recorded failures, by chat id
	orgsSeen map[string]bool    // organisation UUIDs of chats this run
	orgsDone map[string]bool    // organisations whose users were synced this run
	phase    string             // the chat walk's phase as last committed
	streams  map[string]*stream.State
	order    []string // stream names in display order: chats first
	clients  map[string]*compliance.Client
	failures []error // streams that failed (not forbidden or unavailable)
}

func (e *Engine) run(ctx context.Context, id string, start time.Time) (*Summary, error) {
	sum := &Summary{ID: id, Start: start, Errors: []string{}}
	r := &runner{e: e, sum: sum, failed: map[string]Failure{}, orgsSeen: map[string]bool{}, orgsDone: map[string]bool{},
		streams: map[string]*stream.State{}, clients: map[string]*compliance.Client{}}
	e.setProgress(sum)
	err := r.do(indexer.WithOrigin(ctx, indexer.OriginSync))
	r.mu.Lock()
	r.refreshLocked()
	r.mu.Unlock()
	sum.End = e.cfg.Now().UTC()
	switch {
	case err == nil && sum.State == "":
		sum.State = StateDone
	case err != nil && ctx.Err() != nil:
		sum.State, err = StateCancelled, ctx.Err()
	case err != nil:
		sum.State = StateFailed
		sum.addError(err.Error())
	}
	sum.Phase = r.st.Phase
	if perr := putJSON(e.ix, keyLastRun, sum); perr != nil && err == nil {
		err = perr
	}
	msg := fmt.Sprintf("%d chats, %d messages, %d skipped", sum.Chats, sum.Messages, sum.Skipped)
	if sum.Gone > 0 {
		msg += fmt.Sprintf(", %d gone upstream", sum.Gone)
	}
	for _, st := range sum.Streams {
		if st.Name != chatStream {
			msg += fmt.Sprintf("; %s %s: %d items", st.Name, st.State, st.Items)
		}
	}
	if sum.Lost > 0 {
		msg += fmt.Sprintf("; %d chat list items without an id could not be read or retried", sum.Lost)
	}
	if sum.ResumeAt != nil {
		msg += fmt.Sprintf("; hourly cap of %d chats reached, resumes at %s", e.cfg.HourlyCap, sum.ResumeAt.Format(time.RFC3339))
	}
	evState := sum.State
	if evState == StateCapped {
		evState = "waiting" // the event vocabulary: the job waits for the cap window
	}
	e.publish(sum, evState, msg)
	e.log.Info("sync finished", "id", sum.ID, "state", sum.State, "chats", sum.Chats, "messages", sum.Messages,
		"skipped", sum.Skipped, "gone", sum.Gone, "lost", sum.Lost, "rate_limited", sum.RateLimited, "requests", sum.Requests)
	return sum, err
}

func (e *Engine) setProgress(s *Summary) {
	e.mu.Lock()
	e.progress = *s
	e.progress.Errors = append([]string(nil), s.Errors...)
	e.progress.Streams = append([]stream.State(nil), s.Streams...)
	e.mu.Unlock()
}

// publish sends a progress event. Streams other than chats add their
// counters under their name ("sessions.messages", "activities.items"), so
// indexer.Event keeps its shape.
func (e *Engine) publish(s *Summary, state, msg string) {
	counters := map[string]int{"chats": s.Chats, "messages": s.Messages, "skipped": s.Skipped,
		"recovered": s.Recovered, "rate_limited": s.RateLimited, "users": s.Users, "lost": s.Lost, "gone": s.Gone}
	for _, st := range s.Streams {
		if st.Name == chatStream {
			continue
		}
		counters[st.Name+".items"] = st.Items
		counters[st.Name+".messages"] = st.Messages
		counters[st.Name+".skipped"] = st.Skipped
		counters[st.Name+".requests"] = int(st.Requests)
		counters[st.Name+".rate_limited"] = int(st.RateLimited)
	}
	e.ix.Publish(indexer.Event{Job: s.ID, Kind: "sync", State: state, Done: int64(s.Chats), Unit: "chats",
		Counters: counters, Message: msg})
}

func (r *runner) progress(msg string) {
	r.mu.Lock()
	r.touchLocked(chatStream)
	r.refreshLocked()
	r.e.setProgress(r.sum)
	snap := r.copyLocked()
	r.mu.Unlock()
	r.e.publish(&snap, "running", msg)
}

func (r *runner) snapshot() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refreshLocked()
	return r.copyLocked()
}

// copyLocked copies the summary with its slices, which others append to.
func (r *runner) copyLocked() Summary {
	s := *r.sum
	s.Errors = append([]string(nil), r.sum.Errors...)
	s.Streams = append([]stream.State(nil), r.sum.Streams...)
	return s
}

// prepareChats loads the chat walk's saved state, the Sync from setting,
// the hourly window and the failure records.
func (r *runner) prepareChats() error {
	e := r.e
	if _, err := getJSON(e.ix, keyState, &r.st); err != nil {
		return err
	}
	set, err := e.fixSyncFrom(r.st)
	if err != nil {
		return err
	}
	from := e.effectiveFrom(set)
	if r.st.Phase == "" || !r.st.SyncFrom.Equal(from) {
		if r.st.Phase != "" {
			e.log.Info("sync from changed; restarting the walk", "from", from, "was", r.st.SyncFrom)
		}
		r.st = state{SyncFrom: from, Phase: phaseBackfill, BackfillStarted: e.cfg.Now().UTC()}
	}
	r.from = r.st.SyncFrom
	r.mu.Lock()
	r.phase = r.st.Phase
	r.mu.Unlock()
	if _, err := getJSON(e.ix, keyWindow, &r.win); err != nil {
		return err
	}
	fails, err := e.Failures()
	if err != nil {
		return err
	}
	for _, f := range fails {
		r.failed[f.ChatID] = f
	}
	return nil
}

// chats is the chat stream: failed chats first, then the walk, then the
// users of organisations first seen on chats.
func (r *runner) chats(ctx context.Context) error {
	if err := r.syncUsers(ctx, nil); err != nil {
		return err
	}
	r.mu.Lock()
	fails := make([]Failure, 0, len(r.failed))
	for _, f := range r.failed {
		fails = append(fails, f)
	}
	r.mu.Unlock()
	sort.Slice(fails, func(i, j int) bool { return fails[i].ChatID < fails[j].ChatID })
	if err := r.retryFailures(ctx, fails); err != nil {
		return err
	}
	if r.snapshot().State == StateCapped {
		return nil
	}
	if err := r.walk(ctx); err != nil {
		return err
	}
	var extra []string
	for o := range r.orgsSeen {
		if !r.orgsDone[o] {
			extra = append(extra, o)
		}
	}
	sort.Strings(extra)
	if err := r.syncUsers(ctx, extra); err != nil {
		return err
	}
	if r.snapshot().State == StateCapped {
		return nil // the weekly comparison needs a walk that was not cut short
	}
	return r.reconcile(ctx)
}

// fixSyncFrom returns the settings with Sync from saved: the configured
// override if any, else the saved date, else the default, which is saved
// now so that it stays put. Left unsaved, the default (the first of the
// current month) would move forward on the first run of each month,
// restarting the walk over a narrower window, after which later messages in
// older chats would be ignored for good. st is the saved walk state: a walk
// already under way keeps the window it started with.
func (e *Engine) fixSyncFrom(st state) (Settings, error) {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	set, err := e.Settings()
	if err != nil {
		return set, err
	}
	switch {
	case !e.cfg.SyncFrom.IsZero():
		if e.cfg.SyncFrom.Equal(set.SyncFrom) {
			return set, nil
		}
		set.SyncFrom = e.cfg.SyncFrom.UTC()
	case !set.SyncFrom.IsZero():
		return set, nil
	case st.Phase != "" && !st.SyncFrom.IsZero():
		set.SyncFrom = st.SyncFrom.UTC()
	default:
		set.SyncFrom = e.effectiveFrom(set)
	}
	return set, putJSON(e.ix, keySettings, set)
}

// capLeft is how many chats the hourly cap still allows; at zero it marks
// the run capped with the time it can resume.
func (r *runner) capLeft() int {
	now := r.e.cfg.Now()
	left := r.e.cfg.HourlyCap - r.win.Used(now)
	if left <= 0 {
		t := r.win.ResumeAt(now, r.e.cfg.HourlyCap).UTC()
		r.mu.Lock()
		r.sum.State, r.sum.ResumeAt = StateCapped, &t
		r.mu.Unlock()
		return 0
	}
	return left
}

// walk pages through chats from the saved cursor to the end (or the cap).
// Fetching page n+1 overlaps storing page n; pages are stored strictly in
// order by one goroutine, so the saved cursor only ever moves forward past
// stored data.
func (r *runner) walk(ctx context.Context) error {
	pages := make(chan *prepared, 1)
	failed := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		var ferr error
		for p := range pages {
			if ferr != nil {
				continue // drain: nothing after a failed page may be stored
			}
			if err := r.commit(ctx, p); err != nil {
				ferr = err
				close(failed)
			}
		}
		errc <- ferr
	}()
	werr := r.fetchPages(ctx, pages, failed)
	close(pages)
	if cerr := <-errc; cerr != nil {
		return cerr
	}
	return werr
}

func (r *runner) fetchPages(ctx context.Context, pages chan<- *prepared, failed <-chan struct{}) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := r.capLeft()
		if left == 0 {
			return nil
		}
		p := compliance.ListChatsParams{Limit: min(r.e.cfg.PageSize, left), AfterID: r.st.Cursor}
		if r.st.Phase == phaseBackfill {
			p.OrderBy, p.Since = compliance.OrderCreatedAt, r.st.SyncFrom
		} else {
			p.OrderBy, p.Since = compliance.OrderUpdatedAt, r.st.IncSince
		}
		page, err := r.c.ListChats(ctx, p)
		if compliance.IsCursorError(err) && r.st.Cursor != "" {
			// Cursors are opaque and the API may stop accepting an old one
			// (format change, retention purge). Re-walking the window from
			// its start is idempotent: it costs requests, never data. Only
			// a 400 about the cursor does this: "not enabled" or "unknown
			// query parameter" would restart the whole walk for nothing.
			r.e.log.Warn("sync: saved cursor rejected; restarting the walk from the window start", "phase", r.st.Phase, "err", err)
			r.addError(fmt.Sprintf("saved %s cursor rejected, walk restarted: %v", r.st.Phase, err))
			r.st.Cursor = ""
			continue
		}
		if err != nil {
			return fmt.Errorf("list chats (%s walk): %w", r.st.Phase, err)
		}
		next := r.st
		if page.LastID != "" {
			next.Cursor = page.LastID
		}
		switched := false
		if !page.HasMore && r.st.Phase == phaseBackfill {
			next.Phase, next.Cursor, next.IncSince = phaseIncremental, "", r.st.BackfillStarted.Add(-clockSkew)
			switched = true
		}
		prep, err := r.prepare(ctx, page, next)
		if err != nil {
			return err
		}
		r.st = prep.next
		select {
		case pages <- prep:
		case <-failed:
			return nil // the storing side reports its error
		}
		if !page.HasMore && !switched {
			return nil
		}
	}
}

// fetched is one chat read from the API, or why it could not be.
type fetched struct {
	chat    compliance.Chat
	msgs    *compliance.ChatMessages
	err     error
	ignored bool
}

// fatal errors stop the chat walk without saving the page: retrying chat by
// chat cannot help when the key is rejected (401, or the bare 404 "Not
// found" of a key the API does not recognise), the scope is missing, the
// API is switched off or the run is cancelled.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, compliance.ErrUnauthorized) || errors.Is(err, compliance.ErrForbidden) ||
		errors.Is(err, compliance.ErrRateLimited) || compliance.IsKeyNotFound(err) || compliance.IsNotEnabled(err)
}

func (r *runner) fetchAll(ctx context.Context, chats []compliance.Chat, inWindow bool) ([]fetched, error) {
	out := make([]fetched, len(chats))
	sem := make(chan struct{}, r.e.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range chats {
		out[i].chat = chats[i]
		if inWindow && chats[i].CreatedAt.Before(r.st.SyncFrom) {
			out[i].ignored = true // surfaced by the updated_at walk, but outside the window
			continue
		}
		if chats[i].Deleted() {
			continue // deleted chats serve no content: keep what is stored
		}
		wg.Add(1)
		go func(f *fetched) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				f.err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			f.msgs, f.err = r.c.ChatMessages(ctx, f.chat.ID, compliance.MessagesParams{PageSize: r.e.cfg.MessagePageSize})
		}(&out[i])
	}
	wg.Wait()
	for _, f := range out {
		if f.err != nil && fatal(ctx, f.err) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("chat %s: %w", f.chat.ID, f.err)
		}
	}
	return out, nil
}

// convert maps a fetched chat to records, or says why it cannot be stored.
func convert(f *fetched) (model.Conversation, []model.Message, error) {
	meta := f.chat
	if f.msgs != nil && f.msgs.ID != "" {
		meta = f.msgs.Chat // the fresher copy
	}
	conv := meta.Conversation()
	if conv.ID == "" {
		return conv, nil, errors.New("chat has no id")
	}
	if meta.Deleted() && conv.DeletedBy == "" {
		conv.DeletedBy = model.DeletedByUser
	}
	if f.msgs == nil || meta.Deleted() {
		// A deleted chat serves an empty name and no content: the stored
		// title and messages stay (the indexer keeps a stored title against
		// an empty one).
		return conv, nil, indexer.CheckChatDates(&conv, nil)
	}
	msgs := make([]model.Message, 0, len(f.msgs.Messages))
	for i := range f.msgs.Messages {
		m := f.msgs.Messages[i].ModelMessage(conv.ID, i)
		if m.ID == "" {
			return conv, nil, fmt.Errorf("message %d has no id", i)
		}
		msgs = append(msgs, m)
	}
	// Ingest refuses a whole page for one record it cannot date: skip and
	// report this chat alone instead.
	if err := indexer.CheckChatDates(&conv, msgs); err != nil {
		return conv, nil, err
	}
	return conv, msgs, nil
}

// prepared is a fetched page ready to store: its records and the state
// (cursor, window, failure records) that must be written with them.
type prepared struct {
	batch                         indexer.Batch
	next                          state
	chats, msgs, skipped, ignored int
	lost                          int // list items without an id
	recovered                     []string
	gone                          []string // conversation ids whose chat answered 404 after listing
}

// prepare fetches the page's chats and builds the batch that stores them
// together with the cursor pointing past them: either both are stored or
// neither.
func (r *runner) prepare(ctx context.Context, page *compliance.ChatPage, next state) (*prepared, error) {
	res, err := r.fetchAll(ctx, page.Chats, true)
	if err != nil {
		return nil, err
	}
	p := &prepared{batch: indexer.Batch{Checkpoints: map[string][]byte{}}}
	b := &p.batch
	users := map[string]bool{}
	for i := range res {
		f := &res[i]
		if f.ignored {
			p.ignored++
			continue
		}
		var conv model.Conversation
		var ms []model.Message
		if compliance.IsGone(f.err) {
			// Listed, then 404: hard-deleted upstream between the list and
			// the read. What is stored stays, marked; retrying cannot help.
			r.forgetFailure(b, f.chat.ID)
			p.gone = append(p.gone, f.chat.ConversationID())
			continue
		}
		if f.err == nil {
			conv, ms, f.err = convert(f)
		}
		if f.err != nil {
			r.recordFailure(b, f.chat.ID, f.chat.ConversationID(), f.err)
			p.skipped++
			continue
		}
		r.mu.Lock()
		_, wasFailed := r.failed[f.chat.ID]
		r.mu.Unlock()
		if wasFailed {
			p.recovered = append(p.recovered, f.chat.ID)
		}
		if u, ok := f.chat.Owner(); ok && !users[u.ID] {
			users[u.ID] = true
			b.Users = append(b.Users, u)
		}
		if conv.OrgID != "" {
			r.orgsSeen[conv.OrgID] = true
		}
		b.Conversations = append(b.Conversations, conv)
		b.Messages = append(b.Messages, ms...)
		queueFiles(b, ms)
		p.chats++
		p.msgs += len(ms)
	}
	for _, bad := range page.Bad {
		if bad.ID != "" {
			p.skipped++
			r.recordFailure(b, bad.ID, "", bad.Err)
			continue
		}
		// Without an id the chat cannot be recorded for a retry, and the
		// cursor moves past it: it is lost to this walk. Count it apart from
		// the skipped (retried) chats so the loss is visible.
		p.lost++
		r.addError(fmt.Sprintf("%v: no chat id, so it cannot be retried; lost until it is updated again", bad.Err))
	}
	r.win.Add(r.e.cfg.Now(), len(page.Chats)+len(page.Bad)-p.ignored)
	next.Chats += int64(p.chats)
	next.Messages += int64(p.msgs)
	p.next = next
	b.Checkpoints[keyState] = mustJSON(next)
	b.Checkpoints[keyWindow] = mustJSON(r.win)
	return p, nil
}

// commit stores a prepared page and counts it.
func (r *runner) commit(ctx context.Context, p *prepared) error {
	// Before the cursor moves past them: a crash in between re-reads the
	// page and marks them again, which changes nothing.
	for _, id := range p.gone {
		if err := r.e.ix.MarkDeleted(ctx, id, model.DeletedByUpstream, r.e.cfg.Now()); err != nil {
			return fmt.Errorf("mark chat gone upstream: %w", err)
		}
	}
	if _, err := r.e.ix.Ingest(ctx, p.batch); err != nil {
		return fmt.Errorf("store page: %w", err)
	}
	r.mu.Lock()
	r.sum.Gone += len(p.gone)
	r.sum.Chats += p.chats
	r.sum.Messages += p.msgs
	r.sum.Skipped += p.skipped
	r.sum.Ignored += p.ignored
	r.sum.Lost += p.lost
	phase := p.next.Phase
	r.phase = phase
	r.mu.Unlock()
	for _, id := range p.recovered {
		r.clearFailure(id)
	}
	r.progress(fmt.Sprintf("%s: %d chats", phase, r.snapshot().Chats))
	return nil
}

func (r *runner) addError(msg string) {
	r.mu.Lock()
	r.sum.addError(msg)
	r.mu.Unlock()
}

func (r *runner) recordFailure(b *indexer.Batch, chatID, convID string, err error) {
	now := r.e.cfg.Now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.failed[chatID]
	if !ok {
		f = Failure{ChatID: chatID, FirstFailed: now}
	}
	if convID != "" {
		f.ConversationID = convID
	}
	f.Attempts++
	f.LastFailed = now
	f.Reason = scrubKey(err.Error(), r.sum.secret)
	r.failed[chatID] = f
	b.Checkpoints[prefixFailed+chatID] = mustJSON(f)
	r.sum.addError(fmt.Sprintf("chat %s skipped: %v", chatID, err))
	r.e.log.Warn("sync: chat skipped; will retry on a later run", "chat", chatID, "attempts", f.Attempts, "err", f.Reason)
}

// forgetFailure drops chatID's failure record, if any, in b: the chat is
// gone upstream, so there is nothing left to retry.
func (r *runner) forgetFailure(b *indexer.Batch, chatID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.failed[chatID]; ok {
		b.Checkpoints[prefixFailed+chatID] = nil
		delete(r.failed, chatID)
	}
}

// queueFiles asks the files stream for the content of every file the
// messages reference, in the batch that stores them.
func queueFiles(b *indexer.Batch, ms []model.Message) {
	for i := range ms {
		stream.QueueMessageFiles(b, &ms[i], false)
	}
}

func (r *runner) clearFailure(chatID string) {
	if err := r.e.ix.PutMeta(prefixFailed+chatID, nil); err != nil {
		// The chat is stored; a stale record only means one more harmless retry.
		r.e.log.Warn("sync: clear failure record", "chat", chatID, "err", err)
		return
	}
	r.mu.Lock()
	delete(r.failed, chatID)
	r.sum.Recovered++
	r.mu.Unlock()
}

// retryFailures re-reads chats that failed on earlier runs.
func (r *runner) retryFailures(ctx context.Context, fails []Failure) error {
	for _, f := range fails {
		if r.capLeft() == 0 {
			return nil
		}
		res, err := r.fetchAll(ctx, []compliance.Chat{{ID: f.ChatID}}, false)
		if err != nil {
			return err
		}
		one := &res[0]
		b := indexer.Batch{Checkpoints: map[string][]byte{}}
		if compliance.IsGone(one.err) {
			if err := r.gone(ctx, f); err != nil {
				return err
			}
			continue
		}
		conv, ms, cerr := model.Conversation{}, []model.Message(nil), one.err
		if cerr == nil {
			conv, ms, cerr = convert(one)
		}
		r.win.Add(r.e.cfg.Now(), 1)
		b.Checkpoints[keyWindow] = mustJSON(r.win)
		if cerr != nil {
			r.recordFailure(&b, f.ChatID, "", cerr)
			if _, err := r.e.ix.Ingest(ctx, b); err != nil {
				return fmt.Errorf("record failure: %w", err)
			}
			continue
		}
		if conv.CreatedAt.Before(r.st.SyncFrom) {
			r.clearFailure(f.ChatID) // now outside the window: nothing to retry
			continue
		}
		b.Conversations, b.Messages = []model.Conversation{conv}, ms
		queueFiles(&b, ms)
		if u, ok := one.msgs.Owner(); ok {
			b.Users = []model.User{u}
		}
		if _, err := r.e.ix.Ingest(ctx, b); err != nil {
			return fmt.Errorf("store chat %s: %w", f.ChatID, err)
		}
		r.mu.Lock()
		r.sum.Chats++
		r.sum.Messages += len(ms)
		r.mu.Unlock()
		r.clearFailure(f.ChatID)
		r.progress("retried chat " + f.ChatID)
	}
	return nil
}

// gone marks a chat that failed before and now answers 404 as deleted
// upstream and drops its failure record: it is not retried again.
func (r *runner) gone(ctx context.Context, f Failure) error {
	id := f.ConversationID
	if id == "" {
		id = f.ChatID // a record from before conversation ids were kept: the id a chat without href gets
	}
	if err := r.e.ix.MarkDeleted(ctx, id, model.DeletedByUpstream, r.e.cfg.Now()); err != nil {
		return fmt.Errorf("mark chat %s gone upstream: %w", f.ChatID, err)
	}
	b := indexer.Batch{Checkpoints: map[string][]byte{prefixFailed + f.ChatID: nil}}
	if _, err := r.e.ix.Ingest(ctx, b); err != nil {
		return fmt.Errorf("clear failure of chat %s: %w", f.ChatID, err)
	}
	r.mu.Lock()
	delete(r.failed, f.ChatID)
	r.sum.Gone++
	r.mu.Unlock()
	r.progress("chat " + f.ChatID + " gone upstream")
	return nil
}

// syncUsers stores the users of the organisations the key can list plus
// orgs (seen on chats). A key without the org scope cannot list
// organisations; that is expected and not an error.
func (r *runner) syncUsers(ctx context.Context, orgs []string) error {
	var known []string
	if _, err := getJSON(r.e.ix, keyOrgs, &known); err != nil {
		return err
	}
	if orgs == nil {
		list, err := r.c.ListOrganizations(ctx)
		switch {
		case err == nil:
			for _, o := range list {
				orgs = append(orgs, o.UUID)
			}
		case fatal(ctx, err) && !errors.Is(err, compliance.ErrForbidden):
			return err
		default:
			r.e.log.Debug("sync: cannot list organisations; using those seen on chats", "err", err)
		}
		orgs = append(orgs, known...)
	}
	changed := false
	for _, org := range orgs {
		if r.orgsDone[org] {
			continue
		}
		r.orgsDone[org] = true
		if !contains(known, org) {
			known, changed = append(known, org), true
		}
		page := ""
		for {
			up, err := r.c.ListUsers(ctx, org, page, 1000)
			if err != nil {
				if fatal(ctx, err) && !errors.Is(err, compliance.ErrForbidden) {
					return err
				}
				r.addError(fmt.Sprintf("users of organization %s: %v", org, err))
				break
			}
			b := indexer.Batch{}
			for i := range up.Users {
				if up.Users[i].ID != "" {
					b.Users = append(b.Users, up.Users[i].ModelUser())
				}
			}
			if _, err := r.e.ix.Ingest(ctx, b); err != nil {
				return fmt.Errorf("store users of organization %s: %w", org, err)
			}
			r.mu.Lock()
			r.sum.Users += len(b.Users)
			r.mu.Unlock()
			if !up.HasMore || up.NextPage == "" {
				break
			}
			page = up.NextPage
		}
	}
	if changed {
		return putJSON(r.e.ix, keyOrgs, known)
	}
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
