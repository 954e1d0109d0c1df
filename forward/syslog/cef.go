package syslog

import (
	"strconv"
	"strings"
	"time"

	"github.com/ccsync/ccsync/model"
)

// CEF (ArcSight Common Event Format, rev. 25) as the MSG of a syslog
// message:
//
//	CEF:0|ccsync|ccsync|<version>|<event type>|<name>|<0-10>|<extension>
//
// Extension keys are the standard ones where one fits (rt, externalId,
// suser, suid, cnt, request, dvchost, start, end) and labelled custom
// strings otherwise:
//
//	cs1 findingTypes  cs2 origin     cs3 conversationId  cs4 messageId
//	cs5 alertRule     cs6 previews   flexString1 model   flexString2 product
//	cn1 suppressed    deviceCustomDate1 ingestedAt
//
// Times are milliseconds since the epoch. Anonymous events carry only
// rt, externalId, dvchost, cnt, cs1, cs2 and deviceCustomDate1.

const previewsMax = 2000 // bytes of cs6 before escaping

// cefSeverity maps a finding severity onto CEF's 0-10 scale (0-3 low,
// 4-6 medium, 7-8 high, 9-10 very high).
func cefSeverity(s model.Severity) int {
	switch s {
	case model.SeverityCritical:
		return 10
	case model.SeverityHigh:
		return 8
	case model.SeverityMedium:
		return 5
	case model.SeverityLow:
		return 3
	}
	return 0
}

// escapeCEFHeader escapes a header field: backslash and pipe are escaped,
// and since a header cannot hold line breaks, control characters become
// spaces.
func escapeCEFHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\' || r == '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeCEFValue escapes an extension value: backslash and equals are
// escaped, CR and LF written as \r and \n, other control characters
// become spaces.
func escapeCEFValue(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\' || r == '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func cefName(ev *model.ForwardEvent) string {
	switch ev.Type {
	case "alert":
		if ev.Alert != nil && ev.Alert.RuleName != "" {
			return "Alert: " + cutUTF8(ev.Alert.RuleName, sdValueMax)
		}
		return "Alert"
	case "finding":
		if ts := findingTypes(ev); len(ts) > 0 {
			return "Sensitive data found: " + cutUTF8(strings.Join(ts, ","), sdValueMax)
		}
		return "Sensitive data found"
	case "message":
		switch n := findingCount(ev); n {
		case 0:
			return "Message"
		case 1:
			return "Message with 1 finding"
		default:
			return "Message with " + strconv.Itoa(n) + " findings"
		}
	}
	return cutUTF8(ev.Type, 64)
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// cefLine formats ev as a CEF line of at most budget bytes.
func cefLine(ev *model.ForwardEvent, sev model.Severity, host, version string, ts time.Time, budget int) string {
	line := cefBuild(ev, sev, host, version, ts, true)
	if len(line) <= budget {
		return line
	}
	// The previews are the only long field; without them it is ids and
	// names, which fit unless they are absurd, and then the line is cut.
	line = cefBuild(ev, sev, host, version, ts, false)
	if len(line) <= budget {
		return line
	}
	line = cutUTF8(line, budget)
	// Do not end on half an escape sequence.
	if n := len(line) - len(strings.TrimRight(line, `\`)); n%2 == 1 {
		line = line[:len(line)-1]
	}
	return line
}

func cefBuild(ev *model.ForwardEvent, sev model.Severity, host, version string, ts time.Time, previews bool) string {
	var b strings.Builder
	b.WriteString("CEF:0|ccsync|ccsync|")
	b.WriteString(escapeCEFHeader(version))
	b.WriteByte('|')
	b.WriteString(escapeCEFHeader(ev.Type))
	b.WriteByte('|')
	b.WriteString(escapeCEFHeader(cefName(ev)))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(cefSeverity(sev)))
	b.WriteByte('|')

	first := true
	add := func(key, value string) {
		if value == "" {
			return
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(escapeCEFValue(value))
	}
	labelled := func(key, label, value string) {
		if value != "" {
			add(key+"Label", label)
			add(key, value)
		}
	}
	add("rt", millis(ts))
	add("externalId", cutUTF8(ev.ID, sdIDMax))
	add("dvchost", host)
	add("cnt", strconv.Itoa(findingCount(ev)))
	labelled("cs1", "findingTypes", cutUTF8(strings.Join(findingTypes(ev), ","), sdValueMax))
	labelled("cs2", "origin", cutUTF8(ev.Origin, sdIDMax))
	if !ev.IngestedAt.IsZero() {
		labelled("deviceCustomDate1", "ingestedAt", millis(ev.IngestedAt))
	}
	if ev.Anonymous {
		return b.String()
	}
	user := ev.UserEmail
	if user == "" {
		user = ev.UserName
	}
	add("suser", cutUTF8(user, sdValueMax))
	add("suid", cutUTF8(ev.UserID, sdIDMax))
	labelled("cs3", "conversationId", cutUTF8(ev.ConversationID, sdIDMax))
	labelled("cs4", "messageId", cutUTF8(ev.MessageID, sdIDMax))
	if a := ev.Alert; a != nil {
		labelled("cs5", "alertRule", cutUTF8(a.RuleName, sdValueMax))
		if !a.FirstSeen.IsZero() {
			add("start", millis(a.FirstSeen))
		}
		if !a.LastSeen.IsZero() {
			add("end", millis(a.LastSeen))
		}
		if a.Suppressed > 0 {
			labelled("cn1", "suppressed", strconv.Itoa(a.Suppressed))
		}
	}
	labelled("flexString1", "model", cutUTF8(ev.Model, sdValueMax))
	labelled("flexString2", "product", cutUTF8(ev.Product, sdValueMax))
	add("request", cutUTF8(ev.Link, 1024))
	if previews {
		var ps []string
		for _, f := range ev.Findings {
			if f.Preview != "" {
				ps = append(ps, f.Type+": "+f.Preview)
			}
		}
		labelled("cs6", "previews", cutUTF8(strings.Join(ps, "; "), previewsMax))
	}
	return b.String()
}
