package keystore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
)

// The package no longer imports the indexer for its not-found error; the
// real store's error for a missing key must still read as "no secret".
func TestIndexerAsMetaStore(t *testing.T) {
	dir := t.TempDir()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	s, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("compliance"); !errors.Is(err, keystore.ErrNoSecret) {
		t.Fatalf("Get with nothing saved: %v, want ErrNoSecret", err)
	}
	if _, err := s.Put("compliance", "sk-ant-api01-indexer-meta-store-test-key"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get("compliance"); err != nil || got != "sk-ant-api01-indexer-meta-store-test-key" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}
