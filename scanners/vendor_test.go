package scanners

import (
	"encoding/base64"
	"math/rand"
	"strings"
	"testing"

	"github.com/ccsync/ccsync/model"
)

// genFromSet returns n random bytes of set, restricted to letters and
// digits so that separators and padding land only where a shape puts them.
func genFromSet(rng *rand.Rand, set *charset, n int) string {
	var pool []byte
	for b := 0; b < 256; b++ {
		if set[b] && alnumByte(byte(b)) {
			pool = append(pool, byte(b))
		}
	}
	out := make([]byte, n)
	for k := range out {
		out[k] = pool[rng.Intn(len(pool))]
	}
	return string(out)
}

// genVendorToken builds a well-formed random instance of r (the full value
// a finding should span). Formats with structure beyond lengths and
// alphabets are built by hand.
func genVendorToken(rng *rand.Rand, r *vendorRule) string {
	alnum := func(n int) string { return genFromSet(rng, &setAlnum, n) }
	switch r.rule {
	case "anthropic-api-key", "anthropic-admin-api-key":
		return r.prefix + genFromSet(rng, &setToken, 93) + "AA"
	case "anthropic-key":
		return r.prefix + "api01-" + genFromSet(rng, &setToken, 93) + "AA"
	case "openai-project-key", "openai-service-account-key", "openai-admin-key":
		return r.prefix + genFromSet(rng, &setToken, 74) + "T3BlbkFJ" + genFromSet(rng, &setToken, 74)
	case "sentry-org-token":
		claims := base64.StdEncoding.EncodeToString([]byte(`{"iat":1733000000.5,"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"` + strings.ToLower(alnum(6)) + `"}`))
		return "sntrys_" + claims + "_" + alnum(43)
	case "authress-service-client-access-key":
		return r.prefix + strings.ToLower(alnum(10)) + "." + strings.ToLower(alnum(5)) + ".acc_" + strings.ToLower(alnum(14)) + "." + alnum(48)
	case "slack-legacy-workspace-token":
		return r.prefix + "2-" + alnum(30)
	case "aws-amazon-bedrock-api-key-short-lived":
		return r.prefix + base64.StdEncoding.EncodeToString([]byte("/?Action=CallWithBearerToken&X-Amz-Credential="+alnum(20)))
	case "hashicorp-tf-api-token":
		return strings.ToLower(alnum(14)) + "." + r.prefix + alnum(64)
	}
	if strings.HasPrefix(r.rule, "github-") && len(r.prefix) == 4 {
		body := alnum(30)
		return r.prefix + body + githubChecksum(body)
	}
	if r.shape == nil {
		return r.prefix + genFromSet(rng, r.set, r.min)
	}
	var b strings.Builder
	b.WriteString(r.prefix)
	for _, s := range r.shape {
		if s.set == nil {
			b.WriteString(s.lit)
		} else {
			b.WriteString(genFromSet(rng, s.set, s.min))
		}
	}
	return b.String()
}

// validVendorToken draws instances until one passes the rule's own
// placeholder and format checks (a random body can spell "here" or lack a
// digit).
func validVendorToken(t *testing.T, rng *rand.Rand, r *vendorRule) string {
	t.Helper()
	for k := 0; k < 50; k++ {
		tok := genVendorToken(rng, r)
		if gen := handShapedTokens[r.rule]; gen != nil {
			tok = gen(rng)
		}
		body := tok[strings.Index(tok, r.prefix)+len(r.prefix):]
		if body != "" && (placeholderRandom(body) != "" && !r.encoded || r.encoded && placeholderEncoded(body) != "") {
			continue
		}
		if r.check != nil && r.check(tok, body) != "" {
			continue
		}
		return tok
	}
	t.Fatalf("%s: no valid instance generated", r.rule)
	return ""
}

// handShapedTokens generate the rules whose structure a check validates
// rather than segments.
var handShapedTokens = map[string]func(*rand.Rand) string{
	"tailscale-key": func(rng *rand.Rand) string {
		return "tskey-auth-k" + genFromSet(rng, &setAlnum, 10) + "CNTRL-" + genFromSet(rng, &setAlnum, 33)
	},
}

