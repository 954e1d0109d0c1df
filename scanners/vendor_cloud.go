package scanners

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// Cloud platforms, infrastructure and secret managers.
// setDopplerEnv is what a Doppler environment slug is made of.
var setDopplerEnv = makeSet("a-z", "0-9", "_-")

var cloudRules = []*vendorRule{
	fixed("AIza", "gcp-api-key", &setToken, 35),
	fixed("LTAI", "alibaba-access-key-id", &setAlnum, 20).withCheck(requireTwoClasses),
	fixed("doo_v1_", "digitalocean-access-token", &setHexLower, 64),
	fixed("dop_v1_", "digitalocean-pat", &setHexLower, 64),
	fixed("dor_v1_", "digitalocean-refresh-token", &setHexLower, 64),
	shaped("v1.0-", "cloudflare-origin-ca-key", exactly(&setHexLower, 24), lit("-"), exactly(&setHexLower, 146)),
	fixed("fo1_", "flyio-access-token", &setToken, 43),
	// Fly.io macaroons and Heroku v2 keys are base64 of binary tokens.
	ranged("fm1a_", "flyio-access-token", &setBase64Pad, 100, 4096).withCheck(checkBase64Padding).asEncoded(),
	ranged("fm1r_", "flyio-access-token", &setBase64Pad, 100, 4096).withCheck(checkBase64Padding).asEncoded(),
	ranged("fm2_", "flyio-access-token", &setBase64Pad, 100, 4096).withCheck(checkBase64Padding).asEncoded(),
	fixed("HRKU-AA", "heroku-api-key-v2", &setToken, 58).asEncoded(),
	fixed("tk-us-", "scalingo-api-token", &setToken, 48),
	// Vault tokens are base64url protobuf.
	ranged("hvs.", "vault-service-token", &setToken, 90, 120).asEncoded(),
	// Service tokens of Vault versions and storage modes that keep the
	// short form: hvs. and the 24 characters the old s. tokens had.
	fixed("hvs.", "vault-service-token", &setAlnum, 24).withCheck(requireMixedCase),
	ranged("hvb.", "vault-batch-token", &setToken, 138, 300).asEncoded(),
	// Legacy Vault service tokens: "s." and 24 characters. The prefix is
	// common in code (s.fieldName), so the body must mix digits and
	// letters of both cases.
	fixed("s.", "vault-service-token", &setAlnum, 24).withCheck(requireMixedCase).asLoose(),
	shaped("dapi", "databricks-api-token", exactly(&setHexLower, 32)).asStandalone(),
	shaped("dapi", "databricks-api-token", exactly(&setHexLower, 32), lit("-"), exactly(&setDigits, 1)).asStandalone(),
	fixed("sha256~", "openshift-user-token", &setToken, 43),
	fixed("dp.pt.", "doppler-api-token", &setAlnum, 43),
	// Doppler's other token kinds (CLI, service account, SCIM, audit, and
	// service tokens that name their environment: dp.st.<env>.<secret>).
	ranged("dp.ct.", "doppler-api-token", &setAlnum, 40, 44),
	ranged("dp.sa.", "doppler-api-token", &setAlnum, 40, 44),
	ranged("dp.scim.", "doppler-api-token", &setAlnum, 40, 44),
	ranged("dp.audit.", "doppler-api-token", &setAlnum, 40, 44),
	shaped("dp.st.", "doppler-api-token", run(&setDopplerEnv, 2, 35), lit("."), run(&setAlnum, 40, 44)),
	fixed("pul-", "pulumi-api-token", &setHexLower, 40).asStandalone(),
	fixed("ico-", "infracost-api-token", &setAlnum, 32).asStandalone(),
	ranged("pscale_tkn_", "planetscale-api-token", &setTokenDot, 32, 64),
	ranged("pscale_oauth_", "planetscale-oauth-token", &setTokenDot, 32, 64),
	ranged("pscale_pw_", "planetscale-password", &setTokenDot, 32, 64),
	// Mapbox secret tokens: "sk." and base64url JSON naming the user
	// ({"u":"…), then '.' and a 22-character signature. Public "pk." tokens
	// are meant for browsers.
	shaped("sk.eyJ1Ijoi", "mapbox-secret-token", run(&setBase64URL, 16, 200), lit("."), exactly(&setToken, 22)),
	// Amazon Marketplace Web Service auth tokens.
	shaped("amzn.mws.", "aws-mws-key", uuidSegs...),
	// crates.io API tokens.
	fixed("cio", "crates-io-api-token", &setAlnum, 32).withCheck(requireTwoClasses),
	ranged("nfp_", "netlify-access-token", &setAlnum, 36, 40).withCheck(requireDigitAndLetter),
	// Tailscale keys: "tskey-<kind>-k<id>CNTRL-<secret>"; the id's alphabet
	// contains the marker, so the structure is checked by hand.
	ranged("tskey-", "tailscale-key", &setToken, 40, 90).withCheck(checkTailscale),
	// 1Password account secret key: A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX,
	// the second group sometimes written without its inner dash.
	shaped("A3-", "1password-secret-key", exactly(&setUpperAlnum, 6), lit("-"), exactly(&setUpperAlnum, 11), lit("-"),
		exactly(&setUpperAlnum, 5), lit("-"), exactly(&setUpperAlnum, 5), lit("-"), exactly(&setUpperAlnum, 5)),
	shaped("A3-", "1password-secret-key", exactly(&setUpperAlnum, 6), lit("-"), exactly(&setUpperAlnum, 6), lit("-"),
		exactly(&setUpperAlnum, 5), lit("-"), exactly(&setUpperAlnum, 5), lit("-"), exactly(&setUpperAlnum, 5), lit("-"),
		exactly(&setUpperAlnum, 5)),
	ranged("ops_eyJ", "1password-service-account-token", &setBase64Pad, 250, 8192).withCheck(checkBase64Padding),
	fixed("p8e-", "adobe-client-secret", &setAlnum, 32).asStandalone(),
	// 42 Intra OAuth client secrets.
	fixed("s-s4t2ud-", "intra42-client-secret", &setHexLower, 64),
	fixed("s-s4t2af-", "intra42-client-secret", &setHexLower, 64),
	fixed("AKCp", "artifactory-api-key", &setAlnum, 69),
	fixed("AQVN", "yandex-api-key", &setToken, 35),
	fixed("AQVN", "yandex-api-key", &setToken, 38),
	fixed("YC", "yandex-aws-access-token", &setToken, 38).withCheck(requireMixedCase).asLoose(),
	fixed("sl.", "dropbox-short-lived-api-token", &setTokenEq, 135).asLoose(),
	shaped("dnkey-", "defined-networking-api-token", exactly(&setTokenEq, 26), lit("-"), exactly(&setTokenEq, 52)),
	fixed("sbp_", "supabase-access-token", &setHexLower, 40),
	fixed("CFPAT-", "contentful-personal-access-token", &setToken, 43),
	// Notion's legacy integration tokens (before ntn_).
	fixed("secret_", "notion-api-token", &setAlnum, 43).withCheck(requireMixedCase).asLoose(),
	shaped("pat-na1-", "hubspot-private-app-token", uuidSegs...),
	shaped("pat-eu1-", "hubspot-private-app-token", uuidSegs...),
	fixed("cmVmd", "artifactory-reference-token", &setAlnum, 59),
	ranged("sc_", "authress-service-client-access-key", &setAuthress, 52, 200).withCheck(checkAuthress).asLoose(),
	ranged("ext_", "authress-service-client-access-key", &setAuthress, 52, 200).withCheck(checkAuthress).asLoose(),
	ranged("scauth_", "authress-service-client-access-key", &setAuthress, 52, 200).withCheck(checkAuthress),
	ranged("authress_", "authress-service-client-access-key", &setAuthress, 52, 200).withCheck(checkAuthress),
}

