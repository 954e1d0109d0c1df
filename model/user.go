package model

// Organization is the Claude organisation whose data is being audited.
type Organization struct {
	ID   string `json:"id"` // organisation UUID as the Compliance API reports it
	Name string `json:"name,omitempty"`
}

// User is a person who owns conversations. ID is the most stable identifier the
// source offers: `user_…` from the Compliance API, the account UUID from an export.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// AvatarSeed picks the avatar colour; it stays stable when name or email change.
	AvatarSeed string `json:"avatar_seed,omitempty"`
	// Aliases are other ids the same person is known by (an export account UUID
	// next to an API `user_…` id), so either resolves to this record.
	Aliases []string `json:"aliases,omitempty"`
}

// DisplayName is what a person should see for this user: the name, else the
// email, else the bare id.
func (u User) DisplayName() string {
	switch {
	case u.Name != "":
		return u.Name
	case u.Email != "":
		return u.Email
	}
	return u.ID
}
