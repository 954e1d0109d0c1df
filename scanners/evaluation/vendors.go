package evaluation

import (
	"math/rand/v2"
	"regexp"
)

// vendorSpec is a credential format with a fixed prefix, alphabet and
// length, as the vendor documents it (or, where the vendor is silent, as
// public rule lists such as gitleaks' default config record it). Re is the
// same format written independently as an anchored regular expression.
type vendorSpec struct {
	rule  string
	tmpl  string
	re    string
	keys  []string
	place placement
}

// vendorSpecs covers cloud providers, source hosts, CI, chat, payment, AI
// providers, databases, package registries and SaaS. All are type api_key.
var vendorSpecs = []vendorSpec{
	// Source hosts (GitHub tokens with a CRC32 are in special.go).
	{"github-fine-grained-pat", "github_pat_11{U:20}_{A:59}", `github_pat_11[A-Z0-9]{20}_[A-Za-z0-9]{59}`, []string{"GITHUB_TOKEN", "GH_TOKEN"}, anyShape},
	{"gitlab-pat", "glpat-{w:20}", `glpat-[A-Za-z0-9_-]{20}`, []string{"GITLAB_TOKEN", "CI_JOB_TOKEN_OVERRIDE"}, anyShape},
	{"gitlab-deploy-token", "gldt-{w:20}", `gldt-[A-Za-z0-9_-]{20}`, []string{"GITLAB_DEPLOY_TOKEN"}, anyShape},
	{"gitlab-runner-token", "glrt-{w:20}", `glrt-[A-Za-z0-9_-]{20}`, []string{"RUNNER_TOKEN"}, anyShape},
	{"gitlab-feed-token", "glft-{w:20}", `glft-[A-Za-z0-9_-]{20}`, []string{"GITLAB_FEED_TOKEN"}, anyShape},
	{"gitlab-trigger-token", "glptt-{h:40}", `glptt-[0-9a-f]{40}`, []string{"TRIGGER_TOKEN"}, anyShape},
	{"gitlab-oauth-secret", "gloas-{w:64}", `gloas-[A-Za-z0-9_-]{64}`, []string{"GITLAB_OAUTH_SECRET"}, anyShape},
	{"gitlab-agent-token", "glagent-{w:50}", `glagent-[A-Za-z0-9_-]{50}`, []string{"KAS_AGENT_TOKEN"}, anyShape},
	{"gitlab-scim-token", "glsoat-{w:20}", `glsoat-[A-Za-z0-9_-]{20}`, []string{"SCIM_TOKEN"}, anyShape},
	{"bitbucket-access-token", "ATCTT3xFfGN0{w:171}={H:8}", `ATCTT3xFfGN0[A-Za-z0-9_-]{171}=[0-9A-F]{8}`, []string{"BITBUCKET_TOKEN"}, anyShape},
	{"atlassian-api-token", "ATATT3xFfGF0{w:171}={H:8}", `ATATT3xFfGF0[A-Za-z0-9_-]{171}=[0-9A-F]{8}`, []string{"JIRA_API_TOKEN", "CONFLUENCE_TOKEN"}, anyShape},
	// CI/CD and infrastructure.
	{"circleci-pat", "CCIPAT_{A:22}_{h:40}", `CCIPAT_[A-Za-z0-9]{22}_[0-9a-f]{40}`, []string{"CIRCLECI_TOKEN"}, anyShape},
	{"buildkite-token", "bkua_{h:40}", `bkua_[0-9a-f]{40}`, []string{"BUILDKITE_API_TOKEN"}, anyShape},
	{"hashicorp-vault-service-token", "hvs.{w:90-120}", `hvs\.[A-Za-z0-9_-]{90,120}`, []string{"VAULT_TOKEN"}, anyShape},
	{"hashicorp-vault-batch-token", "hvb.{w:138-200}", `hvb\.[A-Za-z0-9_-]{138,200}`, []string{"VAULT_TOKEN"}, anyShape},
	{"terraform-cloud-token", "{a:14}.atlasv1.{w:67}", `[a-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}`, []string{"TFE_TOKEN", "TF_TOKEN_app_terraform_io"}, anyShape},
	{"pulumi-access-token", "pul-{h:40}", `pul-[0-9a-f]{40}`, []string{"PULUMI_ACCESS_TOKEN"}, anyShape},
	{"doppler-token", "dp.pt.{A:43}", `dp\.pt\.[A-Za-z0-9]{43}`, []string{"DOPPLER_TOKEN"}, anyShape},
	{"octopus-deploy-api-key", "API-{U:26}", `API-[A-Z0-9]{26}`, []string{"OCTOPUS_API_KEY"}, anyShape},
	{"flyio-token", "fo1_{w:43}", `fo1_[A-Za-z0-9_-]{43}`, []string{"FLY_API_TOKEN"}, anyShape},
	{"heroku-api-key-v2", "HRKU-AA{w:58}", `HRKU-AA[A-Za-z0-9_-]{58}`, []string{"HEROKU_API_KEY"}, anyShape},
	{"digitalocean-pat", "dop_v1_{h:64}", `dop_v1_[0-9a-f]{64}`, []string{"DIGITALOCEAN_TOKEN"}, anyShape},
	{"digitalocean-oauth-token", "doo_v1_{h:64}", `doo_v1_[0-9a-f]{64}`, []string{"DO_OAUTH_TOKEN"}, anyShape},
	{"digitalocean-refresh-token", "dor_v1_{h:64}", `dor_v1_[0-9a-f]{64}`, []string{"DO_REFRESH_TOKEN"}, anyShape},
	{"netlify-pat", "nfp_{A:40}", `nfp_[A-Za-z0-9]{40}`, []string{"NETLIFY_AUTH_TOKEN"}, anyShape},
	{"databricks-token", "dapi{h:32}", `dapi[0-9a-f]{32}`, []string{"DATABRICKS_TOKEN"}, anyShape},
	{"dynatrace-token", "dt0c01.{U:24}.{U:64}", `dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}`, []string{"DT_API_TOKEN"}, anyShape},
	{"grafana-service-account-token", "glsa_{A:32}_{h:8}", `glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}`, []string{"GRAFANA_TOKEN"}, anyShape},
	{"newrelic-user-api-key", "NRAK-{U:27}", `NRAK-[A-Z0-9]{27}`, []string{"NEW_RELIC_API_KEY"}, anyShape},
	{"sentry-user-token", "sntryu_{h:64}", `sntryu_[0-9a-f]{64}`, []string{"SENTRY_AUTH_TOKEN"}, anyShape},
	{"infracost-api-token", "ico-{A:32}", `ico-[A-Za-z0-9]{32}`, []string{"INFRACOST_API_KEY"}, anyShape},
	{"prefect-api-token", "pnu_{A:36}", `pnu_[A-Za-z0-9]{36}`, []string{"PREFECT_API_KEY"}, anyShape},
	{"scalingo-api-token", "tk-us-{w:48}", `tk-us-[A-Za-z0-9_-]{48}`, []string{"SCALINGO_API_TOKEN"}, anyShape},
	{"sonarqube-user-token", "squ_{h:40}", `squ_[0-9a-f]{40}`, []string{"SONAR_TOKEN"}, anyShape},
	{"sourcegraph-token", "sgp_{h:16}_{h:40}", `sgp_[0-9a-f]{16}_[0-9a-f]{40}`, []string{"SRC_ACCESS_TOKEN"}, anyShape},
	{"artifactory-api-key", "AKCp{A:69}", `AKCp[A-Za-z0-9]{69}`, []string{"ARTIFACTORY_API_KEY"}, anyShape},
	{"cloudflare-origin-ca-key", "v1.0-{h:24}-{h:146}", `v1\.0-[0-9a-f]{24}-[0-9a-f]{146}`, []string{"CF_ORIGIN_CA_KEY"}, anyShape},
	{"alibaba-access-key-id", "LTAI{A:20}", `LTAI[A-Za-z0-9]{20}`, []string{"ALIBABA_CLOUD_ACCESS_KEY_ID"}, anyShape},
	{"google-api-key", "AIza{w:35}", `AIza[A-Za-z0-9_-]{35}`, []string{"GOOGLE_API_KEY", "GEMINI_API_KEY", "FIREBASE_API_KEY"}, anyShape},
	{"google-oauth-client-secret", "GOCSPX-{w:28}", `GOCSPX-[A-Za-z0-9_-]{28}`, []string{"GOOGLE_CLIENT_SECRET"}, anyShape},
	{"azure-ad-client-secret", "{A:3}{d:1}Q~{w:34}", `[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9_-]{34}`, []string{"AZURE_CLIENT_SECRET"}, anyShape},
	{"adobe-client-secret", "p8e-{A:32}", `p8e-[A-Za-z0-9]{32}`, []string{"ADOBE_CLIENT_SECRET"}, anyShape},
	{"supabase-access-token", "sbp_{h:40}", `sbp_[0-9a-f]{40}`, []string{"SUPABASE_ACCESS_TOKEN"}, anyShape},
	{"planetscale-token", "pscale_tkn_{w:43}", `pscale_tkn_[A-Za-z0-9_-]{43}`, []string{"PLANETSCALE_SERVICE_TOKEN"}, anyShape},
	{"planetscale-password", "pscale_pw_{w:43}", `pscale_pw_[A-Za-z0-9_-]{43}`, []string{"DATABASE_PASSWORD"}, anyShape},
	{"airtable-pat", "pat{A:14}.{h:64}", `pat[A-Za-z0-9]{14}\.[0-9a-f]{64}`, []string{"AIRTABLE_TOKEN"}, anyShape},
	// Chat and collaboration (Slack tokens and webhooks are in special.go).
	{"linear-api-key", "lin_api_{A:40}", `lin_api_[A-Za-z0-9]{40}`, []string{"LINEAR_API_KEY"}, anyShape},
	{"notion-token", "ntn_{d:11}{A:35}", `ntn_[0-9]{11}[A-Za-z0-9]{35}`, []string{"NOTION_TOKEN"}, anyShape},
	{"contentful-pat", "CFPAT-{w:43}", `CFPAT-[A-Za-z0-9_-]{43}`, []string{"CONTENTFUL_MANAGEMENT_TOKEN"}, anyShape},
	{"frameio-token", "fio-u-{w:64}", `fio-u-[A-Za-z0-9_-]{64}`, []string{"FRAMEIO_TOKEN"}, anyShape},
	{"readme-api-key", "rdme_{a:70}", `rdme_[a-z0-9]{70}`, []string{"README_API_KEY"}, anyShape},
	{"postman-api-key", "PMAK-{h:24}-{h:34}", `PMAK-[0-9a-f]{24}-[0-9a-f]{34}`, []string{"POSTMAN_API_KEY"}, anyShape},
	// Email and messaging.
	{"sendgrid-api-key", "SG.{w:22}.{w:43}", `SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`, []string{"SENDGRID_API_KEY"}, anyShape},
	{"brevo-api-key", "xkeysib-{h:64}-{A:16}", `xkeysib-[0-9a-f]{64}-[A-Za-z0-9]{16}`, []string{"BREVO_API_KEY", "SENDINBLUE_API_KEY"}, anyShape},
	{"twilio-api-key", "SK{h:32}", `SK[0-9a-f]{32}`, []string{"TWILIO_API_KEY"}, anyShape},
	{"mailgun-api-key", "key-{h:32}", `key-[0-9a-f]{32}`, []string{"MAILGUN_API_KEY"}, keyed},
	{"mailchimp-api-key", "{h:32}-us{d:2}", `[0-9a-f]{32}-us[0-9]{2}`, []string{"MAILCHIMP_API_KEY"}, keyed},
	// Payment and commerce (Stripe is in special.go).
	{"shopify-access-token", "shpat_{h:32}", `shpat_[0-9a-f]{32}`, []string{"SHOPIFY_ACCESS_TOKEN"}, anyShape},
	{"shopify-custom-app-token", "shpca_{h:32}", `shpca_[0-9a-f]{32}`, []string{"SHOPIFY_TOKEN"}, anyShape},
	{"shopify-private-app-token", "shppa_{h:32}", `shppa_[0-9a-f]{32}`, []string{"SHOPIFY_PASSWORD"}, anyShape},
	{"shopify-shared-secret", "shpss_{h:32}", `shpss_[0-9a-f]{32}`, []string{"SHOPIFY_API_SECRET"}, anyShape},
	{"square-access-token", "EAAA{w:60}", `EAAA[A-Za-z0-9_-]{60}`, []string{"SQUARE_ACCESS_TOKEN"}, anyShape},
	{"square-oauth-secret", "sq0csp-{w:43}", `sq0csp-[A-Za-z0-9_-]{43}`, []string{"SQUARE_OAUTH_SECRET"}, anyShape},
	{"braintree-access-token", "access_token$production${a:16}${h:32}", `access_token\$production\$[a-z0-9]{16}\$[0-9a-f]{32}`, []string{"BRAINTREE_ACCESS_TOKEN"}, anyShape},
	{"shippo-api-token", "shippo_live_{h:40}", `shippo_live_[0-9a-f]{40}`, []string{"SHIPPO_API_TOKEN"}, anyShape},
	{"easypost-api-key", "EZAK{A:54}", `EZAK[A-Za-z0-9]{54}`, []string{"EASYPOST_API_KEY"}, anyShape},
	{"duffel-api-token", "duffel_live_{w:43}", `duffel_live_[A-Za-z0-9_-]{43}`, []string{"DUFFEL_ACCESS_TOKEN"}, anyShape},
	{"flutterwave-secret-key", "FLWSECK_TEST-{h:32}-X", `FLWSECK_TEST-[0-9a-f]{32}-X`, []string{"FLW_SECRET_KEY"}, anyShape},
	// AI providers (Anthropic and OpenAI are in special.go).
	{"huggingface-token", "hf_{L:34}", `hf_[A-Za-z]{34}`, []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}, anyShape},
	{"huggingface-org-token", "api_org_{L:34}", `api_org_[A-Za-z]{34}`, []string{"HF_ORG_TOKEN"}, anyShape},
	{"perplexity-api-key", "pplx-{A:48}", `pplx-[A-Za-z0-9]{48}`, []string{"PERPLEXITY_API_KEY"}, anyShape},
	{"groq-api-key", "gsk_{A:52}", `gsk_[A-Za-z0-9]{52}`, []string{"GROQ_API_KEY"}, anyShape},
	{"replicate-api-token", "r8_{A:37}", `r8_[A-Za-z0-9]{37}`, []string{"REPLICATE_API_TOKEN"}, anyShape},
	{"xai-api-key", "xai-{A:80}", `xai-[A-Za-z0-9]{80}`, []string{"XAI_API_KEY"}, anyShape},
	{"langsmith-api-key", "lsv2_pt_{h:32}_{h:10}", `lsv2_pt_[0-9a-f]{32}_[0-9a-f]{10}`, []string{"LANGSMITH_API_KEY"}, anyShape},
	// Package registries (npm is in special.go).
	{"pypi-upload-token", "pypi-AgEIcHlwaS5vcmc{w:150-200}", `pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{150,200}`, []string{"TWINE_PASSWORD", "PYPI_TOKEN"}, anyShape},
	{"rubygems-api-key", "rubygems_{h:48}", `rubygems_[0-9a-f]{48}`, []string{"GEM_HOST_API_KEY"}, anyShape},
	{"clojars-token", "CLOJARS_{a:60}", `CLOJARS_[a-z0-9]{60}`, []string{"CLOJARS_PASSWORD"}, anyShape},
	{"docker-hub-pat", "dckr_pat_{w:27}", `dckr_pat_[A-Za-z0-9_-]{27}`, []string{"DOCKERHUB_TOKEN"}, anyShape},
	{"openshift-user-token", "sha256~{w:43}", `sha256~[A-Za-z0-9_-]{43}`, []string{"OPENSHIFT_TOKEN", "OC_TOKEN"}, anyShape},
	{"tailscale-auth-key", "tskey-auth-k{A:10}CNTRL-{A:33}", `tskey-auth-k[A-Za-z0-9]{10}CNTRL-[A-Za-z0-9]{33}`, []string{"TS_AUTHKEY"}, anyShape},
	{"firebase-cloud-messaging-key", "AAAA{w:7}:APA91b{w:134}", `AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}`, []string{"FCM_SERVER_KEY"}, anyShape},
	{"asana-pat", "2/{d:16}/{d:16}:{h:32}", `2/[0-9]{16}/[0-9]{16}:[0-9a-f]{32}`, []string{"ASANA_ACCESS_TOKEN"}, anyShape},
	{"crates-io-token", "cio{A:32}", `cio[A-Za-z0-9]{32}`, []string{"CARGO_REGISTRY_TOKEN"}, anyShape},
	{"nuget-api-key", "oy2{a:43}", `oy2[a-z0-9]{43}`, []string{"NUGET_API_KEY"}, keyed},
	{"salesforce-access-token", "00D{A:12}!{A:96}", `00D[A-Za-z0-9]{12}![A-Za-z0-9]{96}`, []string{"SF_ACCESS_TOKEN", "SALESFORCE_TOKEN"}, keyed},
	{"hetzner-cloud-token", "{A:64}", `[A-Za-z0-9]{64}`, []string{"HCLOUD_TOKEN"}, keyed},
	{"linode-token", "{h:64}", `[0-9a-f]{64}`, []string{"LINODE_TOKEN"}, keyed},
	{"vultr-api-key", "{U:36}", `[A-Z0-9]{36}`, []string{"VULTR_API_KEY"}, keyed},
	{"vercel-token", "{A:24}", `[A-Za-z0-9]{24}`, []string{"VERCEL_TOKEN"}, keyed},
	{"snyk-token", "{h:8}-{h:4}-4{h:3}-a{h:3}-{h:12}", `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}`, []string{"SNYK_TOKEN"}, keyed},
	{"heroku-api-key-legacy", "{h:8}-{h:4}-4{h:3}-8{h:3}-{h:12}", `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}`, []string{"HEROKU_API_KEY"}, keyed},
	{"ibm-cloud-api-key", "{w:44}", `[A-Za-z0-9_-]{44}`, []string{"IBMCLOUD_API_KEY"}, keyed},
	{"jenkins-api-token", "11{h:32}", `11[0-9a-f]{32}`, []string{"JENKINS_API_TOKEN"}, keyed},
	{"upstash-redis-token", "A{A:59}", `A[A-Za-z0-9]{59}`, []string{"UPSTASH_REDIS_REST_TOKEN"}, keyed},
	// Context-only credentials: a random string that only its key name
	// marks as a secret.
	{"datadog-api-key", "{h:32}", `[0-9a-f]{32}`, []string{"DD_API_KEY", "DATADOG_API_KEY"}, keyed},
	{"datadog-app-key", "{h:40}", `[0-9a-f]{40}`, []string{"DD_APP_KEY"}, keyed},
	{"algolia-admin-key", "{h:32}", `[0-9a-f]{32}`, []string{"ALGOLIA_ADMIN_KEY", "ALGOLIA_API_KEY"}, keyed},
	{"cohere-api-key", "{A:40}", `[A-Za-z0-9]{40}`, []string{"CO_API_KEY", "COHERE_API_KEY"}, keyed},
	{"mistral-api-key", "{A:32}", `[A-Za-z0-9]{32}`, []string{"MISTRAL_API_KEY"}, keyed},
	{"cloudflare-api-token", "{w:40}", `[A-Za-z0-9_-]{40}`, []string{"CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"}, keyed},
	{"okta-api-token", "00{w:40}", `00[A-Za-z0-9_-]{40}`, []string{"OKTA_API_TOKEN"}, keyed},
	{"telegram-bot-token", "{d:9-10}:AA{w:33}", `[0-9]{9,10}:AA[A-Za-z0-9_-]{33}`, []string{"TELEGRAM_BOT_TOKEN"}, keyed},
	{"generic-client-secret", "{A:24-48}", `[A-Za-z0-9]{24,48}`, []string{"client_secret", "CLIENT_SECRET", "app_secret"}, keyed},
	{"generic-password", "{A:8-12}{d:2}!", `[A-Za-z0-9]{8,12}[0-9]{2}!`, []string{"password", "DB_PASSWORD", "db_pass"}, keyed},
}

func vendorFormats() []*Format {
	out := make([]*Format, 0, len(vendorSpecs))
	for _, v := range vendorSpecs {
		re := regexp.MustCompile(`^(?:` + v.re + `)$`)
		t := v.tmpl
		out = append(out, &Format{
			Name:  v.rule,
			Type:  "api_key",
			Gen:   func(r *rand.Rand) string { return tmpl(r, t) },
			Valid: re.MatchString,
			Keys:  v.keys,
			Place: v.place,
		})
	}
	return out
}
