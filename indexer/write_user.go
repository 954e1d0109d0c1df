package indexer

import (
	"slices"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

func (w *writer) putUser(u model.User) error {
	if err := w.room(1024); err != nil {
		return err
	}
	var old model.User
	found, _, err := getJSON(w.txn, key(pUser, u.ID), &old)
	if err != nil {
		return err
	}
	merged := u
	if found {
		// A source that knows only part of a person (a chat's user has an email
		// but no name) must not erase what another source told us.
		if merged.Name == "" {
			merged.Name = old.Name
		}
		if merged.Email == "" {
			merged.Email = old.Email
		}
		if merged.AvatarSeed == "" {
			merged.AvatarSeed = old.AvatarSeed
		}
		for _, a := range old.Aliases {
			if !slices.Contains(merged.Aliases, a) {
				merged.Aliases = append(merged.Aliases, a)
			}
		}
	}
	if merged.AvatarSeed == "" {
		merged.AvatarSeed = merged.ID
	}
	slices.Sort(merged.Aliases)
	if found && old.Name == merged.Name && old.Email == merged.Email && old.AvatarSeed == merged.AvatarSeed &&
		slices.Equal(old.Aliases, merged.Aliases) {
		w.res.Unchanged++
		return nil
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	if err := w.set(key(pUser, u.ID), raw); err != nil {
		return err
	}
	for _, a := range merged.Aliases {
		if err := w.set(key(pAlias, a), []byte(u.ID)); err != nil {
			return err
		}
	}
	if !found {
		w.count("users", 1)
	}
	w.res.Users++
	// Relabel the user's conversations (and those filed under an alias).
	for _, id := range append([]string{u.ID}, merged.Aliases...) {
		if err := w.outbox(obUser, id); err != nil {
			return err
		}
	}
	return nil
}

// linkAlias records that alias (an export account uuid) names the user
// primary, creating a bare user record when the primary is not known yet.
func (w *writer) linkAlias(primary, alias string) error {
	var u model.User
	found, _, err := getJSON(w.txn, key(pUser, primary), &u)
	if err != nil {
		return err
	}
	if found && slices.Contains(u.Aliases, alias) {
		return nil
	}
	if !found {
		u = model.User{ID: primary}
	}
	u.Aliases = append(u.Aliases, alias)
	// putUser merges: it keeps what is stored and adds the alias.
	return w.putUser(model.User{ID: primary, Aliases: u.Aliases})
}
