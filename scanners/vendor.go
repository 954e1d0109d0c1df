package scanners

import (
	"encoding/base64"
	"strings"

	"github.com/ccsync/ccsync/model"
)

// vendorRule is a key format with a literal prefix. The body after the prefix
// is a run of bytes from set whose length must lie in [min, max]; check, when
// set, validates the whole token and returns why it is invalid.
type vendorRule struct {
	prefix   string
	rule     string
	set      *charset
	min, max int
	// keepPrefix is how much of the token the preview may show; the vendor
	// tag is not secret and tells the auditor which system is exposed.
	keepPrefix int
	check      func(token, body string) string
}

var (
	setSlack    = makeSet("a-z", "A-Z", "0-9", "-")
	setGitLab   = makeSet("a-z", "A-Z", "0-9", "_-.")
	setSendGrid = makeSet("a-z", "A-Z", "0-9", "_-.")
	setWebhook  = makeSet("a-z", "A-Z", "0-9", "/")
	setBearer   = makeSet("a-z", "A-Z", "0-9", "-._~+/=")
)

// Formats are documented by each vendor (GitHub's 2021 token-format post,
// Slack, Stripe and GitLab token docs, Google API key docs); the lengths are
// the documented ones with some slack for format drift.
var vendorRules = []*vendorRule{
	{prefix: "sk-ant-", rule: "anthropic-key", set: &setToken, min: 32, max: 300, keepPrefix: 7, check: checkAnthropic},
	{prefix: "sk-proj-", rule: "openai-project-key", set: &setToken, min: 40, max: 300, keepPrefix: 8},
	{prefix: "sk-svcacct-", rule: "openai-service-account-key", set: &setToken, min: 40, max: 300, keepPrefix: 11},
	{prefix: "sk-admin-", rule: "openai-admin-key", set: &setToken, min: 40, max: 300, keepPrefix: 9},
	{prefix: "sk-", rule: "openai-api-key", set: &setAlnum, min: 48, max: 48, keepPrefix: 3, check: checkOpenAILegacy},
	{prefix: "sk_live_", rule: "stripe-secret-key", set: &setAlnum, min: 24, max: 247, keepPrefix: 8},
	{prefix: "sk_test_", rule: "stripe-test-secret-key", set: &setAlnum, min: 24, max: 247, keepPrefix: 8},
	{prefix: "rk_live_", rule: "stripe-restricted-key", set: &setAlnum, min: 24, max: 247, keepPrefix: 8},
	{prefix: "rk_test_", rule: "stripe-test-restricted-key", set: &setAlnum, min: 24, max: 247, keepPrefix: 8},
	{prefix: "whsec_", rule: "stripe-webhook-secret", set: &setAlnum, min: 32, max: 64, keepPrefix: 6},
	{prefix: "ghp_", rule: "github-pat", set: &setAlnum, min: 36, max: 36, keepPrefix: 4, check: checkGitHub},
	{prefix: "gho_", rule: "github-oauth-token", set: &setAlnum, min: 36, max: 36, keepPrefix: 4, check: checkGitHub},
	{prefix: "ghu_", rule: "github-user-to-server-token", set: &setAlnum, min: 36, max: 36, keepPrefix: 4, check: checkGitHub},
	{prefix: "ghs_", rule: "github-server-to-server-token", set: &setAlnum, min: 36, max: 36, keepPrefix: 4, check: checkGitHub},
	{prefix: "ghr_", rule: "github-refresh-token", set: &setAlnum, min: 36, max: 36, keepPrefix: 4, check: checkGitHub},
	{prefix: "github_pat_", rule: "github-fine-grained-pat", set: &setWord, min: 82, max: 82, keepPrefix: 11, check: checkGitHubFine},
	{prefix: "glpat-", rule: "gitlab-pat", set: &setGitLab, min: 20, max: 300, keepPrefix: 6},
	{prefix: "gldt-", rule: "gitlab-deploy-token", set: &setGitLab, min: 20, max: 300, keepPrefix: 5},
	{prefix: "glrt-", rule: "gitlab-runner-token", set: &setGitLab, min: 20, max: 300, keepPrefix: 5},
	{prefix: "glptt-", rule: "gitlab-pipeline-trigger-token", set: &setGitLab, min: 20, max: 300, keepPrefix: 6},
	{prefix: "glcbt-", rule: "gitlab-cicd-job-token", set: &setGitLab, min: 20, max: 300, keepPrefix: 6},
	{prefix: "gloas-", rule: "gitlab-oauth-secret", set: &setGitLab, min: 20, max: 300, keepPrefix: 6},
	{prefix: "xoxb-", rule: "slack-bot-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xoxp-", rule: "slack-user-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xoxa-", rule: "slack-app-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xoxr-", rule: "slack-refresh-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xoxs-", rule: "slack-session-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xoxe.xoxp-", rule: "slack-config-token", set: &setSlack, min: 20, max: 250, keepPrefix: 10, check: checkSlack},
	{prefix: "xoxe-", rule: "slack-config-refresh-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "xapp-", rule: "slack-app-level-token", set: &setSlack, min: 20, max: 250, keepPrefix: 5, check: checkSlack},
	{prefix: "AIza", rule: "google-api-key", set: &setToken, min: 35, max: 35, keepPrefix: 4},
	{prefix: "SK", rule: "twilio-api-key", set: &setHexLower, min: 32, max: 32, keepPrefix: 2},
	{prefix: "SG.", rule: "sendgrid-api-key", set: &setSendGrid, min: 66, max: 66, keepPrefix: 3, check: checkSendGrid},
	{prefix: "npm_", rule: "npm-token", set: &setAlnum, min: 36, max: 36, keepPrefix: 4},
	// PyPI tokens are macaroons whose first caveat is the location pypi.org,
	// so every real one starts with the same base64 text.
	{prefix: "pypi-AgEIcHlwaS5vcmc", rule: "pypi-token", set: &setToken, min: 50, max: 300, keepPrefix: 5},
	{prefix: "hf_", rule: "huggingface-token", set: &setAlnum, min: 30, max: 40, keepPrefix: 3},
}

var slackWebhook = vendorRule{prefix: "https://hooks.slack.com/services/", rule: "slack-webhook-url",
	set: &setWebhook, min: 40, max: 120, keepPrefix: 33, check: checkSlackWebhook}

// vendorIndex maps the first two bytes of a word to the rules whose prefix
// starts with them, longest prefix first so that "sk-ant-" is tried before
// "sk-". Two bytes rule out nearly every ordinary word ("sk" but not "so",
// "gh" but not "go") with one table load.
var vendorIndex, vendorLists = func() (idx [1 << 16]uint8, lists [][]*vendorRule) {
	lists = append(lists, nil) // 0 means no rules
	for _, r := range vendorRules {
		k := uint16(r.prefix[0])<<8 | uint16(r.prefix[1])
		if idx[k] == 0 {
			idx[k] = uint8(len(lists))
			lists = append(lists, nil)
		}
		lists[idx[k]] = append(lists[idx[k]], r)
	}
	for _, rs := range lists {
		for i := 1; i < len(rs); i++ {
			for j := i; j > 0 && len(rs[j].prefix) > len(rs[j-1].prefix); j-- {
				rs[j], rs[j-1] = rs[j-1], rs[j]
			}
		}
	}
	return idx, lists
}()

// vendorRulesFor returns the rules that may match a word starting text.
func vendorRulesFor(text string) []*vendorRule {
	if len(text) < 2 {
		return nil
	}
	return vendorLists[vendorIndex[uint16(text[0])<<8|uint16(text[1])]]
}

// scanVendor matches rule r at i. A wrong length is not a match (another rule
// may still apply); a placeholder or failed check is recorded as suppressed
// and consumes the token so that no weaker rule reports it instead.
func scanVendor(c *collector, i int, r *vendorRule) int {
	text := c.text
	bodyStart := i + len(r.prefix)
	end := span(text, bodyStart, r.set, r.max+1)
	n := end - bodyStart
	if n < r.min || n > r.max || (end < len(text) && setToken[text[end]] && !r.set[text[end]]) {
		return i
	}
	// For variable-length formats, trailing dots and dashes are sentence
	// punctuation, not key material; fixed-length keys may end in '-'.
	for r.min != r.max && end > bodyStart && (text[end-1] == '.' || text[end-1] == '-') && r.set != &setSlack {
		end--
	}
	if end-bodyStart < r.min {
		return i
	}
	tok, body := text[i:end], text[bodyStart:end]
	why := placeholderRandom(body)
	if why == "" && r.check != nil {
		why = r.check(tok, body)
	}
	c.add("api_key", model.SeverityCritical, r.rule, i, end, prioSpecific, preview{prefix: r.keepPrefix}, why)
	return end
}

// checkAnthropic requires the key kind and version (`api03-`, `admin01-`)
// that every Anthropic key carries after `sk-ant-`.
func checkAnthropic(tok, body string) string {
	j := 0
	for j < len(body) && body[j] >= 'a' && body[j] <= 'z' {
		j++
	}
	k := j
	for k < len(body) && isDigit(body[k]) {
		k++
	}
	if j == 0 || k-j != 2 || k >= len(body) || body[k] != '-' || len(body)-k-1 < 32 {
		return "invalid:anthropic-format"
	}
	if why := placeholderRandom(body[k+1:]); why != "" {
		return why
	}
	return ""
}

// checkOpenAILegacy requires the "T3BlbkFJ" marker (base64 of "OpenAI") that
// OpenAI embeds in its user keys; 48 random characters after "sk-" alone are
// too common in code.
func checkOpenAILegacy(tok, body string) string {
	if !strings.Contains(body, "T3BlbkFJ") {
		return "invalid:openai-marker"
	}
	return ""
}

// checkSlack requires the numeric workspace/team segment every Slack token
// starts with (xoxb-123…-456…-…, xapp-1-…).
func checkSlack(tok, body string) string {
	first, _, _ := strings.Cut(body, "-")
	if strings.Count(body, "-") < 2 || !allDigits(first) {
		return "invalid:slack-format"
	}
	return ""
}

func checkSlackWebhook(tok, body string) string {
	parts := strings.Split(body, "/")
	if len(parts) != 3 || len(parts[0]) < 8 || parts[0][0] != 'T' || parts[1][0] != 'B' || len(parts[2]) < 20 {
		return "invalid:slack-webhook-format"
	}
	return ""
}

func checkSendGrid(tok, body string) string {
	if body[22] != '.' || strings.Count(body, ".") != 1 {
		return "invalid:sendgrid-format"
	}
	return ""
}

func checkGitHubFine(tok, body string) string {
	if body[22] != '_' {
		return "invalid:github-fine-grained-format"
	}
	return ""
}

// scanAzureKey reports the AccountKey of an Azure storage connection string:
// 64 random bytes in standard base64.
func scanAzureKey(c *collector, i int) int {
	text := c.text
	start := i + len("AccountKey=")
	end := span(text, start, &setBase64, 100)
	for end < len(text) && end-start < 90 && text[end] == '=' {
		end++
	}
	v := text[start:end]
	if len(v) != 88 {
		return i
	}
	why := placeholderRandom(v)
	if why == "" {
		if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != 64 {
			why = "invalid:azure-key-base64"
		}
	}
	c.add("api_key", model.SeverityCritical, "azure-storage-account-key", start, end, prioSpecific, preview{}, why)
	return end
}

// scanBearer reports the token of an HTTP bearer credential. A token that a
// more specific detector recognises (a JWT, a vendor key) is reported by it.
func scanBearer(c *collector, i int) int {
	text := c.text
	start := i + len("Bearer ")
	if start >= len(text) {
		return i
	}
	if byteClass[text[start]] == clsWord && !hasPrefixFold(text[start:], "bearer") {
		if end := scanWord(c, start); end > start {
			return end
		}
	}
	end := span(text, start, &setBearer, 4096)
	for end > start && (text[end-1] == '.' || text[end-1] == '/') {
		end--
	}
	v := text[start:end]
	if len(v) < 20 {
		return i
	}
	why := placeholderRandom(v)
	if why == "" && !hasDigitAndLetter(v) {
		why = "invalid:bearer-not-random"
	}
	c.add("api_key", model.SeverityHigh, "bearer-token", start, end, prioContext, preview{}, why)
	return end
}

// scanBasicAuth reports HTTP Basic credentials (`Basic base64(user:pass)`):
// the value must decode to printable text with a colon and a password.
func scanBasicAuth(c *collector, i int) int {
	text := c.text
	start := i + len("Basic ")
	end := span(text, start, &setBase64, 1024)
	for end < len(text) && end-start < 1024 && text[end] == '=' {
		end++
	}
	v := text[start:end]
	if len(v) < 8 || len(v)%4 != 0 || (end < len(text) && setToken[text[end]]) {
		return i
	}
	dec, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return i
	}
	_, pass, ok := strings.Cut(string(dec), ":")
	if !ok || pass == "" || strings.ContainsFunc(string(dec), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return i
	}
	why := urlPasswordPlaceholder(pass)
	if why == "" && len(pass) < 6 {
		why = "invalid:basic-auth-short" // test fixtures (john:doe), not passwords in use
	}
	c.add("api_key", model.SeverityHigh, "basic-auth", start, end, prioContext, preview{}, why)
	return end
}

func hasDigitAndLetter(v string) bool {
	d, l := false, false
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case isDigit(ch):
			d = true
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			l = true
		}
	}
	return d && l
}
