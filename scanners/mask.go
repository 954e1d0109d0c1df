package scanners

import (
	"strings"
	"unicode/utf8"
)

// preview says how to mask a finding's value. Previews go into index facets,
// list responses and CLI output, so they must never carry the secret: at most
// a non-secret vendor prefix, a few edge characters, and bullets.
type preview struct {
	kind   uint8
	prefix int // bytes of non-secret prefix to keep (vendor tag, PEM label)
}

const (
	pvSecret uint8 = iota
	pvEmail
	pvDigits // cards, SSNs, phones: keep separators and the last four digits
	pvIP
	pvPEM
)

const bullet = "•"

func bullets(n int) string {
	if n > 16 {
		n = 16
	}
	if n < 1 {
		n = 1
	}
	return strings.Repeat(bullet, n)
}

func (p preview) render(v string) string {
	switch p.kind {
	case pvEmail:
		return maskEmail(v)
	case pvDigits:
		return maskDigits(v)
	case pvIP:
		return maskIP(v)
	case pvPEM:
		if i := strings.Index(v[5:], "-----"); i >= 0 && i < 64 {
			return v[:i+10] + bullets(16)
		}
		return "-----BEGIN " + bullets(16)
	}
	return maskSecret(v, p.prefix)
}

// maskSecret keeps the non-secret prefix, then shows at most four leading and
// four trailing characters, and only when the value is long enough that they
// reveal at most a third of it (`AKIA••••••••••••MPLE`, where AKIA is the
// key kind). Short values such as passwords show no characters at all.
func maskSecret(v string, prefix int) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "?")
		prefix = 0
	}
	if prefix > len(v) {
		prefix = 0
	}
	head, body := v[:prefix], v[prefix:]
	switch {
	case prefix > 0 && len(body) >= 12:
		tail := runeCeil(body, len(body)-4)
		return head + bullets(tail) + body[tail:]
	case len(body) >= 24:
		keep := runeFloor(body, 4)
		tail := runeCeil(body, len(body)-4)
		return head + body[:keep] + bullets(tail-keep) + body[tail:]
	case len(body) >= 12:
		keep := runeFloor(body, 2)
		return head + body[:keep] + bullets(len(body)-keep)
	default:
		return head + bullets(len(body))
	}
}

// runeFloor and runeCeil move a byte index onto a rune boundary, so that a
// preview never splits a character.
func runeFloor(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func runeCeil(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

// maskEmail keeps the first character of the local part and the domain:
// j•••@acme.com. The domain is what auditors group by.
func maskEmail(v string) string {
	at := strings.LastIndexByte(v, '@')
	if at <= 0 {
		return bullets(len(v))
	}
	_, size := utf8.DecodeRuneInString(v)
	if size >= at {
		size = 0
	}
	return strings.ToValidUTF8(v[:size]+bullets(3)+v[at:], "?")
}

// maskDigits replaces every digit but the last four with a bullet and keeps
// separators, the form card receipts use.
func maskDigits(v string) string {
	digits := 0
	for i := 0; i < len(v); i++ {
		if isDigit(v[i]) {
			digits++
		}
	}
	var b strings.Builder
	b.Grow(len(v) * 3)
	seen := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isDigit(c) {
			b.WriteByte(c)
			continue
		}
		seen++
		if seen > digits-4 {
			b.WriteByte(c)
		} else {
			b.WriteString(bullet)
		}
	}
	return b.String()
}

// maskIP hides the host part (last octet).
func maskIP(v string) string {
	if i := strings.LastIndexByte(v, '.'); i >= 0 {
		return v[:i+1] + bullet
	}
	return bullet
}
