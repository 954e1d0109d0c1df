package scanners

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// Chat, messaging and e-mail services. Slack's token families (api.slack.com
// token types): bot xoxb-<team>-<bot>-<secret>, user xoxp-<team>-<user>-
// <id>-<secret>, app-level xapp-<n>-<app>-<id>-<secret>, rotating
// configuration tokens xoxe.xoxp-/xoxe.xoxb- and their refresh tokens
// xoxe-, legacy workspace xoxa-/xoxr-, legacy xoxs-/xoxo-.
var chatRules = append(slackRules,
	// Firebase Cloud Messaging legacy server keys: "AAAA", a 7-character
	// sender id hash, then ":APA91b" and 134 characters.
	shaped("AAAA", "firebase-cloud-messaging-key", exactly(&setToken, 7), lit(":APA91b"), exactly(&setToken, 134)),
	fixed("SK", "twilio-api-key", &setHex, 32),
	// SendGrid: SG.<22 id>.<43 secret>; the body is 66 characters of
	// [A-Za-z0-9_.=-] (other tools' fixtures do not always keep the dot).
	fixed("SG.", "sendgrid-api-token", &setSendGrid, 66),
	shaped("xkeysib-", "sendinblue-api-token", exactly(&setHexLower, 64), lit("-"), exactly(&setAlnum, 16)),
	shaped("xsmtpsib-", "sendinblue-smtp-key", exactly(&setHexLower, 64), lit("-"), exactly(&setAlnum, 16)),
	fixed("key-", "mailgun-private-api-token", &setHexLower, 32).asLoose(),
	// Twitter app-only bearer tokens start with 22 'A's (zero bytes).
	ranged("AAAAAAAAAAAAAAAAAAAAAA", "twitter-bearer-token", &setTwitterBearer, 80, 100).asEncoded(),
	shaped("ntn_", "notion-api-token", exactly(&setDigits, 11), exactly(&setAlnum, 35)),
)

var slackRules = secretTails(
	shaped("xoxb-", "slack-bot-token", run(&setDigits, 10, 13), lit("-"), run(&setDigits, 10, 13), lit("-"), run(&setAlnum, 20, 48)),
	shaped("xoxb-", "slack-legacy-bot-token", run(&setDigits, 8, 14), lit("-"), run(&setAlnum, 18, 26)),
	// User tokens: team, user and token ids, then the secret (32 hex in
	// current tokens, shorter in old ones).
	shaped("xoxp-", "slack-user-token", run(&setDigits, 6, 13), lit("-"), run(&setDigits, 6, 13), lit("-"), run(&setDigits, 6, 13),
		lit("-"), run(&setAlnum, 16, 64)),
	shaped("xoxe-", "slack-user-token", run(&setDigits, 6, 13), lit("-"), run(&setDigits, 6, 13), lit("-"), run(&setDigits, 6, 13),
		lit("-"), run(&setAlnum, 16, 64)),
	shaped("xoxe-", "slack-config-refresh-token", exactly(&setDigits, 1), lit("-"), exactly(&setAlnum, 146)),
	shaped("xoxe.xoxp-", "slack-config-access-token", exactly(&setDigits, 1), lit("-"), run(&setAlnum, 163, 166)),
	shaped("xoxe.xoxb-", "slack-config-access-token", exactly(&setDigits, 1), lit("-"), run(&setAlnum, 163, 166)),
	shaped("xapp-", "slack-app-token", exactly(&setDigits, 1), lit("-"), run(&setAlnum, 8, 14), lit("-"), run(&setDigits, 10, 16),
		lit("-"), run(&setAlnum, 32, 128)),
	ranged("xoxa-", "slack-legacy-workspace-token", &setSlack, 8, 250).withCheck(checkSlackLegacyWorkspace),
	ranged("xoxr-", "slack-legacy-workspace-token", &setSlack, 8, 250).withCheck(checkSlackLegacyWorkspace),
	shaped("xoxs-", "slack-legacy-token", run(&setDigits, 1, 14), lit("-"), run(&setDigits, 1, 14), lit("-"), run(&setDigits, 1, 14),
		lit("-"), run(&setHex, 8, 64)),
	shaped("xoxo-", "slack-legacy-token", run(&setDigits, 1, 14), lit("-"), run(&setDigits, 1, 14), lit("-"), run(&setDigits, 1, 14),
		lit("-"), run(&setHex, 8, 64)),
)

