package scanners

import (
	"strings"

	"github.com/ccsync/ccsync/model"
)

// AWS access key ids are a four-letter kind followed by 16 base32 characters
// (AWS IAM "unique identifiers" reference): AKIA long-term keys, ASIA
// temporary STS keys, ABIA STS service bearer tokens, ACCA context-specific
// credentials, and the older A3T… form that scanners still see in old
// repositories. The other documented prefixes (AIDA users, AROA roles, AGPA
// groups, AIPA instance profiles, ANPA/ANVA policies, APKA public keys, ASCA
// certificates) name principals and resources; they are not credentials and
// appear in every IAM policy and CloudTrail log, so they are not findings.
//
// AWS encodes the 16 characters in base32 (A-Z, 2-7), but ids in test
// suites, tutorials and hand-edited pastes often carry 0, 1, 8 or 9, and
// trufflehog and detect-secrets accept them; after a credential prefix, at
// exactly 20 upper-case characters between word boundaries, such a string is
// meant as a key id either way, so the body may be any upper-case
// alphanumeric (setUpperAlnum). Swap in makeSet("A-Z", "2-7") to require the real
// alphabet.
var awsKeyKinds = [...]string{"AKIA", "ASIA", "ABIA", "ACCA"}

// awsSecretWindow is how far around a key id a secret access key is looked
// for; key pairs are pasted together (CSV rows, credentials files, env blocks).
const awsSecretWindow = 320

// awsContextWindow is how far after the word "aws" or "SecretAccessKey" a
// secret is looked for: `AWS secret: …`, `<SecretAccessKey>…`, `AWS_SECRET=…`.
const awsContextWindow = 120

func awsKeyKind(text string) bool {
	if text[:3] == "A3T" {
		return setUpperAlnum[text[3]]
	}
	for _, k := range awsKeyKinds {
		if text[:4] == k {
			return true
		}
	}
	return false
}

func scanAWSKeyID(c *collector, i int) int {
	text := c.text
	if len(text)-i < 20 || !awsKeyKind(text[i:]) {
		return i
	}
	end := i + 20
	for j := i + 4; j < end; j++ {
		if !setUpperAlnum[text[j]] {
			return i
		}
	}
	if end < len(text) && setAlnum[text[end]] {
		return i
	}
	why := placeholder(text[i+4 : end])
	if why == "" && periodic(text[i+4:end]) {
		why = "placeholder:repeated-pattern"
	}
	if why == "" && entropy(text[i:end]) < 3.0 {
		why = "invalid:aws-key-entropy"
	}
	c.add("aws_access_key", model.SeverityCritical, "aws-access-key-id", i, end, prioSpecific, preview{prefix: 4}, why)
	if why == "" {
		scanAWSSecretNear(c, i-awsSecretWindow, end+awsSecretWindow, "aws-secret-key-near-id")
	}
	return end
}

// periodic reports a value made of one shorter unit repeated
// ("DEADBEEFDEADBEEF", "AB12AB12AB12AB12"): hand-typed filler, not base32
// key material.
func periodic(v string) bool {
	for p := 2; p <= len(v)/2; p++ {
		if len(v)%p == 0 && v[p:] == v[:len(v)-p] {
			return true
		}
	}
	return false
}

// scanAWSContext runs at a word starting with "AWS" or "sec", and looks a
// short way ahead for a secret key when the word names one: "AWS …",
// "SecretAccessKey", "secret access key", or "secret" right after "aws" in
// any case ("aws secret", "aws_secret_key"). Prose and markup put the secret
// after its name without an assignment the keyword rule sees. Lower-case
// "aws" alone is not a trigger: words starting with 'a' are too common to
// dispatch. It returns i: the word itself is never a finding.
func scanAWSContext(c *collector, i int) int {
	text := c.text[i:]
	switch {
	case hasPrefixFold(text, "aws"):
		if len(text) > 3 && text[3] >= 'a' && text[3] <= 'z' {
			return i // another word ("AWStats"); camelCase AWSSecret goes on
		}
	case secretAccessKeyWord(text):
	case hasPrefixFold(text, "secret") && awsBefore(c.text, i):
	default:
		return i
	}
	scanAWSSecretNear(c, i, i+awsContextWindow, "aws-secret-key-context")
	return i
}