var setAuthress = makeSet("a-z", "A-Z", "0-9", "+/_=.-")

// requireMixedCase rejects bodies without upper case, lower case and
// digits: formats behind a common prefix ("s.", "live_", "secret_") whose
// bodies are random base62, unlike identifiers and words.
// requireTwoClasses rejects bodies made of one class of characters (all
// lower case, all digits): random base62 mixes at least two, a word or a
// number does not. A 20-character random body lacks digits one time in
// thirty, so digits alone are not required.
func requireTwoClasses(tok, body string) string {
	up, low, dig := 0, 0, 0
	for k := 0; k < len(body); k++ {
		switch ch := body[k]; {
		case ch >= 'A' && ch <= 'Z':
			up = 1
		case ch >= 'a' && ch <= 'z':
			low = 1
		case isDigit(ch):
			dig = 1
		}
	}
	if up+low+dig < 2 {
		return "invalid:not-random"
	}
	return ""
}

func requireMixedCase(tok, body string) string {
	up, low, dig := false, false, false
	for k := 0; k < len(body); k++ {
		switch ch := body[k]; {
		case ch >= 'A' && ch <= 'Z':
			up = true
		case ch >= 'a' && ch <= 'z':
			low = true
		case isDigit(ch):
			dig = true
		}
	}
	if !up || !low || !dig {
		return "invalid:not-random"
	}
	return ""
}

