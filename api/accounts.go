package api

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
)

// Role is what an account may do. Auditors search and read; admins also
// manage the key, sync, import, deletion, accounts and read the audit trail.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleAuditor Role = "auditor"
)

func (r Role) valid() bool { return r == RoleAdmin || r == RoleAuditor }

// Account errors; check with errors.Is.
var (
	ErrAccountExists = errors.New("account already exists")
	ErrNoAccount     = errors.New("no such account")
	ErrWeakPassword  = fmt.Errorf("password must be at least %d characters", MinPasswordLen)
	ErrBadName       = errors.New("account name must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	ErrBadRole       = errors.New(`role must be "admin" or "auditor"`)
	ErrLastAdmin     = errors.New("refusing to remove or demote the last admin")
	errBadLogin      = errors.New("wrong account name or password")
)

var accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const accountPrefix = "auth/user/"

// Account is a local ccsync login (not a Claude user).
type Account struct {
	Name         string `json:"name"`
	Role         Role   `json:"role"`
	PasswordHash string `json:"password_hash"`
	// Epoch is bumped on every password or role change; sessions carry the
	// epoch they were created in, so such a change logs every browser out.
	Epoch int `json:"epoch"`
	// Nonce is random per account creation and carried by its sessions, so
	// a session of a deleted account never matches an account re-created
	// under the same name (whose Epoch starts again at 0).
	Nonce string `json:"nonce,omitempty"`
	// TokenEpoch is bumped by every password change or reset; API tokens
	// carry the one they were issued in (see tokenRecord), so a new
	// password ends them unless the owner explicitly keeps them.
	TokenEpoch        int       `json:"token_epoch,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
}

// AccountInfo is an account without its password hash, for listings.
type AccountInfo struct {
	Name              string    `json:"name"`
	Role              Role      `json:"role"`
	CreatedAt         time.Time `json:"created_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
}

func (a Account) Info() AccountInfo {
	return AccountInfo{Name: a.Name, Role: a.Role, CreatedAt: a.CreatedAt, PasswordChangedAt: a.PasswordChangedAt}
}

// Accounts stores accounts in the indexer's meta keyspace under auth/user/.
type Accounts struct {
	store MetaStore
	argon argonParams
	kdf   *gate
	now   func() time.Time
	// mu serialises read-modify-write cycles; meta writes are not
	// transactional, and only one process can hold the data directory.
	mu sync.Mutex
	// dummyHash is verified against when an account does not exist, so a
	// login attempt takes as long for a missing account as for a wrong
	// password and does not reveal which names exist.
	dummyOnce sync.Once
	dummyHash string
}

// NewAccounts returns the account store kept in store.
func NewAccounts(store MetaStore) *Accounts {
	return &Accounts{store: store, argon: defaultArgon, kdf: newGate(kdfConcurrency, kdfQueue, kdfMaxWait), now: time.Now}
}

// hash and verify run argon2 through the gate, which bounds the memory
// that concurrent callers can make the server allocate.
func (a *Accounts) hash(password string) (hash string, err error) {
	if gerr := a.kdf.run(func() { hash, err = hashPassword(a.argon, password) }); gerr != nil {
		return "", ErrBusy
	}
	return hash, err
}

func (a *Accounts) verify(encoded, password string) (ok bool, err error) {
	if gerr := a.kdf.run(func() { ok, err = verifyPassword(encoded, password) }); gerr != nil {
		return false, ErrBusy
	}
	return ok, err
}

func (a *Accounts) get(name string) (Account, error) {
	b, err := a.store.Meta(accountPrefix + name)
	if errors.Is(err, indexer.ErrNotFound) {
		return Account{}, fmt.Errorf("account %q: %w", name, ErrNoAccount)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account %q: %w", name, err)
	}
	var acct Account
	if err := json.Unmarshal(b, &acct); err != nil {
		return Account{}, fmt.Errorf("decode account %q: %w", name, err)
	}
	return acct, nil
}

// Get returns the named account.
func (a *Accounts) Get(name string) (Account, error) {
	if !accountName.MatchString(name) {
		return Account{}, fmt.Errorf("account %q: %w", name, ErrNoAccount)
	}
	return a.get(name)
}

func (a *Accounts) put(acct Account) error {
	b, err := json.Marshal(acct)
	if err != nil {
		return fmt.Errorf("encode account %q: %w", acct.Name, err)
	}
	if err := a.store.PutMeta(accountPrefix+acct.Name, b); err != nil {
		return fmt.Errorf("store account %q: %w", acct.Name, err)
	}
	return nil
}

// List returns every account, ordered by name.
func (a *Accounts) List() ([]AccountInfo, error) {
	var out []AccountInfo
	err := a.store.ScanMeta(accountPrefix, func(key string, value []byte) error {
		var acct Account
		if err := json.Unmarshal(value, &acct); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		out = append(out, acct.Info())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Create adds an account.
func (a *Accounts) Create(name string, role Role, password string) error {
	if !accountName.MatchString(name) {
		return ErrBadName
	}
	if !role.valid() {
		return ErrBadRole
	}
	if len(password) < MinPasswordLen {
		return ErrWeakPassword
	}
	hash, err := a.hash(password)
	if err != nil {
		return err
	}
	nonce, err := randomToken(16)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.get(name); err == nil {
		return fmt.Errorf("account %q: %w", name, ErrAccountExists)
	} else if !errors.Is(err, ErrNoAccount) {
		return err
	}
	now := a.now().UTC()
	return a.put(Account{Name: name, Role: role, PasswordHash: hash, Nonce: nonce, CreatedAt: now, PasswordChangedAt: now})
}

// SetPassword replaces an account's password and ends its sessions. It
// revokes the account's API tokens too, unless keepTokens (the owner's own
// change, asked for explicitly), which carries them over to the new
// password. It returns how many tokens were revoked.
func (a *Accounts) SetPassword(name, password string, keepTokens bool) (revoked int, err error) {
	if len(password) < MinPasswordLen {
		return 0, ErrWeakPassword
	}
	hash, err := a.hash(password)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, err := a.Get(name)
	if err != nil {
		return 0, err
	}
	old := acct
	acct.PasswordHash = hash
	acct.PasswordChangedAt = a.now().UTC()
	acct.Epoch++
	acct.TokenEpoch++
	// The account goes first: from then on the bump alone refuses every
	// old token, so a failure below leaves stale records (pruned at
	// start-up), never a token that outlived the password.
	if err := a.put(acct); err != nil {
		return 0, err
	}
	toks, err := loadTokens(a.store, name)
	if err != nil {
		return 0, fmt.Errorf("password of %q changed, but its tokens: %w", name, err)
	}
	for _, t := range toks {
		valid := t.validFor(old)
		if keepTokens && valid {
			gen := acct.TokenEpoch
			t.Generation, t.Nonce = &gen, acct.Nonce
			err = putToken(a.store, t.key, t)
		} else {
			err = a.store.PutMeta(t.key, nil)
			if valid {
				revoked++
			}
		}
		if err != nil {
			return revoked, fmt.Errorf("password of %q changed, but its tokens: %w", name, err)
		}
	}
	return revoked, nil
}

// addToken stores a new token bound to its account's current token
// generation. It holds the account lock so that a concurrent password
// change cannot slip between reading the generation and the write.
func (a *Accounts) addToken(key string, tok apiToken) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, err := a.Get(tok.Account)
	if err != nil {
		return err
	}
	gen := acct.TokenEpoch
	return putToken(a.store, key, tokenRecord{apiToken: tok, Generation: &gen, Nonce: acct.Nonce})
}

// SetRole changes an account's role and ends its sessions.
func (a *Accounts) SetRole(name string, role Role) error {
	if !role.valid() {
		return ErrBadRole
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, err := a.Get(name)
	if err != nil {
		return err
	}
	if acct.Role == role {
		return nil
	}
	if acct.Role == RoleAdmin {
		if err := a.checkNotLastAdmin(); err != nil {
			return err
		}
	}
	acct.Role = role
	acct.Epoch++
	return a.put(acct)
}

// Delete removes an account together with its sessions and API tokens.
// (They would stop working anyway, since authentication re-reads the
// account on every request and sessions carry the account's nonce, but
// they must not linger in storage.)
func (a *Accounts) Delete(name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, err := a.Get(name)
	if err != nil {
		return err
	}
	if acct.Role == RoleAdmin {
		if err := a.checkNotLastAdmin(); err != nil {
			return err
		}
	}
	for _, prefix := range []string{sessionPrefix, tokenPrefix} {
		if err := deleteOwnedMeta(a.store, prefix, name); err != nil {
			return fmt.Errorf("delete account %q: %w", name, err)
		}
	}
	if err := a.store.PutMeta(accountPrefix+name, nil); err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	return nil
}

// deleteOwnedMeta removes every record under prefix (sessions, tokens)
// whose "account" field is account. Records that do not decode are left to
// pruneSessions.
func deleteOwnedMeta(store MetaStore, prefix, account string) error {
	var keys []string
	err := store.ScanMeta(prefix, func(key string, value []byte) error {
		var rec struct {
			Account string `json:"account"`
		}
		if json.Unmarshal(value, &rec) == nil && rec.Account == account {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan %s: %w", prefix, err)
	}
	for _, k := range keys {
		if err := store.PutMeta(k, nil); err != nil {
			return fmt.Errorf("remove %s: %w", k, err)
		}
	}
	return nil
}

func (a *Accounts) checkNotLastAdmin() error {
	all, err := a.List()
	if err != nil {
		return err
	}
	admins := 0
	for _, x := range all {
		if x.Role == RoleAdmin {
			admins++
		}
	}
	if admins <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// Authenticate checks a name and password.
func (a *Accounts) Authenticate(name, password string) (Account, error) {
	acct, err := a.Get(name)
	if errors.Is(err, ErrNoAccount) {
		// Computed once, outside the gate: a dummy that could fail to be
		// made would answer missing accounts faster than wrong passwords.
		a.dummyOnce.Do(func() { a.dummyHash, _ = hashPassword(a.argon, "ccsync-dummy-password") })
		if _, err := a.verify(a.dummyHash, password); errors.Is(err, ErrBusy) {
			return Account{}, err
		}
		return Account{}, errBadLogin
	}
	if err != nil {
		return Account{}, err
	}
	ok, err := a.verify(acct.PasswordHash, password)
	if errors.Is(err, ErrBusy) {
		return Account{}, err
	}
	if err != nil {
		return Account{}, fmt.Errorf("account %q: %w", name, err)
	}
	if !ok {
		return Account{}, errBadLogin
	}
	return acct, nil
}

// EnsureAdmin creates the first admin account, named "admin", when there are
// no accounts at all. The password is envPassword if set, else generated; a
// generated password is returned so the caller can print it once.
func (a *Accounts) EnsureAdmin(envPassword string) (created bool, generated string, err error) {
	all, err := a.List()
	if err != nil {
		return false, "", err
	}
	if len(all) > 0 {
		return false, "", nil
	}
	password := envPassword
	if password == "" {
		if password, err = GeneratePassword(); err != nil {
			return false, "", err
		}
		generated = password
	}
	if err := a.Create("admin", RoleAdmin, password); err != nil {
		return false, "", fmt.Errorf("create first admin: %w", err)
	}
	return true, generated, nil
}
