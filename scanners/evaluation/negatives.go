package evaluation

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
)

func neg(name string, gen func(*rand.Rand) string, keys, says []string) *Format {
	return &Format{Name: name, Gen: gen, Keys: keys, Says: says, Place: negShape}
}

var sentences = []string{
	"the quarterly report is attached", "we moved the standup to Thursday", "deploy finished without errors",
	"please review the migration plan", "the cache warmed up after a restart", "customers in Berlin saw slower pages",
}

// negativeFormats are values that look like findings and are not: the
// precision half of the evaluation.
func negativeFormats() []*Format {
	return []*Format{
		neg("uuid", func(r *rand.Rand) string {
			return tmpl(r, "{h:8}-{h:4}-4{h:3}-") + string("89ab"[r.IntN(4)]) + tmpl(r, "{h:3}-{h:12}")
		},
			[]string{"request_id", "trace_id", "conversation_id", "tenant_id"}, []string{"request id %s failed", "see conversation %s"}),
		neg("git-sha", func(r *rand.Rand) string { return tmpl(r, "{h:40}") },
			[]string{"commit", "sha", "revision", "GIT_COMMIT"}, []string{"fixed in commit %s", "bisect points to %s"}),
		neg("git-short-sha", func(r *rand.Rand) string { return tmpl(r, "{h:7}") },
			[]string{"commit", "rev"}, []string{"reverted %s yesterday", "cherry-pick %s onto main"}),
		neg("md5", func(r *rand.Rand) string { h := md5.Sum(randBytes(r, 16)); return hex.EncodeToString(h[:]) },
			[]string{"md5", "etag", "checksum"}, []string{"md5 of the tarball is %s", "ETag %s changed"}),
		neg("sha1", func(r *rand.Rand) string { h := sha1.Sum(randBytes(r, 16)); return hex.EncodeToString(h[:]) },
			[]string{"sha1", "fingerprint_sha1", "checksum"}, []string{"sha1sum: %s", "file hash %s"}),
		neg("sha256", func(r *rand.Rand) string { h := sha256.Sum256(randBytes(r, 16)); return hex.EncodeToString(h[:]) },
			[]string{"sha256", "digest", "checksum"}, []string{"sha256: %s", "the release digest is %s"}),
		neg("docker-digest", func(r *rand.Rand) string {
			h := sha256.Sum256(randBytes(r, 16))
			return "sha256:" + hex.EncodeToString(h[:])
		},
			[]string{"image_digest", "digest"}, []string{"pinned the image to %s", "pulled %s"}),
		neg("sri-integrity", func(r *rand.Rand) string {
			return "sha512-" + base64.StdEncoding.EncodeToString(randBytes(r, 64))
		}, []string{"integrity"}, []string{"lockfile integrity %s"}),
		neg("base64-text", func(r *rand.Rand) string {
			return base64.StdEncoding.EncodeToString([]byte(pick(r, sentences) + " " + pick(r, sentences)))
		}, []string{"data", "payload", "content", "body"}, []string{"the payload decodes to text: %s", "message body was %s"}),
		neg("ups-tracking", func(r *rand.Rand) string { return "1Z" + tmpl(r, "{U:6}{d:10}") },
			[]string{"tracking_number", "ups_tracking"}, []string{"UPS tracking %s", "shipped via UPS, tracking number %s"}),
		neg("fedex-tracking", func(r *rand.Rand) string {
			if r.IntN(2) == 0 {
				return string("78"[r.IntN(2)]) + digits(r, 11)
			}
			for {
				n := "96" + digits(r, 13)
				if !luhnValid(n) {
					return n
				}
			}
		}, []string{"tracking_number", "fedex_tracking"}, []string{"FedEx tracking number %s", "tracking: %s (FedEx Ground)"}),
		neg("usps-tracking", func(r *rand.Rand) string { return "9400" + digits(r, 18) },
			[]string{"tracking_number"}, []string{"USPS tracking %s"}),
		neg("amazon-order", func(r *rand.Rand) string {
			return fmt.Sprintf("%03d-%s-%s", 100+r.IntN(900), digits(r, 7), digits(r, 7))
		},
			[]string{"order_id", "order_number"}, []string{"order %s arrived damaged", "Amazon order #%s"}),
		neg("order-number", func(r *rand.Rand) string { return tmpl(r, "ORD-20{d:2}-{d:6}") },
			[]string{"order_id"}, []string{"order %s is on hold"}),
		neg("iso-timestamp", func(r *rand.Rand) string {
			return fmt.Sprintf("20%02d-%02d-%02dT%02d:%02d:%02d.%03dZ", 18+r.IntN(9), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000))
		}, []string{"created_at", "timestamp", "updated"}, []string{"it started at %s", "last seen %s"}),
		neg("unix-epoch", func(r *rand.Rand) string { return fmt.Sprint(1_500_000_000 + r.IntN(300_000_000)) },
			[]string{"ts", "created", "exp"}, []string{"epoch %s", "timestamp %s in the log"}),
		neg("unix-epoch-ms", func(r *rand.Rand) string { return fmt.Sprint(1_500_000_000_000 + r.Int64N(300_000_000_000)) },
			[]string{"ts_ms", "time"}, []string{"event time %s ms"}),
		neg("date", func(r *rand.Rand) string {
			y, m, d := 2000+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28)
			return pick(r, []string{fmt.Sprintf("%d-%02d-%02d", y, m, d), fmt.Sprintf("%02d/%02d/%d", m, d, y), fmt.Sprintf("%02d.%02d.%d", d, m, y), fmt.Sprintf("%d%02d%02d", y, m, d)})
		}, []string{"date", "due", "dob_placeholder"}, []string{"due on %s", "invoice dated %s"}),
		neg("date-time", func(r *rand.Rand) string {
			return fmt.Sprintf("%d-%02d-%02d %02d:%02d:%02d", 2015+r.IntN(12), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
		}, []string{"started"}, []string{"job ran %s UTC"}),
		neg("semver", func(r *rand.Rand) string {
			v := fmt.Sprintf("%d.%d.%d", r.IntN(20), r.IntN(40), r.IntN(30))
			return pick(r, []string{v, "v" + v, v + "-beta." + fmt.Sprint(r.IntN(9)), v + "+build." + digits(r, 4)})
		}, []string{"version", "VERSION", "image_tag"}, []string{"upgrade to %s", "running version %s"}),
		neg("build-version", func(r *rand.Rand) string {
			return fmt.Sprintf("%d.0.%d.%d", 10+r.IntN(120), 1000+r.IntN(30000), r.IntN(300))
		}, []string{"build"}, []string{"Chrome %s crashes on load", "Windows build %s"}),
		neg("luhn-invalid-16", func(r *rand.Rand) string {
			for {
				n := string("3456"[r.IntN(4)]) + digits(r, 15)
				if !luhnValid(n) {
					return formatPAN(r, n)
				}
			}
		}, []string{"reference", "ref_no"}, []string{"reference %s", "booking ref %s"}),
		neg("isbn-13", func(r *rand.Rand) string {
			p := "978" + digits(r, 9)
			sum := 0
			for i, c := range p {
				w := 1
				if i%2 == 1 {
					w = 3
				}
				sum += w * int(c-'0')
			}
			full := p + fmt.Sprint((10-sum%10)%10)
			return pick(r, []string{"ISBN " + full, "ISBN " + full[:3] + "-" + full[3:4] + "-" + full[4:7] + "-" + full[7:12] + "-" + full[12:]})
		}, []string{"isbn"}, []string{"the book is %s", "cite %s"}),
		neg("ssn-never-issued", func(r *rand.Rand) string {
			switch r.IntN(5) {
			case 0:
				return fmt.Sprintf("000-%02d-%04d", 1+r.IntN(99), 1+r.IntN(9999))
			case 1:
				return fmt.Sprintf("666-%02d-%04d", 1+r.IntN(99), 1+r.IntN(9999))
			case 2:
				return fmt.Sprintf("%03d-00-%04d", 1+r.IntN(665), 1+r.IntN(9999))
			case 3:
				return fmt.Sprintf("%03d-%02d-0000", 1+r.IntN(665), 1+r.IntN(99))
			default: // 9xx with a group outside the ITIN ranges
				return fmt.Sprintf("9%02d-%02d-%04d", r.IntN(100), pick(r, []int{1, 12, 30, 45, 49, 66, 69, 89, 93}), 1+r.IntN(9999))
			}
		}, []string{"ssn_test", "sample_id"}, []string{"SSN %s is not a valid number", "test value SSN %s"}),
		neg("ssn-advertised", func(r *rand.Rand) string { return pick(r, []string{"078-05-1120", "219-09-9999"}) },
			[]string{"ssn"}, []string{"the famous wallet SSN %s", "sample SSN %s from the SSA pamphlet"}),
		neg("iban-bad-check", func(r *rand.Rand) string {
			c := pick(r, ibanCountries)
			bban := tmpl(r, c.bban)
			good := ibanCheck(c.cc, bban)
			bad := good
			for bad == good {
				bad = fmt.Sprintf("%02d", 2+r.IntN(97))
			}
			return c.cc + bad + bban
		}, []string{"iban"}, []string{"IBAN %s bounced: invalid check digits"}),
		neg("nino-invalid", func(r *rand.Rand) string {
			return pick(r, []string{"GB", "BG", "NK", "QQ", "DA", "FO"}) + digits(r, 6) + string("ABCD"[r.IntN(4)])
		}, []string{"ref"}, []string{"form reference %s"}),
		neg("phone-like-date", func(r *rand.Rand) string {
			return fmt.Sprintf("%d-%02d-%02d", 2000+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28))
		}, []string{"date"}, []string{"meeting on %s at noon"}),
		neg("mac-address", func(r *rand.Rand) string {
			return strings.ToLower(tmpl(r, "{H:2}:{H:2}:{H:2}:{H:2}:{H:2}:{H:2}"))
		}, []string{"mac", "hwaddr"}, []string{"the NIC's MAC is %s"}),
		neg("clock-time", func(r *rand.Rand) string { return fmt.Sprintf("%02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60)) },
			[]string{"time"}, []string{"at %s the alarm fired"}),
		neg("retina-asset", func(r *rand.Rand) string { return pick(r, []string{"logo", "icon", "hero", "avatar"}) + "@2x.png" },
			[]string{"asset"}, []string{"swap in %s for high-dpi screens"}),
		neg("price", func(r *rand.Rand) string {
			return fmt.Sprintf("$%d,%03d.%02d", 1+r.IntN(99), r.IntN(1000), r.IntN(100))
		},
			[]string{"amount"}, []string{"the invoice total is %s"}),
		neg("aws-non-credential-id", func(r *rand.Rand) string {
			return pick(r, []string{"AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA"}) + tmpl(r, "{2:16}")
		}, []string{"UserId", "RoleId", "GroupId", "PolicyId"}, []string{"the role id is %s", "IAM user id %s"}),
		wrongLength(),
		placeholders(),
	}
}

