// Package keystore keeps secrets (the Compliance API key) encrypted at rest
// with a Tink AEAD (AES-256-GCM).
//
// It uses github.com/tink-crypto/tink-go/v2, the maintained successor of
// github.com/google/tink/go (frozen at v1.7.0; the two cannot be linked into
// one binary because they register the same protobuf names).
//
// The data keyset lives in a file created on first use with mode 0600, by
// default under the data directory; it can instead be supplied from outside
// (a path), and it can itself be encrypted under a key-encryption key kept
// outside the data directory: a key file, a systemd credential or a
// passphrase (argon2id), or any tink.AEAD. Only ciphertext and a short
// hint are ever stored in the meta store; each ciphertext is bound to its
// purpose with associated data, so a ciphertext copied to another purpose's
// slot does not decrypt.
package keystore
