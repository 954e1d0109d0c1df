package evaluation

import (
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"regexp"
	"strings"
)

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC is the checksum GitHub's 2021 token format appends (and npm's
// token format reuses): CRC32 (IEEE) of the random part, in base62, padded
// with '0' to six characters.
func base62CRC(random string) string {
	n := crc32.ChecksumIEEE([]byte(random))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base62Digits[n%62]
		n /= 62
	}
	return string(b[:])
}

// checksummed builds prefix + 30 random base62 characters + checksum.
func checksummed(prefix string) func(r *rand.Rand) string {
	return func(r *rand.Rand) string {
		body := randFrom(r, classes['A'], 30)
		return prefix + body + base62CRC(body)
	}
}

// validChecksummed decodes the checksum independently of base62CRC: it reads
// the six base62 digits as a number and compares with the CRC32.
func validChecksummed(prefix string) func(string) bool {
	return func(s string) bool {
		if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+36 {
			return false
		}
		body, sum := s[len(prefix):len(s)-6], s[len(s)-6:]
		var n uint64
		for i := 0; i < len(sum); i++ {
			k := strings.IndexByte(base62Digits, sum[i])
			if k < 0 {
				return false
			}
			n = n*62 + uint64(k)
		}
		for i := 0; i < len(body); i++ {
			if strings.IndexByte(base62Digits, body[i]) < 0 {
				return false
			}
		}
		return n == uint64(crc32.ChecksumIEEE([]byte(body)))
	}
}

func reValid(re string) func(string) bool {
	return regexp.MustCompile(`^(?:` + re + `)$`).MatchString
}

func tmplGen(t ...string) func(r *rand.Rand) string {
	return func(r *rand.Rand) string { return tmpl(r, pick(r, t)) }
}

func apiKey(name string, gen func(*rand.Rand) string, valid func(string) bool, keys ...string) *Format {
	return &Format{Name: name, Type: "api_key", Gen: gen, Valid: valid, Keys: keys, Place: anyShape}
}