// TestVendorRulesTable checks every prefix rule on a generated instance in a
// sentence (found, exact span, type api_key, its own rule name) and on the
// same instance one character short (not reported by that rule).
func TestVendorRulesTable(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for _, r := range vendorRules {
		tok := validVendorToken(t, rng, r)
		text := "please rotate " + tok + " today"
		fs := defaultEngine.Scan(text)
		want := strings.Index(text, tok)
		ok := false
		for _, f := range fs {
			if f.Type == "api_key" && f.Start == want && f.End == want+len(tok) {
				ok = f.Rule == r.rule
				if !ok {
					t.Errorf("%s (%s): reported as %s", r.rule, r.prefix, f.Rule)
				}
			}
		}
		if !ok {
			_, sup := defaultEngine.ScanVerbose(text)
			t.Errorf("%s (%s): %q not found: %+v suppressed %+v", r.rule, r.prefix, tok, fs, sup)
		}

		// Below the shortest body the format allows.
		neg := tok[:strings.Index(tok, r.prefix)+len(r.prefix)+r.min-1]
		if r.min == 0 {
			neg = tok[:len(r.prefix)-1] + "x" + tok[len(r.prefix):]
		}
		for _, f := range defaultEngine.Scan("please rotate " + neg + " today") {
			if f.Rule == r.rule {
				t.Errorf("%s: one short %q reported: %+v", r.rule, neg, f)
			}
		}
	}
}

// TestVendorAfterJSONEscape: inside a JSON string a token may follow an
// escaped newline or tab ("\\nghp_…"), where the word starts at the 'n'.
func TestVendorAfterJSONEscape(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, r := range vendorRules[:20] {
		tok := validVendorToken(t, rng, r)
		for _, esc := range []string{`\n`, `\t`, `\n\n`} {
			text := `{"content": "here it is:` + esc + tok + `\nthanks"}`
			fs := defaultEngine.Scan(text)
			s := strings.Index(text, tok)
			if len(fs) != 1 || fs[0].Start != s || fs[0].End != s+len(tok) {
				t.Errorf("%s after %s: %+v", r.rule, esc, fs)
			}
		}
	}
}

// TestLoosePrefixesIgnoreIdentifiers: common prefixes followed by
// identifier-shaped text of the right length are not keys.
func TestLoosePrefixesIgnoreIdentifiers(t *testing.T) {
	for _, s := range []string{
		"live_stream_configuration_for_app_version2",
		"s.makeKubeConfigController2",
		"secret_manager_rotation_schedule_for_prod_v2",
		"test_4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
	} {
		for _, f := range defaultEngine.Scan("call " + s + " now") {
			if f.Type == "api_key" {
				t.Errorf("%s: %+v", s, f)
			}
		}
	}
}

// TestVendorRulesListed checks that the documented list names every rule.
func TestVendorRulesListed(t *testing.T) {
	names := VendorRules()
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, r := range vendorRules {
		if !have[r.rule] {
			t.Errorf("VendorRules misses %s", r.rule)
		}
	}
	if len(names) < 100 {
		t.Errorf("only %d vendor rules listed", len(names))
	}
}

// TestGitHubChecksumSeverity: a well-formed classic token is critical with a
// valid CRC32 and still reported, at high severity and marked, without.
func TestGitHubChecksumSeverity(t *testing.T) {
	body := "Qm7TzR2vX9pL4kW8sN3bY6hJ1cF5dG"
	for _, tc := range []struct {
		tok  string
		sev  model.Severity
		attr string
	}{
		{"ghp_" + body + githubChecksum(body), model.SeverityCritical, ""},
		{"ghp_" + body + "Zq9x1B", model.SeverityHigh, "checksum-invalid"},
	} {
		fs := defaultEngine.Scan("GITHUB_TOKEN=" + tc.tok)
		if len(fs) != 1 || fs[0].Rule != "github-pat" || fs[0].Severity != tc.sev {
			t.Fatalf("%s: %+v", tc.tok, fs)
		}
		if got := strings.Join(fs[0].Attrs, ","); got != tc.attr {
			t.Errorf("%s: attrs %q, want %q", tc.tok, got, tc.attr)
		}
	}
}

