package browsertest

import (
	"fmt"
	"testing"
)

// BenchmarkOpenConversation measures opening a conversation in the browser,
// from navigation to the first messages drawn, for a 4-message thread (the
// baseline) and the 2,000-message one. Compare the two as a ratio: the
// absolute figures depend on the machine and on Chromium.
//
//	go test -run '^$' -bench OpenConversation ./ui/browsertest/
func BenchmarkOpenConversation(b *testing.B) {
	for _, bc := range []struct {
		name, id string
	}{
		{"messages=4", deployConvID},
		{fmt.Sprintf("messages=%d", bigMessages), bigConvID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tb := newTab(b)
			tb.login()
			for b.Loop() {
				tb.open("/conversations/" + bc.id)
				tb.waitJS("thread", `document.querySelectorAll('#thread .msg').length > 0`)
			}
		})
	}
}