// specialFormats are vendor credentials whose shape needs more than a
// template: checksums, variants, structured bodies, URLs.
func specialFormats() []*Format {
	fs := []*Format{
		apiKey("github-pat", checksummed("ghp_"), validChecksummed("ghp_"), "GITHUB_TOKEN", "GH_TOKEN", "github_token"),
		apiKey("github-oauth", checksummed("gho_"), validChecksummed("gho_"), "GITHUB_OAUTH_TOKEN"),
		apiKey("github-app-user-token", checksummed("ghu_"), validChecksummed("ghu_"), "GITHUB_APP_TOKEN"),
		apiKey("github-app-installation-token", checksummed("ghs_"), validChecksummed("ghs_"), "GITHUB_TOKEN", "INSTALLATION_TOKEN"),
		apiKey("github-refresh-token", checksummed("ghr_"), validChecksummed("ghr_"), "GITHUB_REFRESH_TOKEN"),
		apiKey("npm-access-token", checksummed("npm_"), validChecksummed("npm_"), "NPM_TOKEN", "NODE_AUTH_TOKEN"),
		githubBadChecksum(),

		apiKey("slack-bot-token", tmplGen("xoxb-{d:10-13}-{d:10-13}-{A:24}"),
			reValid(`xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}`), "SLACK_BOT_TOKEN"),
		apiKey("slack-user-token", tmplGen("xoxp-{d:10-13}-{d:10-13}-{d:10-13}-{h:32}"),
			reValid(`xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[0-9a-f]{32}`), "SLACK_USER_TOKEN", "SLACK_TOKEN"),
		apiKey("slack-app-token", tmplGen("xapp-1-A{U:10}-{d:13}-{h:64}"),
			reValid(`xapp-1-A[A-Z0-9]{10}-[0-9]{13}-[0-9a-f]{64}`), "SLACK_APP_TOKEN"),
		apiKey("slack-config-access-token", tmplGen("xoxe.xoxp-1-{A:163-166}", "xoxe.xoxb-1-{A:163-166}"),
			reValid(`xoxe\.xox[bp]-1-[A-Za-z0-9]{163,166}`), "SLACK_CONFIG_TOKEN"),
		apiKey("slack-config-refresh-token", tmplGen("xoxe-1-{A:146}"),
			reValid(`xoxe-1-[A-Za-z0-9]{146}`), "SLACK_REFRESH_TOKEN"),
		apiKey("slack-legacy-workspace-token", tmplGen("xoxa-2-{A:32-40}", "xoxr-{A:32-40}"),
			reValid(`xox[ar]-(?:2-)?[A-Za-z0-9]{32,40}`), "SLACK_WORKSPACE_TOKEN"),
		apiKey("slack-legacy-token", tmplGen("xoxs-{d:10}-{d:11}-{d:12}-{h:64}", "xoxo-{d:10}-{d:11}-{d:12}-{h:64}"),
			reValid(`xox[os]-[0-9]{10}-[0-9]{11}-[0-9]{12}-[0-9a-f]{64}`), "SLACK_LEGACY_TOKEN"),

		apiKey("stripe-secret-key", tmplGen("sk_live_{A:24}", "sk_live_51{A:97}", "sk_test_51{A:97}"),
			reValid(`sk_(?:live|test)_(?:[A-Za-z0-9]{24}|51[A-Za-z0-9]{97})`), "STRIPE_SECRET_KEY", "STRIPE_API_KEY"),
		apiKey("stripe-restricted-key", tmplGen("rk_live_{A:24}", "rk_live_51{A:97}"),
			reValid(`rk_live_(?:[A-Za-z0-9]{24}|51[A-Za-z0-9]{97})`), "STRIPE_RESTRICTED_KEY"),
		apiKey("stripe-webhook-secret", tmplGen("whsec_{A:32}"), reValid(`whsec_[A-Za-z0-9]{32}`), "STRIPE_WEBHOOK_SECRET"),

		apiKey("anthropic-api-key", tmplGen("sk-ant-api03-{w:93}AA"), reValid(`sk-ant-api03-[A-Za-z0-9_-]{93}AA`), "ANTHROPIC_API_KEY"),
		apiKey("anthropic-admin-key", tmplGen("sk-ant-admin01-{w:93}AA"), reValid(`sk-ant-admin01-[A-Za-z0-9_-]{93}AA`), "ANTHROPIC_ADMIN_KEY"),
		apiKey("openai-project-key", tmplGen("sk-proj-{w:74}T3BlbkFJ{w:74}", "sk-proj-{w:58}T3BlbkFJ{w:58}", "sk-svcacct-{w:74}T3BlbkFJ{w:74}", "sk-admin-{w:58}T3BlbkFJ{w:58}"),
			reValid(`sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58}T3BlbkFJ[A-Za-z0-9_-]{58})`), "OPENAI_API_KEY"),
		apiKey("openai-legacy-key", tmplGen("sk-{A:20}T3BlbkFJ{A:20}"), reValid(`sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`), "OPENAI_API_KEY", "openai.api_key"),
		apiKey("aws-bedrock-api-key", genBedrock, validBedrock, "AWS_BEARER_TOKEN_BEDROCK"),
		apiKey("mapbox-secret-token", genMapbox, validMapbox, "MAPBOX_SECRET_TOKEN"),
		apiKey("grafana-cloud-token", genGrafanaCloud, validGrafanaCloud, "GRAFANA_CLOUD_TOKEN"),
		apiKey("jfrog-reference-token", genJFrogReference, validJFrogReference, "JFROG_ACCESS_TOKEN", "ARTIFACTORY_TOKEN"),

		webhook("slack-webhook-url", "SLACK_WEBHOOK_URL",
			[]string{"https://hooks.slack.com/services/T{U:8-10}/B{U:8-10}/{A:24}",
				"https://hooks.slack.com/workflows/T{U:9}/A{U:10}/{d:18}/{A:24}",
				"https://hooks.slack.com/triggers/T{U:9}/{d:13}/{h:32}"},
			`https://hooks\.slack\.com/(?:services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}|workflows/T[A-Z0-9]{9}/A[A-Z0-9]{10}/[0-9]{18}/[A-Za-z0-9]{24}|triggers/T[A-Z0-9]{9}/[0-9]{13}/[0-9a-f]{32})`),
		webhook("discord-webhook-url", "DISCORD_WEBHOOK_URL",
			[]string{"https://discord.com/api/webhooks/{d:18-19}/{w:68}"},
			`https://discord\.com/api/webhooks/[0-9]{18,19}/[A-Za-z0-9_-]{68}`),
		webhook("microsoft-teams-webhook", "TEAMS_WEBHOOK_URL",
			[]string{"https://{l:6-10}.webhook.office.com/webhookb2/{h:8}-{h:4}-{h:4}-{h:4}-{h:12}@{h:8}-{h:4}-{h:4}-{h:4}-{h:12}/IncomingWebhook/{h:32}/{h:8}-{h:4}-{h:4}-{h:4}-{h:12}"},
			`https://[a-z]{6,10}\.webhook\.office\.com/webhookb2/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f-]{36}`),
		{
			Name: "azure-storage-account-key", Type: "api_key", Place: urlShape,
			Keys: []string{"AZURE_STORAGE_CONNECTION_STRING", "ConnectionStrings__Storage"},
			Gen: func(r *rand.Rand) string {
				return "DefaultEndpointsProtocol=https;AccountName=" + tmpl(r, "{l:6-12}") + ";AccountKey=" +
					base64.StdEncoding.EncodeToString(randBytes(r, 64)) + ";EndpointSuffix=core.windows.net"
			},
			Valid: func(s string) bool {
				a, b := azureKeySpan(s)
				if a < 0 {
					return false
				}
				raw, err := base64.StdEncoding.DecodeString(s[a:b])
				return err == nil && len(raw) == 64
			},
			Span: azureKeySpan,
		},
	}
	return fs
}