// wrongLength takes a fixed-length vendor format and adds or removes a few
// characters: the prefix is right, the length is not.
func wrongLength() *Format {
	fixed := []struct {
		prefix, class string
		n             int
	}{
		{"ghp_", "A", 36}, {"gho_", "A", 36}, {"glpat-", "w", 20}, {"xkeysib-", "h", 64}, {"shpat_", "h", 32},
		{"npm_", "A", 36}, {"dop_v1_", "h", 64}, {"hf_", "L", 34}, {"pplx-", "A", 48}, {"AKIA", "2", 16},
		{"SK", "h", 32}, {"rubygems_", "h", 48}, {"sk-ant-api03-", "w", 95}, {"lin_api_", "A", 40}, {"dapi", "h", 32},
		{"pul-", "h", 40}, {"AIza", "w", 35}, {"sntryu_", "h", 64}, {"NRAK-", "U", 27},
	}
	return neg("wrong-length-vendor", func(r *rand.Rand) string {
		f := pick(r, fixed)
		d := pick(r, []int{-4, -3, -2, 2, 3, 5})
		return f.prefix + tmpl(r, fmt.Sprintf("{%s:%d}", f.class, f.n+d))
	}, []string{"value", "sample"}, []string{"this string %s is truncated, ignore it", "the tutorial shows %s as the shape"})
}

// placeholders are values documentation and templates use instead of a
// real secret.
func placeholders() *Format {
	vals := []string{
		"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAI44QH8DHBEXAMPLE",
		"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
		"your-api-key-here", "YOUR_API_KEY", "<token>", "<your-token>", "${GITHUB_TOKEN}", "${{ secrets.NPM_TOKEN }}",
		"{{ .Values.apiKey }}", "$STRIPE_SECRET_KEY", "sk-...", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
		"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-your-bot-token", "changeme", "REDACTED", "********",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk-ant-api03-...", "os.environ[\"OPENAI_API_KEY\"]", "process.env.API_KEY",
		"<REPLACE_ME>", "TODO", "null", "dummy", "test123",
	}
	return neg("placeholder", func(r *rand.Rand) string { return pick(r, vals) },
		[]string{"api_key", "token", "AWS_SECRET_ACCESS_KEY", "aws_access_key_id", "password", "GITHUB_TOKEN", "client_secret"},
		[]string{"set the key to %s in your config", "replace %s with your own token"})
}
