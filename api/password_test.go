package api

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	// The real cost parameters, once: the other tests use cheap ones.
	h, err := hashPassword(defaultArgon, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash format %q", h)
	}
	h2, _ := hashPassword(defaultArgon, "correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
	} {
		ok, err := verifyPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("verify %q = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$"} {
		if ok, err := verifyPassword(h, "x"); ok || err == nil {
			t.Errorf("verify(%q) = %v, %v; want an error", h, ok, err)
		}
	}
}

// FuzzVerifyPassword: a corrupt stored hash never verifies, panics or
// makes the KDF allocate without bound.
func FuzzVerifyPassword(f *testing.F) {
	good, _ := hashPassword(argonParams{Memory: 64, Time: 1, Threads: 1}, "pw")
	f.Add(good, "pw")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "x")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		ok, err := verifyPassword(encoded, pw)
		if ok && err != nil {
			t.Fatal("ok with error")
		}
		if ok && encoded != good {
			// Another encoding verifying would need a hash collision.
			if !strings.HasPrefix(encoded, "$argon2id$") {
				t.Fatalf("%q verified", encoded)
			}
		}
	})
}
