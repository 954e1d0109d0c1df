package scanners

// Source hosts, CI/CD and package registries.
var sourceRules = []*vendorRule{
	githubClassic("ghp_", "github-pat"),
	githubClassic("gho_", "github-oauth"),
	githubClassic("ghu_", "github-app-token"),
	githubClassic("ghs_", "github-app-token"),
	githubClassic("ghr_", "github-refresh-token"),
	// Fine-grained PATs: 22 characters, '_', 59 characters.
	// GitHub's fine-grained PATs are 22 characters, '_', 59 characters;
	// other tools' fixtures use any 82 word characters, which is as specific.
	fixed("github_pat_", "github-fine-grained-pat", &setWord, 82),

	// GitLab: legacy tokens are the prefix and 20 characters; routable
	// tokens (GitLab 17+) end in ".<2-char version><7-char CRC>".
	fixed("glpat-", "gitlab-pat", &setToken, 20),
	shaped("glpat-", "gitlab-pat-routable", run(&setToken, 27, 300), lit("."), exactly(&setLowerAlnum, 9)),
	fixed("gldt-", "gitlab-deploy-token", &setToken, 20),
	fixed("glffct-", "gitlab-feature-flag-client-token", &setToken, 20),
	fixed("glft-", "gitlab-feed-token", &setToken, 20),
	fixed("glimt-", "gitlab-incoming-mail-token", &setToken, 25),
	fixed("glagent-", "gitlab-kubernetes-agent-token", &setToken, 50),
	fixed("gloas-", "gitlab-oauth-app-secret", &setToken, 64),
	fixed("glptt-", "gitlab-ptt", &setHexLower, 40),
	fixed("GR1348941", "gitlab-rrt", &setToken, 20),
	fixed("glrt-", "gitlab-runner-authentication-token", &setToken, 20),
	shaped("glrt-t", "gitlab-runner-authentication-token-routable", exactly(&setDigits, 1), lit("_"), run(&setToken, 27, 300),
		lit("."), exactly(&setLowerAlnum, 9)),
	fixed("glsoat-", "gitlab-scim-token", &setToken, 20),
	shaped("glcbt-", "gitlab-cicd-job-token", run(&setAlnum, 1, 5), lit("_"), exactly(&setToken, 20)),
	fixed("glcbt-", "gitlab-cicd-job-token", &setToken, 20),
	fixed("_gitlab_session=", "gitlab-session-cookie", &setLowerAlnum, 32),

	fixed("npm_", "npm-access-token", &setAlnum, 36),
	fixed("oy2", "nuget-api-key", &setLowerAlnum, 43),
	fixed("dckr_pat_", "docker-hub-pat", &setToken, 27),
	fixed("ATATT3", "atlassian-api-token", &setTokenEq, 186),
	fixed("ATBB", "bitbucket-app-password", &setAlnum, 32),
	fixed("ATCTT3", "atlassian-access-token", &setTokenEq, 186),
	// CircleCI personal and project API tokens.
	shaped("CCIPAT_", "circleci-access-token", exactly(&setAlnum, 22), lit("_"), exactly(&setHexLower, 40)),
	shaped("CCIPRJ_", "circleci-access-token", exactly(&setAlnum, 22), lit("_"), exactly(&setHexLower, 40)),
	fixed("squ_", "sonar-api-token", &setAlnum, 40),
	fixed("sqp_", "sonar-api-token", &setAlnum, 40),
	fixed("sqa_", "sonar-api-token", &setAlnum, 40),
	fixed("bkua_", "buildkite-api-token", &setHexLower, 40),
	fixed("tfp_", "typeform-api-token", &setTokenDot, 59),
	// PyPI tokens are macaroons whose first caveat is the location pypi.org,
	// so every real one starts with the same base64 text.
	ranged("pypi-AgEIcHlwaS5vcmc", "pypi-upload-token", &setToken, 50, 1000),
	fixed("rubygems_", "rubygems-api-token", &setHexLower, 48),
	fixed("CLOJARS_", "clojars-api-token", &setAlnum, 60),
	fixed("clojars_", "clojars-api-token", &setAlnum, 60),
	fixed("API-", "octopus-deploy-api-key", &setUpperAlnum, 26).withCheck(requireDigitAndLetter).asStandalone(),
	// Harness: pat.<account 22>.<token id 24>.<secret 20>, sat. likewise.
	shaped("pat.", "harness-api-key", exactly(&setToken, 22), lit("."), exactly(&setAlnum, 24), lit("."), exactly(&setAlnum, 20)).asLoose(),
	shaped("sat.", "harness-api-key", exactly(&setToken, 22), lit("."), exactly(&setAlnum, 24), lit("."), exactly(&setAlnum, 20)).asLoose(),
	// Airtable personal access tokens: pat<14>.<64 hex>.
	shaped("pat", "airtable-personnal-access-token", exactly(&setAlnum, 14), lit("."), exactly(&setHexLower, 64)).asLoose(),
	fixed("pnu_", "prefect-api-token", &setAlnum, 36),
	fixed("rdme_", "readme-api-token", &setLowerAlnum, 70),
	fixed("lin_api_", "linear-api-key", &setAlnum, 40),
	shaped("PMAK-", "postman-api-token", exactly(&setHex, 24), lit("-"), exactly(&setHex, 34)),
	fixed("fio-u-", "frameio-api-token", &setTokenEq, 64),
	fixed("sm_aat_", "settlemint-application-access-token", &setAlnum, 16),
	fixed("sm_pat_", "settlemint-personal-access-token", &setAlnum, 16),
	fixed("sm_sat_", "settlemint-service-access-token", &setAlnum, 16),
	shaped("sgp_", "sourcegraph-access-token", exactly(&setHex, 16), lit("_"), exactly(&setHex, 40)),
	shaped("sgp_local_", "sourcegraph-access-token", exactly(&setHex, 40)),
	fixed("sgp_", "sourcegraph-access-token", &setHex, 40),
	withLead(shaped("atlasv1.", "hashicorp-tf-api-token", run(&setTokenEq, 60, 70)), 14),
}

// githubClassic is a 2021-format GitHub token: 30 random base62 characters
// and a 6-character CRC32 checksum. A token whose checksum fails cannot be
// live, but it is still reported (severity high, attribute
// "checksum-invalid"): it may be a real token with a typo, a truncated
// copy, or a test fixture, and gitleaks and trufflehog report such tokens
// too; an auditor would rather triage it than never see it.
func githubClassic(prefix, rule string) *vendorRule {
	r := fixed(prefix, rule, &setAlnum, 36)
	r.soft = func(tok, body string) bool { return checkGitHub(tok, body) == "" }
	r.attr = "checksum-invalid"
	return r
}

func withLead(r *vendorRule, n int) *vendorRule {
	r.lead = n
	r.keepPrefix = 0
	return r
}
