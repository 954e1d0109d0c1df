package scanners

import (
	"strings"
	"testing"
)

// adversarialInputs are hostile texts built to make a scanner backtrack or
// rescan: every one must scan at a throughput comparable to prose. Compare
// the MB/s of the sub-benchmarks with BenchmarkScan in the same run.
var adversarialInputs = map[string]string{
	"pem-begin-no-end":       strings.Repeat("-----BEGIN PRIVATE KEY-----\nMIIB", 1<<15),
	"pem-many-begin-one-end": strings.Repeat("-----BEGIN PRIVATE KEY-----", 1<<15) + "-----END PRIVATE KEY-----",
	"at-signs":               strings.Repeat("a@", 1<<19),
	"url-userinfo":           "x://" + strings.Repeat("u:p@", 1<<18),
	"jwt-long-payload":       strings.Repeat("eyJhbGciOiJIUzI1NiJ9."+strings.Repeat("A", 4000)+" ", 1<<8),
	"jwt-nested":             strings.Repeat("eyJhbGciOiJIUzI1NiJ9.-", 1<<15),
	"assignments":            strings.Repeat("api_key=", 1<<17),
	"assign-long-value":      strings.Repeat("token: \""+strings.Repeat("Ab1", 100), 1<<12),
	"digits":                 strings.Repeat("1 2 3 4 5 6 7 8 9 0 ", 1<<15),
	"digit-groups":           strings.Repeat("4111-1111-", 1<<17),
	"dots":                   strings.Repeat("1.", 1<<19),
	"aws-ids":                strings.Repeat("AKIAUHJ4AOXKNP3M4L5V ", 1<<15),
	"base64-pem":             strings.Repeat("LS0tLS1CRUdJTi", 1<<16),
	"bearer":                 strings.Repeat("Bearer ", 1<<17),
	"vendor-prefixes":        strings.Repeat("sk-ant-api03-", 1<<16),
	"plus-paren":             strings.Repeat("+(", 1<<19),
	"aws-words":              strings.Repeat("aws AWS_SECRET secret access key ", 1<<15),
	"aws-near-base64":        strings.Repeat("aws "+strings.Repeat("Ab1+", 10)+" ", 1<<14),
	"pem-truncated-lines":    strings.Repeat("-----BEGIN RSA PRIVATE KEY-----\n"+strings.Repeat("Ab1/", 16)+"\n", 1<<13),
	"pem-concat-glue":        "-----BEGIN PRIVATE KEY-----" + strings.Repeat("\" +\n \"", 1<<17),
	"putty-lines":            strings.Repeat("PuTTY-User-Key-File-3: Private-Lines: 999\n", 1<<14),
	"jwt-segments":           strings.Repeat("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.", 1<<14),
	"hidden-zwsp":            strings.Repeat("AKIA\u200bUHJ4 ", 1<<16),
	"hidden-rlo":             strings.Repeat("\u202eabc def ", 1<<16),
	"hidden-entities":        strings.Repeat("&#65;", 1<<17),
}

func BenchmarkAdversarial(b *testing.B) {
	for _, inputs := range []map[string]string{adversarialInputs, adversarialPII} {
		for name, text := range inputs {
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					defaultEngine.Scan(text)
				}
			})
		}
	}
}