func secretTails(rs ...*vendorRule) []*vendorRule {
	for _, r := range rs {
		r.secretTail = true
	}
	return rs
}

// Slack incoming webhooks: hooks.slack.com/services/T…/B…/<24>, and the
// workflow and trigger URLs of Workflow Builder; the path is base62 with
// slashes. The scheme is optional (URLs are pasted bare), so the match
// starts at "hooks" and takes in a preceding "http(s)://".
const slackHooksHost = "hooks.slack.com/"

var setWebhookPath = makeSet("a-z", "A-Z", "0-9", "+/")

func scanSlackWebhook(c *collector, i int) int {
	text := c.text
	k := i + len(slackHooksHost)
	var kind string
	for _, p := range [...]string{"services/", "workflows/", "triggers/"} {
		if strings.HasPrefix(text[k:], p) {
			kind = p
		}
	}
	if kind == "" {
		return i
	}
	pathStart := k + len(kind)
	end := span(text, pathStart, &setWebhookPath, 121)
	for end > pathStart && text[end-1] == '/' {
		end--
	}
	path := text[pathStart:end]
	if len(path) < 43 || len(path) > 120 || (end < len(text) && setToken[text[end]]) {
		return i
	}
	start := i
	for _, scheme := range [...]string{"https://", "http://"} {
		if i >= len(scheme) && text[i-len(scheme):i] == scheme {
			start = i - len(scheme)
		}
	}
	why := placeholder(path)
	if why == "" && !hasDigitAndLetter(path) {
		why = "invalid:slack-webhook-format"
	}
	addVendor(c, model.SeverityCritical, "slack-webhook-url", start, end, preview{prefix: pathStart - start}, why, "")
	return end
}

// Microsoft Teams incoming webhooks:
// https://<tenant>.webhook.office.com/webhookb2/<uuid>@<uuid>/IncomingWebhook/<32>/<uuid>,
// followed in newer URLs by /V2<token>.
const teamsHost = ".webhook.office.com/webhookb2/"

func scanTeamsWebhook(c *collector, i int) int {
	text := c.text
	k := i + len("https://")
	h := span(text, k, &setSlack, 64)
	if h == k || !strings.HasPrefix(text[h:], teamsHost) {
		return i
	}
	p := h + len(teamsHost)
	var ok bool
	if p, ok = matchUUID(text, p); !ok || p >= len(text) || text[p] != '@' {
		return i
	}
	if p, ok = matchUUID(text, p+1); !ok || !strings.HasPrefix(text[p:], "/IncomingWebhook/") {
		return i
	}
	p += len("/IncomingWebhook/")
	e := span(text, p, &setAlnum, 33)
	if e-p != 32 || e >= len(text) || text[e] != '/' {
		return i
	}
	end, ok := matchUUID(text, e+1)
	if !ok || (end < len(text) && setToken[text[end]]) {
		return i
	}
	if strings.HasPrefix(text[end:], "/V2") {
		if v := span(text, end+3, &setToken, 128); v-end-3 >= 20 {
			end = v
		}
	}
	why := placeholder(text[p:e])
	addVendor(c, model.SeverityCritical, "microsoft-teams-webhook", i, end, preview{prefix: h - i + len(teamsHost)}, why, "")
	return end
}

