package scanners

import "github.com/ccsync/ccsync/model"

// AWS access key ids are a four-letter kind (AKIA long-term, ASIA temporary,
// ABIA/ACCA service credentials) followed by 16 base32 characters. Other
// four-letter AWS prefixes (AIDA users, AROA roles, …) are identifiers, not
// credentials.
var awsKeyKinds = [...]string{"AKIA", "ASIA", "ABIA", "ACCA"}

// awsSecretWindow is how far around a key id a secret access key is looked
// for; key pairs are pasted together (CSV rows, credentials files, env blocks).
const awsSecretWindow = 320

func scanAWSKeyID(c *collector, i int) int {
	text := c.text
	if len(text)-i < 20 {
		return i
	}
	kind := text[i : i+4]
	ok := false
	for _, k := range awsKeyKinds {
		if kind == k {
			ok = true
			break
		}
	}
	if !ok {
		return i
	}
	end := i + 20
	for j := i + 4; j < end; j++ {
		if !setBase32[text[j]] {
			return i
		}
	}
	if end < len(text) && setAlnum[text[end]] {
		return i
	}
	why := placeholder(text[i+4 : end])
	c.add("aws_access_key", model.SeverityCritical, "aws-access-key-id", i, end, prioSpecific, preview{prefix: 4}, why)
	if why == "" {
		scanAWSSecretNear(c, i, end)
	}
	return end
}

// scanAWSSecretNear reports a 40-character secret access key near a key id.
// Standing alone, 40 base64 characters are too common (hashes, blobs) to
// report; next to a key id they are almost always its secret.
func scanAWSSecretNear(c *collector, idStart, idEnd int) {
	text := c.text
	lo, hi := idStart-awsSecretWindow, idEnd+awsSecretWindow
	if lo < c.awsSearched {
		// Already searched for an earlier id: go back only far enough to
		// re-find a candidate that straddles the boundary.
		lo = c.awsSearched - 40
	}
	if lo < 0 {
		lo = 0
	}
	if hi > len(text) {
		hi = len(text)
	}
	c.awsSearched = hi
	for j := lo; j < hi; {
		if !setBase64[text[j]] || (j > 0 && setBase64[text[j-1]]) {
			j++
			continue
		}
		end := span(text, j, &setBase64, 41)
		if end-j == 40 && (end == len(text) || !setBase64[text[end]]) {
			reportAWSSecret(c, j, end, "aws-secret-key-near-id", prioContext)
		}
		j = end + 1
	}
}

// reportAWSSecret validates a 40-character candidate: random key material has
// mixed case and digits and high entropy, unlike a hex digest or a path.
func reportAWSSecret(c *collector, start, end int, rule string, prio int8) bool {
	v := c.text[start:end]
	if len(v) != 40 {
		return false
	}
	var lowerN, upperN, digitN int
	for k := 0; k < len(v); k++ {
		switch ch := v[k]; {
		case ch >= 'a' && ch <= 'z':
			lowerN++
		case ch >= 'A' && ch <= 'Z':
			upperN++
		case isDigit(ch):
			digitN++
		}
	}
	if lowerN == 0 || upperN == 0 || digitN+len(v)-lowerN-upperN == 0 {
		return false
	}
	why := placeholderRandom(v)
	if why == "" && entropy(v) < 4.0 {
		why = "invalid:aws-secret-entropy"
	}
	c.add("aws_secret_key", model.SeverityCritical, rule, start, end, prio, preview{}, why)
	return true
}