// awsBefore reports the word "aws" (any case) in the awsLookBack bytes
// before i: `provider "aws" { secret_key = … }`, "my aws secret is …". The
// loop only compares bytes until it meets a 'w', which keeps it cheap at
// every "secret" in prose.
func awsBefore(text string, i int) bool {
	for k := i - 2; k >= 1 && k > i-awsLookBack; k-- {
		if text[k]|0x20 != 'w' || text[k-1]|0x20 != 'a' || k+1 >= len(text) || text[k+1]|0x20 != 's' {
			continue
		}
		if (k < 2 || !setAlnum[text[k-2]]) && (k+2 >= len(text) || !setAlnum[text[k+2]] || text[k+2] >= 'A' && text[k+2] <= 'Z') {
			return true
		}
	}
	return false
}

// awsLookBack covers a Terraform provider block's opening line and a
// sentence's subject.
const awsLookBack = 64

// secretAccessKeyWord reports a word that names the secret access key in any
// casing: SecretAccessKey, secret_access_key, SECRET-ACCESS-KEY, and the
// "Secret access key" column of the IAM console's CSV download.
func secretAccessKeyWord(text string) bool {
	const want = "secretaccesskey"
	n := 0
	for k := 0; k < len(text) && k < 24 && n < len(want); k++ {
		ch := text[k]
		if ch == '_' || ch == '-' || ch == ' ' {
			continue
		}
		if lower(ch) != want[n] {
			return false
		}
		n++
	}
	return n == len(want)
}

// scanAWSSecretNear reports 40-character secret access keys in [lo, hi).
// Standing alone, 40 base64 characters are too common (hashes, blobs) to
// report; next to a key id or the name of the secret they are almost always
// a secret key. c.awsSearched keeps overlapping windows linear.
func scanAWSSecretNear(c *collector, lo, hi int, rule string) {
	text := c.text
	if lo < c.awsSearched {
		// Already searched: go back only far enough to re-find a candidate
		// that straddles the boundary.
		lo = c.awsSearched - 41
	}
	if lo < 0 {
		lo = 0
	}
	if hi > len(text) {
		hi = len(text)
	}
	if hi <= c.awsSearched {
		return
	}
	c.awsSearched = hi
	for j := lo; j < hi; {
		if !setBase64[text[j]] || escapeLetterAt(text, j) || (j > 0 && setBase64[text[j-1]] && !escapeLetterAt(text, j-1)) {
			j++
			continue
		}
		end := span(text, j, &setBase64, 41)
		if end-j == 40 && (end == len(text) || !setBase64[text[end]]) {
			reportAWSSecret(c, j, end, rule, prioContext)
		}
		j = end + 1
	}
}

// escapeLetterAt reports whether text[k] is the letter of a `\n`, `\r` or
// `\t` escape, after which a value starts in flattened JSON and logs.
func escapeLetterAt(text string, k int) bool {
	return k > 0 && text[k-1] == '\\' && (text[k] == 'n' || text[k] == 'r' || text[k] == 't')
}