// matchUUID matches an 8-4-4-4-12 UUID at k (alphanumeric, as other
// tools match these URLs).
func matchUUID(text string, k int) (int, bool) {
	for n, want := range [...]int{8, 4, 4, 4, 12} {
		if n > 0 {
			if k >= len(text) || text[k] != '-' {
				return k, false
			}
			k++
		}
		e := span(text, k, &setAlnum, want)
		if e-k != want {
			return k, false
		}
		k = e
	}
	return k, true
}

// checkSlackLegacyWorkspace: an optional one-digit version, then either
// one 8-48 character secret or numeric ids and a secret of at least 8
// (xoxa-2-<team>-<user>-<id>-<hex>), mixing digits and letters overall.
func checkSlackLegacyWorkspace(tok, body string) string {
	if len(body) > 2 && isDigit(body[0]) && body[1] == '-' {
		body = body[2:]
	}
	parts := strings.Split(body, "-")
	ok := hasDigitAndLetter(body)
	if len(parts) == 1 {
		ok = ok && inLen(body, 8, 48) && allIn(body, &setAlnum)
	} else {
		for _, p := range parts[:len(parts)-1] {
			ok = ok && inLen(p, 6, 14) && allIn(p, &setDigits)
		}
		last := parts[len(parts)-1]
		ok = ok && inLen(last, 8, 64) && allIn(last, &setAlnum)
	}
	if !ok {
		return "invalid:slack-legacy-workspace-format"
	}
	return ""
}

var setTwitterBearer = makeSet("a-z", "A-Z", "0-9", "%")

// uuidSegs is a lowercase 8-4-4-4-12 UUID as a shape.
var uuidSegs = []seg{exactly(&setHexLower, 8), lit("-"), exactly(&setHexLower, 4), lit("-"), exactly(&setHexLower, 4), lit("-"),
	exactly(&setHexLower, 4), lit("-"), exactly(&setHexLower, 12)}

// Discord webhooks: https://[ptb.|canary.]discord[app].com/api/webhooks/<id>/<token>.
func scanDiscordWebhook(c *collector, i int) int {
	text := c.text
	k := i + len("https://")
	for _, sub := range [...]string{"ptb.", "canary."} {
		if strings.HasPrefix(text[k:], sub) {
			k += len(sub)
		}
	}
	switch {
	case strings.HasPrefix(text[k:], "discord.com/api/webhooks/"):
		k += len("discord.com/api/webhooks/")
	case strings.HasPrefix(text[k:], "discordapp.com/api/webhooks/"):
		k += len("discordapp.com/api/webhooks/")
	default:
		return i
	}
	e := span(text, k, &setDigits, 21)
	if e-k < 17 || e-k > 20 || e >= len(text) || text[e] != '/' {
		return i
	}
	p := e + 1
	end := span(text, p, &setToken, 81)
	if end-p < 60 || end-p > 80 || (end < len(text) && setToken[text[end]]) {
		return i
	}
	addVendor(c, model.SeverityCritical, "discord-webhook-url", i, end, preview{prefix: p - i}, placeholderRandom(text[p:end]), "")
	return end
}

// scanTelegramBotToken reports a Telegram bot token standing alone: the
// bot's numeric id (8 to 10 digits), ':' and a 35-character secret that
// always starts with "AA" (Telegram's Bot API documentation). The shape is
// distinctive enough to need no "telegram" nearby; with one, the key-name
// rule of the same name reports it too and the overlap keeps one.
func scanTelegramBotToken(c *collector, i, colon int) int {
	text := c.text
	if n := colon - i; n < 8 || n > 10 || !strings.HasPrefix(text[colon+1:], "AA") {
		return i
	}
	end := span(text, colon+1, &setToken, 36)
	if end-colon-1 != 35 {
		return i
	}
	why := placeholderRandom(text[colon+3 : end])
	addVendor(c, model.SeverityCritical, "telegram-bot-api-token", i, end, preview{prefix: colon - i + 1}, why, "")
	return end
}
