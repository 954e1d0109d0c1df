package scanners

import "sort"

// Keyword-context rules: vendor credentials with no distinctive prefix (a
// Heroku key is a UUID, an Algolia key 32 letters and digits) are recognised
// only by the vendor's name in the identifier they are assigned to
// (`HEROKU_API_KEY=`, `"algoliaKey":`, `heroku:` one YAML level up) and by
// the exact shape of the value. The vendor keywords, lengths and alphabets
// are the facts gitleaks' default rules encode; the matching is our own: the
// keyword is looked up in the normalised identifier through a two-byte index,
// and the value is checked against fixed segments, so there is no regexp.

type contextRule struct {
	rule     string
	keywords []string // normalised: lower case, letters and digits only
	shapes   [][]seg
	// minEntropy over the whole value, where the vendor format has low
	// entropy runs that a placeholder could also match.
	minEntropy float64
	// isID marks public-ish identifiers (client ids) that vendors pair with
	// a secret; their identifiers may end in "id".
	isID bool
	// identHas, when set, must occur in the normalised identifier (bittrex
	// secret vs access key, Snyk's "...key|token" names).
	identHas []string
	// quoted requires the value in quotes (Terraform string literals).
	quoted bool
}

var contextRules = []*contextRule{
	{rule: "adafruit-api-key", keywords: kw("adafruit"), shapes: fixedShape(&setToken, 32)},
	{rule: "adobe-client-id", keywords: kw("adobe"), shapes: fixedShape(&setHex, 32), isID: true, minEntropy: 2},
	{rule: "airtable-api-key", keywords: kw("airtable"), shapes: fixedShape(&setAlnum, 17)},
	{rule: "algolia-api-key", keywords: kw("algolia"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "alibaba-secret-key", keywords: kw("alibaba"), shapes: fixedShape(&setAlnum, 30), minEntropy: 2},
	{rule: "asana-client-id", keywords: kw("asana"), shapes: fixedShape(&setDigit, 16), isID: true},
	{rule: "asana-personal-access-token", keywords: kw("asana"), shapes: oneOf(asanaPATShape)},
	{rule: "asana-client-secret", keywords: kw("asana"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "atlassian-api-token", keywords: kw("atlassian", "confluence", "jira"),
		shapes: oneOf(shape(exactly(&setAlnum, 20), exactly(&setHex, 4))), minEntropy: 3.5},
	{rule: "beamer-api-token", keywords: kw("beamer"), shapes: prefixedRun("b_", &setTokenEq, 44)},
	{rule: "bitbucket-client-id", keywords: kw("bitbucket"), shapes: fixedShape(&setAlnum, 32), isID: true},
	{rule: "bitbucket-client-secret", keywords: kw("bitbucket"), shapes: fixedShape(&setTokenEq, 64)},
	{rule: "bittrex-secret-key", keywords: kw("bittrex"), shapes: fixedShape(&setAlnum, 32), identHas: kw("secret")},
	{rule: "bittrex-access-key", keywords: kw("bittrex"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "cloudflare-global-api-key", keywords: kw("cloudflare", "cfapi"), shapes: fixedShape(&setHex, 37), minEntropy: 2},
	{rule: "cloudflare-api-key", keywords: kw("cloudflare", "cfapi"), shapes: fixedShape(&setToken, 40), minEntropy: 2},
	{rule: "cohere-api-token", keywords: kw("cohere", "coapikey"), shapes: fixedShape(&setAlnum, 40), minEntropy: 3},
	{rule: "codecov-access-token", keywords: kw("codecov"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "coinbase-access-token", keywords: kw("coinbase"), shapes: fixedShape(&setToken, 64)},
	{rule: "confluent-access-token", keywords: kw("confluent"), shapes: fixedShape(&setAlnum, 16)},
	{rule: "confluent-secret-key", keywords: kw("confluent"), shapes: fixedShape(&setAlnum, 64)},
	{rule: "contentful-delivery-api-token", keywords: kw("contentful"), shapes: fixedShape(&setTokenEq, 43)},
	{rule: "datadog-access-token", keywords: kw("datadog", "ddapikey", "ddappkey"), shapes: fixedShape(&setAlnum, 40)},
	// Datadog API keys are 32 hex digits (application keys 40).
	{rule: "datadog-api-key", keywords: kw("datadog", "ddapikey"), shapes: fixedShape(&setHexLower, 32), minEntropy: 3},
	{rule: "defined-networking-api-token", keywords: kw("dnkey"),
		shapes: oneOf(prefixed("dnkey-", exactly(&setTokenEq, 26), lit("-"), exactly(&setTokenEq, 52)))},
	{rule: "discord-api-token", keywords: kw("discord"), shapes: fixedShape(&setHex, 64)},
	{rule: "discord-client-id", keywords: kw("discord"), shapes: fixedShape(&setDigit, 18), isID: true, minEntropy: 2},
	{rule: "discord-client-secret", keywords: kw("discord"), shapes: fixedShape(&setTokenEq, 32), minEntropy: 2},
	{rule: "droneci-access-token", keywords: kw("droneci"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "dropbox-api-token", keywords: kw("dropbox"), shapes: fixedShape(&setAlnum, 15)},
	{rule: "dropbox-long-lived-api-token", keywords: kw("dropbox"),
		shapes: oneOf(shape(exactly(&setAlnum, 11), lit("AAAAAAAAAA"), exactly(&setTokenEq, 43)))},
	{rule: "dropbox-short-lived-api-token", keywords: kw("dropbox"), shapes: oneOf(prefixed("sl.", run(&setTokenEq, 135, 200)))},
	{rule: "etsy-access-token", keywords: kw("etsy"), shapes: fixedShape(&setAlnum, 24), minEntropy: 3},
	{rule: "facebook-secret", keywords: kw("facebook"), shapes: fixedShape(&setHex, 32), minEntropy: 3},
	{rule: "fastly-api-token", keywords: kw("fastly"), shapes: fixedShape(&setTokenEq, 32)},
	{rule: "finicity-api-token", keywords: kw("finicity"), shapes: fixedShape(&setHex, 32)},
	{rule: "finicity-client-secret", keywords: kw("finicity"), shapes: fixedShape(&setAlnum, 20)},
	{rule: "finnhub-access-token", keywords: kw("finnhub"), shapes: fixedShape(&setAlnum, 20)},
	{rule: "flickr-access-token", keywords: kw("flickr"), shapes: fixedShape(&setAlnum, 32)},
	{rule: "freshbooks-access-token", keywords: kw("freshbooks"), shapes: fixedShape(&setAlnum, 64)},
	{rule: "gitter-access-token", keywords: kw("gitter"), shapes: fixedShape(&setToken, 40)},
	{rule: "gocardless-api-token", keywords: kw("gocardless"), shapes: prefixedRun("live_", &setTokenEq, 40)},
	{rule: "hashicorp-tf-password", keywords: kw("administratorloginpassword"),
		shapes: oneOf(shape(run(&setTokenEq, 8, 20))), minEntropy: 2, quoted: true},
	{rule: "heroku-api-key", keywords: kw("heroku"), shapes: oneOf(uuidShape())},
	{rule: "hubspot-api-key", keywords: kw("hubspot"), shapes: oneOf(uuidShape())},
	{rule: "intercom-api-key", keywords: kw("intercom"), shapes: fixedShape(&setTokenEq, 60)},
	{rule: "jfrog-api-key", keywords: kw("jfrog", "artifactory", "bintray", "xray"), shapes: fixedShape(&setAlnum, 73)},
	{rule: "jfrog-identity-token", keywords: kw("jfrog", "artifactory", "bintray", "xray"), shapes: fixedShape(&setAlnum, 64)},
	{rule: "kraken-access-token", keywords: kw("kraken"), shapes: oneOf(shape(run(&setBase64Any, 80, 90))), minEntropy: 3.5},
	{rule: "kucoin-access-token", keywords: kw("kucoin"), shapes: fixedShape(&setHex, 24)},
	{rule: "kucoin-secret-key", keywords: kw("kucoin"), shapes: oneOf(uuidShape())},
	{rule: "launchdarkly-access-token", keywords: kw("launchdarkly"), shapes: fixedShape(&setTokenEq, 40)},
	{rule: "linear-client-secret", keywords: kw("linear"), shapes: fixedShape(&setHex, 32), minEntropy: 2},
	{rule: "linkedin-client-id", keywords: kw("linkedin"), shapes: fixedShape(&setAlnum, 14), isID: true, minEntropy: 2},
	{rule: "linkedin-client-secret", keywords: kw("linkedin"), shapes: fixedShape(&setAlnum, 16), minEntropy: 2},
	{rule: "lob-pub-api-key", keywords: kw("lob"),
		shapes: oneOf(prefixed("live_pub_", exactly(&setHex, 31)), prefixed("test_pub_", exactly(&setHex, 31)))},
	{rule: "lob-api-key", keywords: kw("lob"),
		shapes: oneOf(prefixed("live_", exactly(&setHex, 35)), prefixed("test_", exactly(&setHex, 35)))},
	{rule: "looker-client-id", keywords: kw("looker"), shapes: fixedShape(&setAlnum, 20), isID: true},
	{rule: "looker-client-secret", keywords: kw("looker"), shapes: fixedShape(&setAlnum, 24)},
	{rule: "mailchimp-api-key", keywords: kw("mailchimp"), shapes: oneOf(shape(exactly(&setHex, 32), lit("-us"), run(&setDigit, 1, 2)))},
	{rule: "mailgun-private-api-token", keywords: kw("mailgun"), shapes: prefixedRun("key-", &setHex, 32)},
	{rule: "mailgun-pub-key", keywords: kw("mailgun"), shapes: prefixedRun("pubkey-", &setHex, 32)},
	{rule: "mailgun-signing-key", keywords: kw("mailgun"),
		shapes: oneOf(shape(exactly(&setHex, 32), lit("-"), exactly(&setHex, 8), lit("-"), exactly(&setHex, 8)))},
	{rule: "mapbox-api-token", keywords: kw("mapbox"), shapes: oneOf(prefixed("pk.", exactly(&setAlnum, 60), lit("."), exactly(&setAlnum, 22)))},
	{rule: "mattermost-access-token", keywords: kw("mattermost"), shapes: fixedShape(&setAlnum, 26)},
	{rule: "messagebird-api-token", keywords: kw("messagebird"), shapes: fixedShape(&setAlnum, 25)},
	{rule: "messagebird-client-id", keywords: kw("messagebird"), shapes: oneOf(uuidShape()), isID: true},
	{rule: "netlify-access-token", keywords: kw("netlify"), shapes: oneOf(shape(run(&setTokenEq, 40, 46)))},
	{rule: "new-relic-browser-api-token", keywords: kw("newrelic"), shapes: prefixedRun("NRJS-", &setHex, 19)},
	{rule: "new-relic-insert-key", keywords: kw("newrelic"), shapes: prefixedRun("NRII-", &setToken, 32)},
	{rule: "new-relic-user-api-key", keywords: kw("newrelic"), shapes: prefixedRun("NRAK-", &setAlnum, 27)},
	{rule: "new-relic-user-api-id", keywords: kw("newrelic"), shapes: fixedShape(&setAlnum, 64), isID: true},
	{rule: "nytimes-access-token", keywords: kw("nytimes", "newyorktimes"), shapes: fixedShape(&setTokenEq, 32)},
	{rule: "plaid-api-token", keywords: kw("plaid"), shapes: oneOf(uuidShape(lit("access-sandbox-")),
		uuidShape(lit("access-development-")), uuidShape(lit("access-production-")))},
	{rule: "plaid-client-id", keywords: kw("plaid"), shapes: fixedShape(&setAlnum, 24), isID: true, minEntropy: 3.5},
	{rule: "plaid-secret-key", keywords: kw("plaid"), shapes: fixedShape(&setAlnum, 30), minEntropy: 3.5},
	{rule: "rapidapi-access-token", keywords: kw("rapidapi"), shapes: fixedShape(&setToken, 50)},
	{rule: "sendbird-access-id", keywords: kw("sendbird"), shapes: oneOf(uuidShape()), isID: true},
	{rule: "sendbird-access-token", keywords: kw("sendbird"), shapes: fixedShape(&setHex, 40)},
	{rule: "sentry-access-token", keywords: kw("sentry"), shapes: fixedShape(&setHex, 64), minEntropy: 3},
	{rule: "sidekiq-secret", keywords: kw("contribsys"), shapes: oneOf(shape(exactly(&setHex, 8), lit(":"), exactly(&setHex, 8)))},
	{rule: "snyk-api-token", keywords: kw("snyk"), shapes: oneOf(uuidShape()), identHas: kw("key", "token")},
	{rule: "sonar-api-token", keywords: kw("sonar"), identHas: kw("login", "token"), shapes: oneOf(
		shape(exactly(&setTokenEq, 40)), prefixed("squ_", exactly(&setTokenEq, 40)),
		prefixed("sqp_", exactly(&setTokenEq, 40)), prefixed("sqa_", exactly(&setTokenEq, 40)))},
	{rule: "squarespace-access-token", keywords: kw("squarespace"), shapes: oneOf(uuidShape())},
	{rule: "sumologic-access-id", keywords: kw("sumo"), shapes: oneOf(prefixed("su", exactly(&setAlnum, 12))), isID: true, minEntropy: 3},
	{rule: "sourcegraph-access-token", keywords: kw("sourcegraph"), shapes: fixedShape(&setHex, 40), minEntropy: 3},
	{rule: "sumologic-access-token", keywords: kw("sumo"), shapes: fixedShape(&setAlnum, 64), minEntropy: 3},
	{rule: "telegram-bot-api-token", keywords: kw("telegr"),
		shapes: oneOf(shape(run(&setDigit, 5, 16), lit(":A"), exactly(&setToken, 34)))},
	{rule: "travisci-access-token", keywords: kw("travis"), shapes: fixedShape(&setAlnum, 22)},
	{rule: "twitch-api-token", keywords: kw("twitch"), shapes: fixedShape(&setAlnum, 30)},
	{rule: "twitter-api-key", keywords: kw("twitter"), shapes: fixedShape(&setAlnum, 25)},
	{rule: "twitter-access-secret", keywords: kw("twitter"), shapes: fixedShape(&setAlnum, 45)},
	{rule: "twitter-api-secret", keywords: kw("twitter"), shapes: fixedShape(&setAlnum, 50)},
	{rule: "twitter-access-token", keywords: kw("twitter"),
		shapes: oneOf(shape(run(&setDigit, 15, 25), lit("-"), run(&setAlnum, 20, 40)))},
	{rule: "twitter-bearer-token", keywords: kw("twitter"),
		shapes: oneOf(prefixed("AAAAAAAAAAAAAAAAAAAAAA", run(&setAlnumPct, 80, 100)))},
	{rule: "typeform-api-token", keywords: kw("typeform"), shapes: prefixedRun("tfp_", &setTokenDotEq, 59)},
	{rule: "yandex-access-token", keywords: kw("yandex"), shapes: oneOf(prefixed("t1.", run(&setToken, 1, 300),
		run(&setPad, 0, 2), lit("."), exactly(&setToken, 86), run(&setPad, 0, 2)))},
	{rule: "yandex-api-key", keywords: kw("yandex"), shapes: oneOf(prefixed("AQVN", run(&setToken, 35, 38)))},
	{rule: "yandex-aws-access-token", keywords: kw("yandex"), shapes: prefixedRun("YC", &setToken, 38)},
	{rule: "zendesk-secret-key", keywords: kw("zendesk"), shapes: fixedShape(&setAlnum, 40)},
}

func kw(words ...string) []string { return words }

// ctxMinValue is the shortest value any rule accepts, ctxMinValueNoKeyword
// the shortest of the rules whose identifier need not end in a generic
// keyword (the Terraform password's does); shorter values skip the search.
const (
	ctxMinValue          = 8
	ctxMinValueNoKeyword = 14
)

// ctxIndex maps the first two bytes of a normalised keyword to the keywords
// starting with them; ctxKeywords[n] lists the rules of one keyword. At most
// 255 keywords.
type ctxKeyword struct {
	word  string
	rules []*contextRule
}

var ctxIndex, ctxLists = func() (idx [1 << 16]uint8, lists [][]*ctxKeyword) {
	lists = append(lists, nil)
	byWord := map[string]*ctxKeyword{}
	for _, r := range contextRules {
		for _, w := range r.keywords {
			k := byWord[w]
			if k == nil {
				k = &ctxKeyword{word: w}
				byWord[w] = k
				key := uint16(w[0])<<8 | uint16(w[1])
				if idx[key] == 0 {
					idx[key] = uint8(len(lists))
					lists = append(lists, nil)
				}
				lists[idx[key]] = append(lists[idx[key]], k)
			}
			k.rules = append(k.rules, r)
		}
	}
	return idx, lists
}()

// ContextRules lists the rule names of the keyword-context detectors and the
// special assignment shapes handled with them, for the documentation.
func ContextRules() []string {
	names := []string{"generic-secret", "generic-password", "curl-auth-header", "curl-auth-user",
		"kubernetes-secret-yaml", "sidekiq-sensitive-url", "nuget-config-password", "authorization-header"}
	for _, r := range contextRules {
		names = append(names, r.rule)
	}
	sort.Strings(names)
	return names
}