// reportAWSSecret validates a 40-character candidate: random key material has
// mixed case and digits and high entropy, unlike a hex digest, a path or
// base64 of text. When the value is assigned to a name that says it is an
// AWS secret access key (see awsSecretNamed), the name is the evidence: any
// 40 base64 characters that are not a placeholder are reported, hex too,
// because the auditor must see what was assigned to an AWS secret. A value
// assigned to another vendor's name (cohere_api_key, cf_api_token) is left to
// the rules for that name. It returns false when the value is plainly not a
// key (so that the caller may try another rule) and true when it was
// recorded, reported or suppressed.
func reportAWSSecret(c *collector, start, end int, rule string, prio int8) bool {
	text := c.text
	v := text[start:end]
	if len(v) != 40 || vendorFormat(v) || insideToken(text, start, end) {
		// A vendor's own 40-character format (Yandex's S3-compatible
		// secrets start with "YC") is reported by its vendor rule, and so
		// are the 40-character bodies of longer tokens (nfp_…, hvb.…).
		return false
	}
	name, phrase, op := assignedName(text, start)
	named := awsSecretNamed(phrase) || csvSecretColumn(text, start)
	if !named && op && otherSecretName(name) {
		return false
	}
	var lowerN, upperN, digitN, hexN int
	for k := 0; k < len(v); k++ {
		if setHex[v[k]] {
			hexN++
		}
		switch ch := v[k]; {
		case ch >= 'a' && ch <= 'z':
			lowerN++
		case ch >= 'A' && ch <= 'Z':
			upperN++
		case isDigit(ch):
			digitN++
		case ch != '+' && ch != '/':
			return false
		}
	}
	if named {
		why := placeholderRandom(v)
		switch {
		case why != "":
		case pathLike(v):
			why = "invalid:aws-secret-path"
		case encodedText(v):
			why = "invalid:encoded-text"
		}
		c.add("aws_secret_key", model.SeverityCritical, rule, start, end, prio, preview{}, why)
		return true
	}
	if hexN == len(v) {
		// A SHA-1 digest or commit id, in any case: recorded so that the
		// keyword rule does not report it as some other secret.
		c.add("aws_secret_key", model.SeverityCritical, rule, start, end, prio, preview{}, "invalid:aws-secret-hex")
		return true
	}
	if lowerN == 0 || upperN == 0 || digitN+len(v)-lowerN-upperN == 0 {
		return false
	}
	why := placeholderRandom(v)
	switch {
	case why != "":
	case pathLike(v):
		why = "invalid:aws-secret-path"
	case encodedText(v):
		why = "invalid:encoded-text"
	case entropy(v) < 4.0:
		why = "invalid:aws-secret-entropy"
	}
	c.add("aws_secret_key", model.SeverityCritical, rule, start, end, prio, preview{}, why)
	return true
}

// insideToken reports a candidate joined to more token characters by '_',
// '-' or '.': the body of a longer credential (`nfp_` + 40, `hvb.` + …) whose
// own rule reports it, or a fragment of a base64url string.
func insideToken(text string, start, end int) bool {
	joiner := func(ch byte) bool { return ch == '_' || ch == '-' || ch == '.' }
	if start >= 2 && joiner(text[start-1]) && setAlnum[text[start-2]] {
		return true
	}
	return end+1 < len(text) && joiner(text[end]) && setAlnum[text[end+1]]
}

// assignedName returns the name a value at start is assigned to: the
// identifier before `=`, `:`, `:=`, `=>`, the '>' of an XML start tag, the
// ']' of an index (`os.environ["X"] = `) or a space (`--flag value`), past
// quotes and JSON escapes. It returns "" when no such name precedes; op
// says an operator, not only a space, joins them (in prose the word before a
// value is not its name). phrase extends name by up to three words before
// it, for names written as words: "AWS Secret Access Key: …", a markdown
// table's "| Secret access key | … |".
func assignedName(text string, start int) (name, phrase string, op bool) {
	k, sep := start, false
	for n := 0; k > 0 && n < 10; n++ {
		switch text[k-1] {
		case '"', '\'', '`', '\\', '[':
		case ' ', '\t':
			sep = true
		case '=', ':', '>', ']', '|':
			sep, op = true, true
		default:
			n = 10
			continue
		}
		k--
	}
	if !sep {
		return "", "", false
	}
	end := k
	for k > 0 && end-k < 64 && setIdent[text[k-1]] {
		k--
	}
	name = text[k:end]
	for words := 1; words < 4 && k >= 2 && text[k-1] == ' ' && setAlnum[text[k-2]] && end-k < 64; words++ {
		k-- // the space
		for k > 0 && end-k < 64 && setIdent[text[k-1]] {
			k--
		}
	}
	return name, text[k:end], op
}

// awsSecretNamed reports a name that says it holds an AWS secret access key:
// aws_secret_access_key, AWS_SECRET_ACCESS_KEY, SecretAccessKey,
// secret-access-key, AWS_SECRET_KEY, awsSecret.
func awsSecretNamed(name string) bool {
	if len(name) < len("secretaccesskey") && !containsFold(name, "aws") {
		return false
	}
	var buf [64]byte
	norm := squashName(buf[:0], name)
	return strings.Contains(norm, "secretaccesskey") || strings.Contains(norm, "aws") && strings.Contains(norm, "secret")
}

// squashName lower-cases name and drops its separators: "AWS_Secret-Key" →
// "awssecretkey".
func squashName(dst []byte, name string) string {
	for k := 0; k < len(name) && len(dst) < cap(dst); k++ {
		if setAlnum[name[k]] {
			dst = append(dst, lower(name[k]))
		}
	}
	return string(dst)
}

