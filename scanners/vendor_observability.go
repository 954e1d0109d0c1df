package scanners

import "strings"

// Observability and monitoring.
var observabilityRules = []*vendorRule{
	// Grafana API keys are base64 JSON ({"k":"…) and start with eyJrIjoi.
	ranged("eyJrIjoi", "grafana-api-key", &setBase64Pad, 70, 400).withCheck(checkBase64Padding),
	ranged("glc_", "grafana-cloud-api-token", &setBase64Pad, 32, 400).withCheck(checkBase64Padding),
	shaped("glsa_", "grafana-service-account-token", exactly(&setAlnum, 32), lit("_"), exactly(&setHex, 8)),
	shaped("dt0c01.", "dynatrace-api-token", exactly(&setAlnum, 24), lit("."), exactly(&setAlnum, 64)),
	fixed("sntryu_", "sentry-user-token", &setHexLower, 64),
	fixed("NRAK-", "new-relic-user-api-key", &setAlnum, 27),
	fixed("NRJS-", "new-relic-browser-api-token", &setHexLower, 19),
	fixed("NRII-", "new-relic-insert-key", &setSlack, 32),
	// Org tokens: base64 JSON claims (iat, url, region_url, org), '_', and a
	// 43-character secret.
	ranged("sntrys_eyJpYXQiO", "sentry-org-token", &setSentry, 60, 600).withCheck(checkSentryOrg),
}

var setSentry = makeSet("a-z", "A-Z", "0-9", "+/=_")

func checkSentryOrg(tok, body string) string {
	k := strings.LastIndexByte(body, '_')
	if k < 0 || len(body)-k-1 != 43 || !allIn(body[k+1:], &setBase64) {
		return "invalid:sentry-org-format"
	}
	claims := body[:k]
	if !strings.Contains(claims, "LCJyZWdpb25fdXJs") && !strings.Contains(claims, "InJlZ2lvbl91cmwi") &&
		!strings.Contains(claims, "cmVnaW9uX3VybCI6") {
		return "invalid:sentry-org-format"
	}
	return ""
}
