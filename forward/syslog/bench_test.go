package syslog

import (
	"strings"
	"testing"
)

func BenchmarkMessage(b *testing.B) {
	for _, tc := range []struct {
		name string
		text string
		cef  bool
	}{
		{"small", "hello", false},
		{"16KiB text", strings.Repeat("abcdefgh", 2048), false},
		{"16KiB hostile text", strings.Repeat("\xff<é>\"\n", 2048), false},
		{"cef", "hello", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := testFormatter(tc.cef, false)
			ev := sampleEvents("b")[2]
			ev.Text = tc.text
			for b.Loop() {
				if _, err := f.message(ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParts(b *testing.B) {
	ev := sampleEvents("b")[2]
	f := testFormatter(false, false)
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			encodeJSON(ev)
		}
	})
	ps := sdParams(&ev, "critical")
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			f.build(2, t0, "message", ps)
		}
	})
}