// genericNameWords make up names that say "a secret" without saying whose:
// secret, secret_key, access_key_secret, X-Api-Key, prod_password.
var genericNameWords = [...]string{
	"credentials", "credential", "production", "password", "private", "default", "current",
	"secrets", "secret", "access", "passwd", "staging", "token", "value", "creds", "cred",
	"stage", "keys", "prod", "priv", "auth", "pass", "test", "user", "key", "api", "pwd",
	"dev", "iam", "env", "new", "old", "the", "my", "x",
}

// otherSecretName reports a name that names someone else's secret
// (cohere_api_key, CF_API_TOKEN, netlifyAuthToken, client_secret): with the
// generic words removed, something other than "aws" remains. A 40-character
// value assigned to it is that vendor's, even next to an AWS key id.
func otherSecretName(name string) bool {
	if name == "" || containsFold(name, "aws") || containsFold(name, "amazon") {
		return false
	}
	var buf [64]byte
	rest := squashName(buf[:0], name)
	for _, w := range genericNameWords {
		rest = strings.ReplaceAll(rest, w, "")
	}
	return len(rest) >= 2
}

// awsCSVLines is how many lines above a row its CSV header may be: the IAM
// console's download has one row, hand-made files a few.
const awsCSVLines = 8

// csvSecretColumn reports a value in the "Secret access key" column of a
// CSV (the IAM console's credentials download: `User name,Password,Access key
// ID,Secret access key,Console login link`, or `Access key ID,Secret access
// key`).
func csvSecretColumn(text string, start int) bool {
	ls := strings.LastIndexByte(text[max(0, start-512):start], '\n')
	if ls < 0 {
		return false
	}
	ls += max(0, start-512) + 1
	col := strings.Count(text[ls:start], ",")
	end := ls - 1
	for n := 0; n < awsCSVLines && end > 0 && ls-end < 4096; n++ {
		hs := strings.LastIndexByte(text[max(0, end-512):end], '\n') + max(0, end-512) + 1
		if csvCellIsSecretAccessKey(text[hs:end], col) {
			return true
		}
		end = hs - 1
	}
	return false
}

func csvCellIsSecretAccessKey(line string, col int) bool {
	for ; col > 0; col-- {
		k := strings.IndexByte(line, ',')
		if k < 0 {
			return false
		}
		line = line[k+1:]
	}
	if k := strings.IndexByte(line, ','); k >= 0 {
		line = line[:k]
	}
	line = strings.Trim(line, " \t\r\"")
	return len(line) <= len("Secret access key")+2 && secretAccessKeyWord(line)
}

// pathLike reports a slash-separated run of words (`src/main/java/Config`),
// which a 40-character random key almost never is: it needs two slashes and
// every segment spelled like a word or a version.
func pathLike(v string) bool {
	slashes := 0
	segStart := 0
	for k := 0; k <= len(v); k++ {
		if k < len(v) && v[k] != '/' {
			continue
		}
		if k < len(v) {
			slashes++
		}
		if !wordSegment(v[segStart:k]) {
			return false
		}
		segStart = k + 1
	}
	return slashes >= 2
}

// wordSegment: empty, or letters with at most a leading capital, optionally
// followed by digits (v1, Config2).
func wordSegment(s string) bool {
	k := 0
	if k < len(s) && s[k] >= 'A' && s[k] <= 'Z' {
		k++
	}
	for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
		k++
	}
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	return k == len(s)
}

// awsSecretIdent reports an assignment target that names an AWS secret key,
// in the shapes of credentials files, env vars, SDK arguments and the
// STS/IAM JSON: aws_secret_access_key, AWS_SECRET_KEY, SecretAccessKey,
// secretAccessKey, aws_key, awsToken, AWS_PASSWORD. The keyword rule calls
// it before its generic checks.
func awsSecretIdent(ident string) bool {
	if containsFold(ident, "secret") && (containsFold(ident, "aws") || containsFold(ident, "access")) {
		return true
	}
	if !containsFold(ident, "aws") {
		return false
	}
	for _, w := range [...]string{"key", "token", "pass", "pwd"} {
		if containsFold(ident, w) {
			return !containsFold(ident, "session") && !containsFold(ident, "keyid") && !containsFold(ident, "key_id")
		}
	}
	return false
}
