package scanners

import (
	"math"
	"strings"
)

// Placeholder detection. Documentation, tutorials and chat answers are full
// of key-shaped values that are not secrets; reporting them buries the real
// ones. Each check returns the name of the rule that fired so that
// ScanVerbose can explain why a candidate was dropped.

// placeholderWords appear in invented values, not in random key material.
// Entries are lower case; the shortest are four letters, which a random
// 40-character base62 body contains by chance with probability ~1e-5.
var placeholderWords = []string{
	"example", "your", "here", "placeholder", "changeme", "change_me", "dummy",
	"fake", "redacted", "insert", "replace", "sample", "notreal", "secret_key",
	"token_here", "xxxx", "qwerty",
}

var sequentialRuns = []string{"1234567", "abcdefgh", "0123456", "9876543"}

// documentedSamples are credentials printed in vendors' public documentation
// (the jwt.io sample token's signature, Stripe's docs test key, Slack's API
// docs bot token). They appear in countless tutorials and answers.
var documentedSamples = map[string]bool{
	"sk_test_4eC39HqLyjWDarjtT1zdp7dc":                      true,
	"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy": true,
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c": true,
	// The storage emulator's (Azurite's) fixed account key, published by
	// Microsoft for local development.
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": true,
	// Google API keys that their projects publish on purpose (browser keys
	// of public Google and Firebase demos), listed as public by gitleaks'
	// default configuration.
	"AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs": true,
	"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM": true,
	"AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU": true,
	"AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0": true,
	"AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A": true,
	"AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c": true,
	"AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4": true,
	"AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY": true,
	"AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM": true,
	"AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ": true,
	"AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g": true,
	"AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU": true,
	"AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw": true,
	"AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE": true,
	"AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY": true,
}

// placeholder reports why value (the secret part, without a vendor prefix)
// looks invented, or "" if it does not.
func placeholder(value string) string {
	if why := placeholderText(value); why != "" {
		return why
	}
	if repeatedRun(value, 5) || dominantChar(value) {
		return "placeholder:repeated-char"
	}
	return ""
}

// placeholderEncoded is placeholderRandom for base64 of binary data
// (macaroons, protobuf): runs like "AAAAAA" are zero bytes there, not
// filler, so only a dominant character counts as repetition.
func placeholderEncoded(value string) string {
	if why := placeholderText(value); why != "" {
		return why
	}
	if dominantChar(value) {
		return "placeholder:repeated-char"
	}
	if len(value) >= 16 && entropy(value) < 3.0 {
		return "placeholder:low-entropy"
	}
	return ""
}

// placeholderText is the part of placeholder that looks at words, masks,
// templates and sequences.
func placeholderText(value string) string {
	switch {
	case value == "":
		return "placeholder:empty"
	case strings.Contains(value, "***"), strings.Contains(value, "..."), strings.Contains(value, "…"),
		strings.Contains(value, "•"):
		return "placeholder:masked"
	case strings.Contains(value, "${"), strings.Contains(value, "{{"), strings.Contains(value, "$("),
		strings.ContainsAny(value, "<>"), strings.Contains(value, "%s"), value[0] == '$', value[0] == '%':
		return "placeholder:template"
	}
	for _, w := range placeholderWords {
		if containsFold(value, w) {
			return "placeholder:word:" + w
		}
	}
	for _, w := range sequentialRuns {
		if containsFold(value, w) {
			return "placeholder:sequential"
		}
	}
	return ""
}

// placeholderRandom is placeholder for values that should be random key
// material: it adds an entropy floor, which human-chosen passwords would fail.
func placeholderRandom(value string) string {
	if allIn(value, &setHex) && len(value) >= 32 {
		return placeholderHex(value)
	}
	if why := placeholder(value); why != "" {
		return why
	}
	if len(value) >= 16 && entropy(value) < 3.0 {
		return "placeholder:low-entropy"
	}
	return ""
}

// placeholderSegment is placeholder for one segment of a shaped value,
// with placeholderHex's run length for long hex segments.
func placeholderSegment(seg string) string {
	if len(seg) >= 32 && allIn(seg, &setHex) {
		if why := placeholderText(seg); why != "" {
			return why
		}
		if repeatedRun(seg, 6) || dominantChar(seg) {
			return "placeholder:repeated-char"
		}
		return ""
	}
	return placeholder(seg)
}

// placeholderHex is placeholderRandom for long hex strings. Sixteen symbols
// repeat by chance more than sixty-two do: a run of five occurs in one
// random 64-digit hex key in a thousand, and a 32-digit one falls below
// 3.0 bits of entropy about as often, so the thresholds are one step
// lower (runs of six, 2.7 bits).
func placeholderHex(value string) string {
	if why := placeholderText(value); why != "" {
		return why
	}
	if repeatedRun(value, 6) || dominantChar(value) {
		return "placeholder:repeated-char"
	}
	if entropy(value) < 2.7 {
		return "placeholder:low-entropy"
	}
	return ""
}

// repeatedRun reports whether value has a run of n identical bytes.
func repeatedRun(value string, n int) bool {
	run := 1
	for i := 1; i < len(value); i++ {
		if value[i] == value[i-1] {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// dominantChar reports whether a single byte makes up half of a value of at
// least 8 bytes (`aaaa-aaaa-bbbb`, `0000000000000000000A`).
func dominantChar(value string) bool {
	if len(value) < 8 {
		return false
	}
	var counts [256]uint16
	for i := 0; i < len(value) && i < 1<<15; i++ {
		counts[value[i]]++
	}
	for _, n := range counts {
		if int(n)*2 >= len(value) {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of value in bits per byte.
func entropy(value string) float64 {
	if value == "" {
		return 0
	}
	var counts [256]uint32
	for i := 0; i < len(value); i++ {
		counts[value[i]]++
	}
	n := float64(len(value))
	h := 0.0
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
