package synth

import (
	"reflect"
	"testing"
)

// Generate is built on the stream; two runs from the same options must give
// the same data (nothing may depend on map order or the clock), or the
// benchmark and the tests would measure different organisations.
func TestStreamMatchesGenerate(t *testing.T) {
	o := Options{Seed: 7, Users: 5, Conversations: 12, MessagesPer: 4, SecretEvery: 5, TextBytes: 200}
	org := Generate(o)
	s := NewStream(o)
	if !reflect.DeepEqual(s.Users(), org.Users) {
		t.Fatal("users differ")
	}
	var convs, msgs int
	for {
		c, ms, ok := s.Next()
		if !ok {
			break
		}
		if !reflect.DeepEqual(c, org.Conversations[convs]) {
			t.Fatalf("conversation %d differs:\n%+v\n%+v", convs, c, org.Conversations[convs])
		}
		for _, m := range ms {
			if !reflect.DeepEqual(m, org.Messages[msgs]) {
				t.Fatalf("message %d differs", msgs)
			}
			msgs++
		}
		convs++
	}
	if convs != len(org.Conversations) || msgs != len(org.Messages) {
		t.Fatalf("streamed %d conversations, %d messages; want %d, %d", convs, msgs, len(org.Conversations), len(org.Messages))
	}
}
