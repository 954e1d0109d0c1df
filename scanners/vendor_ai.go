package scanners

import "strings"

// AI providers. Anthropic keys are `sk-ant-<kind><2-digit version>-`, 93
// characters of [A-Za-z0-9_-], then "AA"; OpenAI keys carry "T3BlbkFJ"
// (base64 of "OpenAI") between two random halves; Hugging Face tokens are 34
// letters; Bedrock long-lived keys are base64 of "BedrockAPIKey-…" behind
// ABSK, short-lived ones a presigned URL in base64 behind a fixed text.
var aiRules = []*vendorRule{
	fixed("sk-ant-api03-", "anthropic-api-key", &setToken, 95).withCheck(checkAnthropicTail),
	fixed("sk-ant-admin01-", "anthropic-admin-api-key", &setToken, 95).withCheck(checkAnthropicTail),
	// Other kinds and versions (api01 compliance keys, future versions)
	// share the body format.
	ranged("sk-ant-", "anthropic-key", &setToken, 99, 104).withCheck(checkAnthropicOther),

	ranged("sk-proj-", "openai-project-key", &setToken, 48, 156).withCheck(checkOpenAIMarker),
	ranged("sk-svcacct-", "openai-service-account-key", &setToken, 48, 156).withCheck(checkOpenAIMarker),
	ranged("sk-admin-", "openai-admin-key", &setToken, 48, 156).withCheck(checkOpenAIMarker),
	// Legacy user keys: 20 characters, the marker, 20 characters.
	shaped("sk-", "openai-api-key", exactly(&setAlnum, 20), lit("T3BlbkFJ"), exactly(&setAlnum, 20)),

	fixed("pplx-", "perplexity-api-key", &setAlnum, 48),
	fixed("sk-or-v1-", "openrouter-api-key", &setHexLower, 64),
	fixed("gsk_", "groq-api-key", &setAlnum, 52),
	fixed("xai-", "xai-api-key", &setAlnum, 80),
	fixed("r8_", "replicate-api-token", &setAlnum, 37),
	fixed("nvapi-", "nvidia-api-key", &setToken, 64),
	shaped("lsv2_pt_", "langsmith-api-key", exactly(&setHexLower, 32), lit("_"), exactly(&setHexLower, 10)),
	shaped("lsv2_sk_", "langsmith-api-key", exactly(&setHexLower, 32), lit("_"), exactly(&setHexLower, 10)),
	fixed("hf_", "huggingface-access-token", &setLetters, 34),
	fixed("api_org_", "huggingface-organization-api-token", &setLetters, 34),
	ranged("ABSK", "aws-amazon-bedrock-api-key-long-lived", &setBase64Pad, 109, 271).withCheck(checkBase64Padding),
	ranged("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", "aws-amazon-bedrock-api-key-short-lived", &setBase64Pad, 0, 4096).withCheck(checkBase64Padding),
}

// checkAnthropicTail requires the "AA" every Anthropic key ends with.
func checkAnthropicTail(tok, body string) string {
	if !strings.HasSuffix(body, "AA") {
		return "invalid:anthropic-format"
	}
	return ""
}

// checkAnthropicOther accepts `sk-ant-<letters><2 digits>-` followed by the
// 95-character body of the known kinds.
func checkAnthropicOther(tok, body string) string {
	j := 0
	for j < len(body) && body[j] >= 'a' && body[j] <= 'z' {
		j++
	}
	k := j
	for k < len(body) && isDigit(body[k]) {
		k++
	}
	if j == 0 || k-j != 2 || k >= len(body) || body[k] != '-' || len(body)-k-1 != 95 {
		return "invalid:anthropic-format"
	}
	if why := placeholderRandom(body[k+1:]); why != "" {
		return why
	}
	return checkAnthropicTail(tok, body)
}

// checkOpenAIMarker requires the marker between two random halves: 58 or
// 74 characters each in the two generations of project, service-account and
// admin keys, 20 in keys shaped like the legacy ones; the marker makes any
// other length a truncated or edited key, still worth reporting.
func checkOpenAIMarker(tok, body string) string {
	m := strings.Index(body, "T3BlbkFJ")
	if m < 0 {
		return "invalid:openai-marker"
	}
	if a, b := m, len(body)-m-8; a < 20 || b < 20 || a > 74 || b > 74 {
		return "invalid:openai-format"
	}
	return ""
}

// checkBase64Padding rejects '=' anywhere but at the end.
func checkBase64Padding(tok, body string) string {
	if k := strings.IndexByte(body, '='); k >= 0 && strings.Trim(body[k:], "=") != "" {
		return "invalid:base64-padding"
	}
	return ""
}