// checkAuthress: <client id 5-30>.<key id 4-6>.acc[_-]<account 10-32>.<secret 30-120>.
func checkAuthress(tok, body string) string {
	parts := strings.SplitN(body, ".", 4)
	if len(parts) != 4 || !inLen(parts[0], 5, 30) || !allIn(parts[0], &setAlnum) || !inLen(parts[1], 4, 6) ||
		!allIn(parts[1], &setAlnum) || !inLen(parts[3], 30, 120) {
		return "invalid:authress-format"
	}
	acc := parts[2]
	if len(acc) < 14 || !strings.HasPrefix(acc, "acc") || (acc[3] != '_' && acc[3] != '-') || !inLen(acc[4:], 10, 32) ||
		!allIn(acc[4:], &setSlack) {
		return "invalid:authress-format"
	}
	return ""
}

func inLen(s string, min, max int) bool { return len(s) >= min && len(s) <= max }

func allIn(s string, set *charset) bool {
	for k := 0; k < len(s); k++ {
		if !set[s[k]] {
			return false
		}
	}
	return true
}

// Azure AD (Entra ID) client secrets: three characters, a digit, "Q~", and
// 31 to 34 characters of [A-Za-z0-9_~.-]. The literal is not at the start,
// so the pass looks for it at its '~', a rare byte, and the match may begin
// with '~', '.' or a digit.
var setAzureSecret = makeSet("a-z", "A-Z", "0-9", "_~.-")

// scanAzureADSecret matches a secret whose "Q~" has its 'Q' at q, found
// from the '~' (engine.go); i is where the match may start at the latest.
func scanAzureADSecret(c *collector, i, q int) int {
	text := c.text
	start := q - 4
	if start < 0 || start > i || !isDigit(text[q-1]) {
		return i
	}
	for k := start; k < q-1; k++ {
		if ch := text[k]; ch == '-' || !setAzureSecret[ch] {
			return i
		}
	}
	if start > 0 && !azureBoundary(text[start-1]) {
		return i
	}
	bodyStart := q + 2
	end := span(text, bodyStart, &setAzureSecret, 35)
	if n := end - bodyStart; n < 31 || n > 34 || (end < len(text) && !azureBoundary(text[end]) && text[end] != '<') {
		return i
	}
	why := placeholderRandom(text[bodyStart:end])
	addVendor(c, model.SeverityCritical, "azure-ad-client-secret", start, end, preview{}, why, "")
	return end
}

func azureBoundary(ch byte) bool {
	switch ch {
	case '\\', '\'', '"', '`', ' ', '\t', '\n', '\r', '>', '=', ':', '(', ',', ')', ';':
		return true
	}
	return false
}

var tailscaleKinds = [...]string{"auth-k", "api-k", "client-k", "webhook-k", "scim-k"}

// checkTailscale validates the body after "tskey-": a key kind, an id of at
// least six characters, the "CNTRL-" marker and a random secret.
func checkTailscale(tok, body string) string {
	for _, k := range tailscaleKinds {
		rest, ok := strings.CutPrefix(body, k)
		if !ok {
			continue
		}
		id, secret, ok := strings.Cut(rest, "CNTRL-")
		if !ok || len(id) < 6 || len(secret) < 20 || !allIn(id, &setAlnum) || !allIn(secret, &setAlnum) {
			return "invalid:tailscale-key-format"
		}
		return placeholderRandom(secret)
	}
	return "invalid:tailscale-key-format"
}
