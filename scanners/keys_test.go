package scanners

import (
	"encoding/base64"
	"github.com/ccsync/ccsync/model"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Test values below are random strings made for these tests.
const (
	testKeyID  = "AKIAQ2LXR7MZTB4KW6NE"
	testSecret = "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"
)

// TestKeysSuppressedBy checks the reason ScanVerbose gives for each kind of
// look-alike the AWS, private-key and JWT detectors drop.
func TestKeysSuppressedBy(t *testing.T) {
	for _, tc := range []struct{ name, text, typ, by string }{
		{"hex digest near a key id, no name", testKeyID + " built from 95cb0bfd2977c761298d9624e4b4d4c72a39974a", "aws_secret_key", "invalid:aws-secret-hex"},
		{"path after aws", "AWS s3 sync src/main/resources/configs/Settings/v123 s3://b", "aws_secret_key", "invalid:aws-secret-path"},
		{"example secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_key", "placeholder:word:example"},
		{"example key id", "AKIAIOSFODNN7EXAMPLE", "aws_access_key", "placeholder:word:example"},
		{"header alone", "files start with -----BEGIN RSA PRIVATE KEY----- and end", "private_key", "invalid:pem-no-body"},
		{"redacted body", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA<redacted>\n-----END RSA PRIVATE KEY-----", "private_key", "placeholder:pem-elided"},
		{"REDACTED letters", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nREDACTEDREDACTED\n-----END PRIVATE KEY-----", "private_key", "placeholder:pem-elided"},
		{"zero body", "-----BEGIN EC PRIVATE KEY-----\n" + strings.Repeat("A", 64) + "\n" + strings.Repeat("A", 64) + "\n-----END EC PRIVATE KEY-----", "private_key", "placeholder:low-entropy"},
		{"label mismatch", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIL+H2oWAnPHL1/Jefg/HcNLx8n2TcWJsbWg7De9bOK8UoAoGCCqGSM49\n-----END RSA PRIVATE KEY-----", "private_key", "invalid:pem-label-mismatch"},
		{"ppk header alone", "some text\nPuTTY-User-Key-File-2\nsecret key", "private_key", "invalid:ppk-no-body"},
		{"repeated key id body", "key id is AKIADEADBEEFDEADBEEF (rotated?)", "aws_access_key", "placeholder:repeated-pattern"},
		{"elided ppk", "PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n...\nPrivate-MAC: ab", "private_key", "placeholder:ppk-elided"},
		{"eyJ not JSON", "eyJhbGciOiJIUzI1NiJ9x.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2ln", "jwt", "invalid:jwt-header-base64"},
		{"header naming no JOSE parameter, payload no claim", "eyJmb28iOiJiYXIifQ.eyJuYW1lIjoieCJ9.kQvmjo3eX5MSls4XZWX_OsTLxoQ2Jg", "jwt", "invalid:jwt-header"},
		{"payload not JSON", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.kQvmjo3eX5MSls4XZWX_OsTLxoQ2Jg", "jwt", "invalid:jwt-payload"},
		{"base64 of a jwt without alg", "blob ZXlKdWIzUWlPaUpoSUdwM2RDSjkuZXlKNElqb3hmUS5jMmxuYm1GMGRYSmxjMmxuYm1GMGRYSmw=", "jwt", "invalid:jwt-header"},
		{"jwt.io sample, newer page", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30", "jwt", "placeholder:documented-sample"},
		{"jwe with three parts", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.a2V5a2V5.aXZpdml2", "jwt", "invalid:jwe-parts"},
	} {
		fs, sup := defaultEngine.ScanVerbose(tc.text)
		for _, f := range fs {
			if f.Type == tc.typ {
				t.Errorf("%s: unexpected finding %+v", tc.name, f)
			}
		}
		if !slices.ContainsFunc(sup, func(s Suppressed) bool { return s.Type == tc.typ && s.By == tc.by }) {
			t.Errorf("%s: suppressed %+v, want %s by %s", tc.name, sup, tc.typ, tc.by)
		}
	}
}

// TestAgeChecksumFailureIsReportedLower: a key whose Bech32 checksum fails
// is still shown, ranked high instead of critical and marked.
func TestAgeChecksumFailureIsReportedLower(t *testing.T) {
	fs := defaultEngine.Scan("SOPS_AGE_KEY=AGE-SECRET-KEY-1U3QQ35MRY6NKL4SQNQJMN8QYE9THWC4F0JLSMXG5PZFRKGFZN6DQNR5HEQ")
	if len(fs) != 1 || fs[0].Type != "private_key" || fs[0].Severity != model.SeverityHigh || !slices.Equal(fs[0].Attrs, []string{"checksum-invalid"}) {
		t.Fatalf("findings %+v, want one private_key, high, checksum-invalid", fs)
	}
}

// TestAWSKeyKinds checks which four-letter prefixes are credentials.
func TestAWSKeyKinds(t *testing.T) {
	body := testKeyID[4:]
	for _, tc := range []struct {
		prefix string
		want   bool
	}{
		{"AKIA", true}, {"ASIA", true}, {"ABIA", true}, {"ACCA", true}, {"A3TX", true}, {"A3T7", true},
		{"AIDA", false}, {"AROA", false}, {"AGPA", false}, {"AIPA", false}, {"ANPA", false}, {"ANVA", false},
		{"APKA", false}, {"ASCA", false}, {"AKIB", false}, {"akia", false},
	} {
		got := len(defaultEngine.Scan("id " + tc.prefix + body + " end"))
		if (got == 1) != tc.want {
			t.Errorf("%s: %d findings, want found=%v", tc.prefix, got, tc.want)
		}
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"AKIA8Q01ZX9TB4KW6NEM", true},  // 0, 1, 8, 9 are accepted (see awsKeyKinds)
		{"AKIAQ2LXR7MZTB4KW6Nz", false}, // lower case
		{"AKIAQ2LXR7MZTB4KW6N", false},  // 19
		{"AKIAQ2LXR7MZTB4KW6NEA", false},
		{"AKIAQ2LXR7MZ-B4KW6NE", false},
	} {
		if got := len(defaultEngine.Scan("id " + tc.id + ".")); (got == 1) != tc.want {
			t.Errorf("%s: %d findings, want found=%v", tc.id, got, tc.want)
		}
	}
}

// TestAWSSecretShapes checks that a secret key is found, as aws_secret_key,
// in each shape it is pasted in, with or without its key id nearby.
func TestAWSSecretShapes(t *testing.T) {
	for _, text := range []string{
		"aws_secret_access_key = " + testSecret,
		"export AWS_SECRET_ACCESS_KEY='" + testSecret + "'",
		`{"SecretAccessKey": "` + testSecret + `"}`,
		"<SecretAccessKey>" + testSecret + "</SecretAccessKey>",
		"Access key ID,Secret access key\n" + testKeyID + "," + testSecret,
		"id: " + testKeyID + "\nsecret: " + testSecret,
		"provider \"aws\" {\n  secret_key = \"" + testSecret + "\"\n}",
		`aws_key = "` + testSecret + `"`,
		"my AWS secret is " + testSecret + ".",
		`"AWS_ACCESS_KEY_ID=` + testKeyID + `\nAWS_SECRET_ACCESS_KEY=` + testSecret + `"`,
		`"AWS_ACCESS_KEY_ID=` + testKeyID + `\\nAWS_SECRET_ACCESS_KEY=` + testSecret + `"`,
	} {
		s := strings.Index(text, testSecret)
		if !slices.ContainsFunc(defaultEngine.Scan(text), func(f Finding) bool {
			return f.Type == "aws_secret_key" && f.Start == s && f.End == s+40
		}) {
			t.Errorf("%q: secret not found: %+v", text, defaultEngine.Scan(text))
		}
	}
}

func TestBech32(t *testing.T) {
	// BIP-173's valid test vector, and the same with one character changed.
	if !bech32Valid("a", strings.ToUpper("2uel5l")) {
		t.Error("valid checksum rejected")
	}
	if bech32Valid("a", strings.ToUpper("2uel5m")) {
		t.Error("invalid checksum accepted")
	}
}

// TestNeedsCleaning checks the cheap check in front of the pass: ordinary
// typography and CJK text do not trigger the cleaning, hidden characters do.
func TestNeedsCleaning(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"plain ascii & more", false},
		{"curly \u2018quotes\u2019 \u201cand\u201d dashes \u2013 \u2014 and \u2026 \u2022", false},
		{"東京は晴れ。", false},
		{"caf\u00e9 na\u00efve \u00a0nbsp", false},
		{"a\u200bb", true}, {"a\u200cb", true}, {"a\u200db", true}, {"a\u2060b", true}, {"a\u00adb", true},
		{"a\ufeffb", true}, {"a\u202eb", true}, {"a\u2066b", true}, {"a\u2069b", true}, {"\uff21", true},
		{"\uff5e", true}, {"&#65;", true}, {"&#x41", true}, {"&#;", false}, {"&amp;", false}, {"&#xD800;", false},
	} {
		if got := needsCleaning(tc.text); got != tc.want {
			t.Errorf("%q: needsCleaning %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestObfuscatedFindings checks that a secret hidden by each evasion is found
// with a span covering the whole obfuscated text, on rune boundaries of the
// original, and carries the "obfuscated" attribute; a secret next to (not
// inside) such characters is found without it.
func TestObfuscatedFindings(t *testing.T) {
	rev := func(s string) string {
		r := []rune(s)
		slices.Reverse(r)
		return string(r)
	}
	fullwidth := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r + 0xFEE0)
		}
		return b.String()
	}
	k := testKeyID
	for _, tc := range []struct {
		name, text, value string
		obfuscated        bool
	}{
		{"zwsp", "id " + k[:6] + "\u200b" + k[6:] + " end", k[:6] + "\u200b" + k[6:], true},
		{"zwnj zwj", k[:3] + "\u200c" + k[3:9] + "\u200d" + k[9:], k[:3] + "\u200c" + k[3:9] + "\u200d" + k[9:], true},
		{"word joiner", "=" + k[:10] + "\u2060" + k[10:], k[:10] + "\u2060" + k[10:], true},
		{"soft hyphen", k[:4] + "\u00ad" + k[4:], k[:4] + "\u00ad" + k[4:], true},
		{"bom", "x " + k[:19] + "\ufeff" + k[19:] + " y", k[:19] + "\ufeff" + k[19:], true},
		{"isolate", k[:5] + "\u2066" + k[5:] + "\u2069.", k[:5] + "\u2066" + k[5:], true},
		{"rlo reversed", "see \u202e" + rev(k) + "\u202c now", rev(k), true},
		{"rlo to end of line", "\u202e" + rev(k) + "\nnext", rev(k), true},
		{"fullwidth", "鍵：" + fullwidth(k) + "。", fullwidth(k), true},
		{"decimal entities", "&#65;&#75;&#73;&#65;" + k[4:], "&#65;&#75;&#73;&#65;" + k[4:], true},
		{"hex entities no semicolon", "<b>&#x41&#x4b" + k[2:] + "</b>", "&#x41&#x4b" + k[2:], true},
		{"entity for zwsp", k[:8] + "&#8203;" + k[8:], k[:8] + "&#8203;" + k[8:], true},
		{"zwsp next to the key", "\u200b" + k + "\u200b", k, false},
		{"curly quotes and zwsp elsewhere", "\u201c" + k + "\u201d a\u200bb", k, false},
	} {
		fs := defaultEngine.Scan(tc.text)
		if len(fs) != 1 {
			t.Errorf("%s: %d findings %+v, want 1", tc.name, len(fs), fs)
			continue
		}
		f := fs[0]
		s := strings.Index(tc.text, tc.value)
		if f.Type != "aws_access_key" || f.Start != s || f.End != s+len(tc.value) {
			t.Errorf("%s: got %s %q, want aws_access_key %q", tc.name, f.Type, tc.text[f.Start:f.End], tc.value)
		}
		if !utf8.ValidString(tc.text[:f.Start]) || !utf8.ValidString(tc.text[f.Start:f.End]) {
			t.Errorf("%s: span %d-%d splits a rune", tc.name, f.Start, f.End)
		}
		if got := slices.Contains(f.Attrs, AttrObfuscated); got != tc.obfuscated {
			t.Errorf("%s: obfuscated attr %v, want %v (attrs %v)", tc.name, got, tc.obfuscated, f.Attrs)
		}
		if v, _ := defaultEngine.ScanVerbose(tc.text); len(v) != 1 || v[0].Start != f.Start || v[0].End != f.End {
			t.Errorf("%s: ScanVerbose disagrees: %+v", tc.name, v)
		}
	}
}

// TestCleanOffsets checks the offset map on every unit kind: each cleaned
// byte maps into the original, and the whole cleaned text maps onto a span
// that starts and ends on rune boundaries.
func TestCleanOffsets(t *testing.T) {
	text := "a\u200bb\u00adc\ufeff&#x44;&#69;\uff26\u202eHG\u202c\u2066I\u2069é\xffJ"
	ct := clean(text)
	if ct.text != "abcDEFGHIé\xffJ" {
		t.Fatalf("cleaned %q", ct.text)
	}
	if len(ct.src) != len(ct.text) || len(ct.srcLen) != len(ct.text) {
		t.Fatalf("map lengths %d/%d for %d bytes", len(ct.src), len(ct.srcLen), len(ct.text))
	}
	for k := range ct.text {
		s, e := ct.origSpan(k, k+1)
		if s < 0 || e > len(text) || s >= e {
			t.Fatalf("byte %d maps to %d-%d", k, s, e)
		}
	}
	if s, e := ct.origSpan(0, len(ct.text)); s != 0 || e != len(text) {
		t.Errorf("whole text maps to %d-%d, want 0-%d", s, e, len(text))
	}
	if s, e := ct.origSpan(3, 4); text[s:e] != "&#x44;" {
		t.Errorf("entity maps to %q", text[s:e])
	}
	if s, e := ct.origSpan(6, 8); text[s:e] != "HG" {
		t.Errorf("reversed run maps to %q", text[s:e])
	}
}

// TestEscapedWordStart checks that a `\n`, `\t` or `\r` escape of flattened
// JSON does not hide the word after it from the dispatch.
func TestEscapedWordStart(t *testing.T) {
	for _, text := range []string{
		`"x\n` + testKeyID + `"`, `"x\t` + testKeyID + `"`, `"x\r\n` + testKeyID + `"`,
		`"x\\n` + testKeyID + `"`, `"x\\\\n` + testKeyID + `\\\\n"`,
	} {
		s := strings.Index(text, testKeyID)
		fs := defaultEngine.Scan(text)
		if len(fs) != 1 || fs[0].Start != s || fs[0].End != s+len(testKeyID) {
			t.Errorf("%s: got %+v", text, fs)
		}
	}
	if fs := defaultEngine.Scan(`C:\new\nAKIAQ2LXR7MZTB4KW6NEX`); len(fs) != 0 {
		t.Errorf("21-character id after an escape: %+v", fs)
	}
}

// TestJWTRegisteredHeader: a header naming any registered JOSE parameter
// makes a token of a payload object; a bearer JWT is reported as a jwt, and
// the jwt.io sample stays a documented sample.
func TestJWTRegisteredHeader(t *testing.T) {
	const payload = "eyJpc3MiOiJodHRwczovL2lkLmFjbWUudGVzdCIsInN1YiI6IjQyIn0" // {"iss":…,"sub":"42"}
	const sig = ".Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"
	for _, tc := range []struct {
		name, header string
		want         bool
	}{
		{"typ only", "eyJ0eXAiOiJwbGFpbiJ9", true},           // {"typ":"plain"}
		{"kid only", "eyJraWQiOiJrMSJ9", true},               // {"kid":"k1"}
		{"ver only", "eyJ2ZXIiOiIyIn0", true},                // {"ver":"2"}
		{"x5t only", "eyJ4NXQiOiJhYmMifQ", true},             // {"x5t":"abc"}
		{"unregistered, claims", "eyJmb28iOiJiYXIifQ", true}, // {"foo":"bar"} + iss/sub
		{"empty alg", "eyJhbGciOiIifQ", false},               // {"alg":""}
		{"not JSON", "eyJzdnQiOn0", false},                   // {"svt":}
	} {
		text := "token " + tc.header + "." + payload + sig + " end"
		fs := defaultEngine.Scan(text)
		got := len(fs) == 1 && fs[0].Type == "jwt"
		if got != tc.want {
			t.Errorf("%s: findings %+v, want jwt=%v", tc.name, fs, tc.want)
		}
	}
	fs := defaultEngine.Scan("Authorization: Bearer eyJraWQiOiJrMSJ9." + payload + sig)
	if len(fs) != 1 || fs[0].Type != "jwt" || fs[0].Rule != "jwt" {
		t.Errorf("bearer jwt: findings %+v, want one jwt", fs)
	}
	_, sup := defaultEngine.ScanVerbose("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
	if !slices.ContainsFunc(sup, func(s Suppressed) bool { return s.Type == "jwt" && s.By == "placeholder:documented-sample" }) {
		t.Errorf("jwt.io sample: suppressed %+v, want placeholder:documented-sample", sup)
	}
}

// TestAWSSecretUnderItsName: under a name that says "AWS secret access key"
// the name is the evidence, so a 40-character value that is not a
// placeholder is an AWS secret even in lower-case hex; without such a name
// the mixed-case rule stays, and a value assigned to another vendor's name
// or inside a longer token is left to other rules.
func TestAWSSecretUnderItsName(t *testing.T) {
	const hex40 = "e9cb320fc90698ff29b1569cd139ce6b3827f309"
	const mixed40 = "OJT6O2JgiwORFvOwGlILZ2qdcs7ux25di2AQZihq"
	for _, tc := range []struct {
		name, text string
		want       bool
	}{
		{"ini", "aws_secret_access_key = " + hex40, true},
		{"env", "AWS_SECRET_ACCESS_KEY=" + hex40, true},
		{"json", `{"SecretAccessKey": "` + hex40 + `"}`, true},
		{"escaped json", `"{\"SecretAccessKey\":\"` + hex40 + `\"}"`, true},
		{"xml", "<SecretAccessKey>" + hex40 + "</SecretAccessKey>", true},
		{"yaml", "secret_access_key: " + hex40, true},
		{"aws secret", "export AWS_SECRET='" + hex40 + "'", true},
		{"csv", "User name,Password,Access key ID,Secret access key,Console login link\nci,," + testKeyID + "," + hex40 + ",https://console.aws.amazon.com/", true},
		{"csv new form", "Access key ID,Secret access key\n" + testKeyID + "," + hex40, true},
		{"42 hex", "AWS_SECRET_ACCESS_KEY=ce11b6226d16c7ba6bf0a7aa9343b04f1df7ba5ed3", false},
		{"low entropy", "AWS_SECRET_ACCESS_KEY=" + strings.Repeat("ab12", 10), false},
		{"documented", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false},
		{"hex near id, no name", testKeyID + " at commit " + hex40, false},
		{"hex in csv password column", "User name,Password,Access key ID,Secret access key\nci," + hex40 + "," + testKeyID + ",x", false},
		{"other vendor's name near id", "cohere_api_key = " + mixed40 + "\naws_access_key_id = " + testKeyID, false},
		{"other vendor's name, index form", `os.environ["CO_API_KEY"] = '` + mixed40 + `'` + "\nid = " + testKeyID, false},
		{"query parameter near id", "?cf_api_token=" + mixed40 + "&aws_access_key_id=" + testKeyID, false},
		{"prefixed token body near id", testKeyID + " nfp_" + mixed40, false},
		{"dotted token body near id", testKeyID + " hvb." + mixed40 + ".x", false},
		{"generic name near id", "id: " + testKeyID + "\nsecret: " + mixed40, true},
		{"prose near id", "key " + testKeyID + " / secret " + mixed40, true},
		{"words", "AWS Secret Access Key: " + hex40, true},
		{"markdown table", "| Access key ID | " + testKeyID + " |\n| Secret access key | " + hex40 + " |", true},
	} {
		fs := defaultEngine.Scan(tc.text)
		got := slices.ContainsFunc(fs, func(f model.Finding) bool { return f.Type == "aws_secret_key" })
		if got != tc.want {
			t.Errorf("%s: findings %+v, want aws_secret_key=%v", tc.name, fs, tc.want)
		}
	}
}

func TestAWSNameHelpers(t *testing.T) {
	for _, tc := range []struct {
		text     string
		name     string
		phrase   string
		op       bool
		named    bool
		otherKey bool
	}{
		{"aws_secret_access_key = V", "aws_secret_access_key", "aws_secret_access_key", true, true, false},
		{`"SecretAccessKey": "V`, "SecretAccessKey", "SecretAccessKey", true, true, false},
		{"<SecretAccessKey>V", "SecretAccessKey", "SecretAccessKey", true, true, false},
		{`os.environ["CO_API_KEY"] = 'V`, "CO_API_KEY", "CO_API_KEY", true, false, true},
		{"netlifyAuthToken := \"V", "netlifyAuthToken", "netlifyAuthToken", true, false, true},
		{"X-Api-Key: V", "X-Api-Key", "X-Api-Key", true, false, false},
		{"prod_secret_key=V", "prod_secret_key", "prod_secret_key", true, false, false},
		{"--aws-secret-access-key V", "--aws-secret-access-key", "--aws-secret-access-key", false, true, false},
		{"and the AWS Secret Access Key: V", "Key", "AWS Secret Access Key", true, true, false},
		{"| Secret access key | V |", "key", "Secret access key", true, true, false},
		{"so my secret is V", "is", "so my secret is", false, false, true},
		{"(V", "", "", false, false, false},
	} {
		start := strings.IndexByte(tc.text, 'V')
		name, phrase, op := assignedName(tc.text, start)
		if name != tc.name || phrase != tc.phrase || op != tc.op {
			t.Errorf("%q: assignedName = %q, %q, %v; want %q, %q, %v", tc.text, name, phrase, op, tc.name, tc.phrase, tc.op)
		}
		if got := awsSecretNamed(phrase); got != tc.named {
			t.Errorf("%q: awsSecretNamed = %v", phrase, got)
		}
		if got := otherSecretName(name); got != tc.otherKey {
			t.Errorf("%q: otherSecretName = %v", name, got)
		}
	}
}

// TestBothReadingsAreReported: with a right-to-left override in the text,
// a card is a card in display order and a password is one in stored order;
// the engine reports both, each once.
func TestBothReadingsAreReported(t *testing.T) {
	text := "card \u202e7646 3430 8841 9354\u202c and password: \"hunter2\u202eZq9xW7!kP\" now."
	var got []string
	for _, f := range defaultEngine.Scan(text) {
		got = append(got, f.Type+":"+text[f.Start:f.End])
	}
	want := []string{"credit_card:7646 3430 8841 9354", "api_key:hunter2\u202eZq9xW7!kP"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
}

// TestJWTIOSampleBehindBearer: jwt.io's sample claims under any header
// layout and signature are the documented sample, also after "Bearer".
func TestJWTIOSampleBehindBearer(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	for _, hdr := range []string{`{"alg":"HS256","typ":"JWT"}`, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"} {
		unsigned := enc([]byte(hdr)) + "." + enc([]byte(`{"sub":"1234567890","name":"John Doe","iat":1516239022}`))
		for _, tok := range []string{unsigned, unsigned + ".c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5LTEyMzQ1Ng"} {
			if fs := defaultEngine.Scan("Authorization: Bearer " + tok); len(fs) != 0 {
				t.Errorf("%q: findings %+v, want the documented sample dropped", tok, fs)
			}
		}
	}
}