// TestVendorSuppressedBy checks the reasons ScanVerbose gives for dropped
// vendor candidates.
func TestVendorSuppressedBy(t *testing.T) {
	for _, tc := range []struct{ text, rule, by string }{
		{"xoxb-000000000000-000000000000-xxxxxxxxxxxxxxxxxxxxxxxx", "slack-bot-token", "placeholder:word:xxxx"},
		{"token: xoxp-1234-1234-1234-4ddbc1", "slack-user-token", "invalid:slack-user-token-format"},
		{"sk-ant-api03-short-key-AA", "anthropic-api-key", "invalid:anthropic-api-key-format"},
		{"hf_" + strings.Repeat("ab", 20), "huggingface-access-token", "placeholder:repeated-char"},
		{"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM", "gcp-api-key", "placeholder:documented-sample"},
		{"s.thisstringisalllowercase", "vault-service-token", "invalid:not-random"},
		{"https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX", "slack-webhook-url", "placeholder:word:xxxx"},
		{"sk-proj-" + genFromSet(rand.New(rand.NewSource(1)), &setAlnum, 140), "openai-project-key", "invalid:openai-marker"},
	} {
		fs, sup := defaultEngine.ScanVerbose(tc.text)
		for _, f := range fs {
			if f.Rule == tc.rule {
				t.Errorf("%q: reported %+v", tc.text, f)
			}
		}
		found := false
		for _, s := range sup {
			found = found || (s.Rule == tc.rule && s.By == tc.by)
		}
		if !found {
			t.Errorf("%q: suppressed %+v, want %s by %s", tc.text, sup, tc.rule, tc.by)
		}
	}
}

// TestSlackWebhookShapes: the three URL kinds, with and without a scheme.
func TestSlackWebhookShapes(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	up := func(n int) string { return genFromSet(rng, &setUpperAlnum, n) }
	for _, u := range []string{
		"https://hooks.slack.com/services/T" + up(8) + "/B" + up(10) + "/" + genFromSet(rng, &setAlnum, 24),
		"hooks.slack.com/services/T" + up(10) + "/B" + up(10) + "/" + genFromSet(rng, &setAlnum, 24),
		"http://hooks.slack.com/workflows/T" + up(10) + "/A" + up(10) + "/" + genFromSet(rng, &setDigits, 18) + "/" + genFromSet(rng, &setAlnum, 32),
		"https://hooks.slack.com/triggers/T" + up(10) + "/" + genFromSet(rng, &setDigits, 13) + "/" + genFromSet(rng, &setHexLower, 32),
	} {
		text := "post to " + u + ", thanks"
		fs := defaultEngine.Scan(text)
		s := strings.Index(text, u)
		if len(fs) != 1 || fs[0].Rule != "slack-webhook-url" || fs[0].Start != s || fs[0].End != s+len(u) {
			t.Errorf("%s: %+v", u, fs)
		}
	}
	for _, u := range []string{
		"https://hooks.slack.com/services/T123/B456/short",
		"https://hooks.slack.com/apps/T0123456789/B0123456789/abcdefghijklmnopqrstuvwx",
	} {
		for _, f := range defaultEngine.Scan(u) {
			if f.Rule == "slack-webhook-url" {
				t.Errorf("%s: reported %+v", u, f)
			}
		}
	}
}

