package scanners

import "github.com/ccsync/ccsync/model"

// Payment, commerce and shipping. Stripe secret (sk_) and restricted (rk_)
// keys are 24 characters (older accounts) to 99 and more (Stripe allows up
// to 255); publishable keys (pk_) are public by design and not reported.
var paymentRules = []*vendorRule{
	ranged("sk_live_", "stripe-access-token", &setAlnum, 24, 247),
	// Test-mode keys keep their own rule name so that a configuration can
	// turn them off ("disable": ["stripe-test-secret-key"]).
	ranged("sk_test_", "stripe-test-secret-key", &setAlnum, 24, 247),
	ranged("sk_prod_", "stripe-access-token", &setAlnum, 24, 247),
	ranged("rk_live_", "stripe-access-token", &setAlnum, 24, 247),
	ranged("rk_test_", "stripe-test-secret-key", &setAlnum, 24, 247),
	ranged("rk_prod_", "stripe-access-token", &setAlnum, 24, 247),
	ranged("whsec_", "stripe-webhook-secret", &setAlnum, 32, 64),
	ranged("EAAA", "square-access-token", &setToken, 22, 60).withCheck(requireDigitAndLetter),
	ranged("sq0atp-", "square-access-token", &setToken, 22, 60),
	fixed("sq0csp-", "square-oauth-secret", &setToken, 43),
	ranged("EAAM", "facebook-page-access-token", &setAlnum, 100, 400),
	ranged("EAAC", "facebook-page-access-token", &setAlnum, 100, 400),
	fixed("FLWSECK_TEST-", "flutterwave-encryption-key", &setHex, 12),
	shaped("FLWSECK_TEST-", "flutterwave-secret-key", exactly(&setHex, 32), lit("-X")),
	shaped("FLWSECK-", "flutterwave-secret-key", exactly(&setHex, 32), lit("-X")),
	// Flutterwave's public key is meant for browsers, but it names a live
	// account and gitleaks reports it; it is kept at low severity.
	shaped("FLWPUBK_TEST-", "flutterwave-public-key", exactly(&setHex, 32), lit("-X")).withSeverity(model.SeverityLow),
	shaped("FLWPUBK-", "flutterwave-public-key", exactly(&setHex, 32), lit("-X")).withSeverity(model.SeverityLow),
	fixed("shippo_live_", "shippo-api-token", &setHex, 40),
	fixed("shippo_test_", "shippo-api-token", &setHex, 40),
	fixed("EZAK", "easypost-api-token", &setAlnum, 54),
	fixed("EZTK", "easypost-test-api-token", &setAlnum, 54),
	fixed("shpat_", "shopify-access-token", &setHex, 32),
	fixed("shpca_", "shopify-custom-access-token", &setHex, 32),
	fixed("shppa_", "shopify-private-app-access-token", &setHex, 32),
	fixed("shpss_", "shopify-shared-secret", &setHex, 32),
	// Lob and GoCardless keys start with words ("live_", "test_") that
	// identifiers start with too; the exact length and alphabet decide.
	fixed("live_", "lob-api-key", &setHexLower, 35).asLoose(),
	fixed("test_", "lob-api-key", &setHexLower, 35).asLoose(),
	fixed("live_", "gocardless-api-token", &setTokenEq, 40).withCheck(requireMixedCase).asLoose(),
	shaped("access-sandbox-", "plaid-api-token", uuidSegs...),
	shaped("access-development-", "plaid-api-token", uuidSegs...),
	shaped("access-production-", "plaid-api-token", uuidSegs...),
	fixed("duffel_test_", "duffel-api-token", &setTokenEq, 43),
	fixed("duffel_live_", "duffel-api-token", &setTokenEq, 43),
	// Braintree access tokens name their environment; the merchant id and
	// the secret follow, '$'-separated.
	shaped("access_token$production$", "braintree-access-token", exactly(&setLowerAlnum, 16), lit("$"), exactly(&setHexLower, 32)),
	shaped("access_token$sandbox$", "braintree-access-token", exactly(&setLowerAlnum, 16), lit("$"), exactly(&setHexLower, 32)),
}