func azureKeySpan(s string) (int, int) {
	i := strings.Index(s, "AccountKey=")
	if i < 0 {
		return -1, -1
	}
	i += len("AccountKey=")
	j := strings.IndexByte(s[i:], ';')
	if j < 0 {
		return -1, -1
	}
	return i, i + j
}

func webhook(name, key string, tmpls []string, re string) *Format {
	return &Format{Name: name, Type: "api_key", Gen: tmplGen(tmpls...), Valid: reValid(re), Keys: []string{key}, Place: urlShape}
}

// genBedrock follows the long-lived Amazon Bedrock API key: "ABSK" and the
// base64 of "BedrockAPIKey-<id>-at-<account>:<secret>".
func genBedrock(r *rand.Rand) string {
	inner := fmt.Sprintf("BedrockAPIKey-%s-at-%s:%s", tmpl(r, "{a:4}"), digits(r, 12), tmpl(r, "{b:60-80}"))
	return "ABSK" + base64.StdEncoding.EncodeToString([]byte(inner))
}

func validBedrock(s string) bool {
	if !strings.HasPrefix(s, "ABSK") || len(s) < 113 || len(s) > 273 {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(s[4:])
	return err == nil && strings.HasPrefix(string(raw), "BedrockAPIKey-")
}

// genMapbox: "sk." + base64url of {"u":user,"a":id} + "." + 22 characters.
func genMapbox(r *rand.Rand) string {
	payload := fmt.Sprintf(`{"u":"%s","a":"%s"}`, tmpl(r, "{l:5-10}"), tmpl(r, "{a:25}"))
	return "sk." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + tmpl(r, "{w:22}")
}

func validMapbox(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] != "sk" || len(parts[2]) != 22 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	return err == nil && strings.HasPrefix(string(raw), `{"u":`)
}

// genGrafanaCloud: "glc_" + base64 of a JSON object naming the org and stack.
func genGrafanaCloud(r *rand.Rand) string {
	payload := fmt.Sprintf(`{"o":"%s","n":"%s","k":"%s","m":{"r":"%s"}}`, digits(r, 6),
		tmpl(r, "stack-{d:6}-hm-read"), tmpl(r, "{A:24}"), pick(r, []string{"us", "eu", "prod-us-east-0"}))
	return "glc_" + base64.StdEncoding.EncodeToString([]byte(payload))
}

func validGrafanaCloud(s string) bool {
	if !strings.HasPrefix(s, "glc_") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(s[4:])
	return err == nil && strings.HasPrefix(string(raw), `{"o":`)
}

// genJFrogReference: JFrog reference tokens are the base64 of
// "reftkn:01:<expiry>:<random>", 64 characters, so they start "cmVmdGtu".
func genJFrogReference(r *rand.Rand) string {
	return base64.StdEncoding.EncodeToString([]byte("reftkn:01:" + digits(r, 10) + ":" + tmpl(r, "{A:27}")))
}

func validJFrogReference(s string) bool {
	raw, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(s) == 64 && !strings.Contains(s, "=") && strings.HasPrefix(string(raw), "reftkn:01:")
}

// githubBadChecksum is a GitHub-shaped token whose last six characters are
// not the CRC32 of the rest: a typo, a truncated copy or a made-up fixture.
// The project reports it anyway, ranked lower and marked "checksum-invalid"
// (an auditor should see what was pasted; gitleaks and trufflehog report such
// tokens too), so it is labelled as a positive carrying that attribute.
func githubBadChecksum() *Format {
	prefixes := []string{"ghp_", "gho_", "ghs_", "ghu_"}
	f := apiKey("github-bad-checksum", func(r *rand.Rand) string {
		p := pick(r, prefixes)
		body := randFrom(r, classes['A'], 30)
		sum := base62CRC(body)
		bad := sum
		for bad == sum {
			bad = randFrom(r, base62Digits, 6)
		}
		return p + body + bad
	}, func(s string) bool {
		for _, p := range prefixes {
			if validChecksummed(p)(s) {
				return false
			}
		}
		return len(s) == 40
	}, "GITHUB_TOKEN", "GH_TOKEN")
	f.Attrs = []string{"checksum-invalid"}
	return f
}