// TestAzureADSecret: the "Q~" literal sits four bytes in; the secret may
// start with '~' or '.', which are not word bytes.
func TestAzureADSecret(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	body := func(n int) string {
		b := []byte(genFromSet(rng, &setAlnum, n))
		b[5], b[17] = '~', '.'
		return string(b)
	}
	for _, tc := range []struct {
		head string
		n    int
		ok   bool
	}{
		{"aB3", 34, true},
		{"~x_", 34, true},
		{".Zq", 31, true},
		{"aB3", 30, false}, // too short
		{"aB3", 36, false}, // too long
	} {
		secret := tc.head + "8Q~" + body(tc.n)
		text := `client_secret: "` + secret + `"`
		fs := defaultEngine.Scan(text)
		got := false
		for _, f := range fs {
			if f.Rule == "azure-ad-client-secret" {
				got = text[f.Start:f.End] == secret
			}
		}
		if got != tc.ok {
			t.Errorf("%s: found %v, want %v (%+v)", secret, got, tc.ok, fs)
		}
	}
	// No digit before "Q~": not the format.
	for _, f := range defaultEngine.Scan("ref abcdQ~" + body(34)) {
		if f.Rule == "azure-ad-client-secret" {
			t.Errorf("reported %+v", f)
		}
	}
}

func TestDiscordWebhook(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	u := "https://discord.com/api/webhooks/" + genFromSet(rng, &setDigits, 19) + "/" + genFromSet(rng, &setToken, 68)
	fs := defaultEngine.Scan("hook = \"" + u + "\"")
	if len(fs) != 1 || fs[0].Rule != "discord-webhook-url" || fs[0].End-fs[0].Start != len(u) {
		t.Errorf("%+v", fs)
	}
	for _, bad := range []string{u[:len(u)-20], "https://discord.com/api/webhooks/123/abc"} {
		for _, f := range defaultEngine.Scan(bad) {
			if f.Rule == "discord-webhook-url" {
				t.Errorf("%s: %+v", bad, f)
			}
		}
	}
}

func TestTeamsWebhook(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	uuid := func() string {
		h := func(n int) string { return genFromSet(rng, &setHexLower, n) }
		return h(8) + "-" + h(4) + "-" + h(4) + "-" + h(4) + "-" + h(12)
	}
	u := "https://acme.webhook.office.com/webhookb2/" + uuid() + "@" + uuid() + "/IncomingWebhook/" +
		genFromSet(rng, &setHexLower, 32) + "/" + uuid()
	fs := defaultEngine.Scan("teams hook: " + u + "\n")
	if len(fs) != 1 || fs[0].Rule != "microsoft-teams-webhook" || fs[0].End-fs[0].Start != len(u) {
		t.Errorf("%+v", fs)
	}
	if fs := defaultEngine.Scan(u[:len(u)-3]); len(fs) != 0 {
		t.Errorf("truncated: %+v", fs)
	}
	v2 := u + "/V2" + genFromSet(rng, &setToken, 43)
	if fs := defaultEngine.Scan(v2); len(fs) != 1 || fs[0].End != len(v2) {
		t.Errorf("V2: %+v", fs)
	}
}

// FuzzVendor runs the span checks of FuzzScan from every vendor prefix, so
// that truncated, overlong and mixed tokens are explored.
//
//	go test ./scanners -run '^$' -fuzz FuzzVendor -fuzztime 60s
func FuzzVendor(f *testing.F) {
	rng := rand.New(rand.NewSource(17))
	for _, r := range vendorRules {
		tok := genVendorToken(rng, r)
		f.Add(tok)
		f.Add(r.prefix)
		f.Add("x " + tok[:len(tok)/2] + "." + tok[len(tok)/2:])
	}
	for _, s := range []string{"aB38Q~", "~.~8Q~~~~", "hooks.slack.com/", "http://hooks.slack.com/triggers/", "https://discord.com/api/webhooks/1/",
		"https://a.webhook.office.com/webhookb2/", ".atlasv1.", "xoxe.xoxp-1-", "AAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs, sup := defaultEngine.ScanVerbose(text)
		checkSpans(t, text, fs)
		for _, s := range sup {
			if s.Start < 0 || s.End > len(text) || s.Start >= s.End || s.By == "" {
				t.Fatalf("bad suppressed candidate %+v in %q", s, text)
			}
		}
		if again := defaultEngine.Scan(text); len(again) != len(fs) {
			t.Fatalf("Scan and ScanVerbose disagree: %d vs %d findings", len(again), len(fs))
		}
	})
}
