package scanners

import (
	"strings"
	"sync"
	"testing"
)

// digitValues turns "4111…" into the digit values the card checks take.
func digitValues(s string) []byte {
	d := make([]byte, len(s))
	for i := range s {
		d[i] = s[i] - '0'
	}
	return d
}

func TestLuhnAndIssuer(t *testing.T) {
	for _, tc := range []struct {
		num          string
		luhn, issuer bool
	}{
		{"4918924959101225", true, true},   // Visa 16
		{"4697670131977", true, true},      // Visa 13
		{"345753435741200", true, true},    // Amex 15
		{"3457534357412001", false, false}, // Amex must be 15
		{"2221066074334590", true, true},   // Mastercard 2-series
		{"6299010851712337605", true, true},
		{"4532015112830367", false, true}, // Luhn off by one
		{"1234567812345670", true, false}, // no network starts with 1
		{"9111111111111111", false, false},
	} {
		d := digitValues(tc.num)
		if got := luhn(d); got != tc.luhn {
			t.Errorf("luhn(%s) = %v", tc.num, got)
		}
		if got := cardIssuer(d); got != tc.issuer {
			t.Errorf("cardIssuer(%s) = %v", tc.num, got)
		}
	}
}

func TestGitHubChecksum(t *testing.T) {
	body := "dl2INvNSQTZ5zQu9MxNmGyAVmNkB33"
	tok := "ghp_" + body + githubChecksum(body)
	if why := checkGitHub(tok, tok[4:]); why != "" {
		t.Errorf("valid token rejected: %s", why)
	}
	for _, bad := range []string{
		"ghp_" + body + "000000",
		"ghp_" + strings.ToUpper(body[:1]) + body[1:] + githubChecksum(body), // one character changed
	} {
		if bad == tok {
			continue
		}
		if why := checkGitHub(bad, bad[4:]); why != "invalid:github-checksum" {
			t.Errorf("%s: got %q", bad, why)
		}
	}
}

// TestSuppressedBy checks that each placeholder and failed validation is
// reported by ScanVerbose with the rule that suppressed it.
func TestSuppressedBy(t *testing.T) {
	for _, tc := range []struct{ text, typ, by string }{
		{"AKIAIOSFODNN7EXAMPLE", "aws_access_key", "placeholder:word:example"},
		{"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_key", "placeholder:word:example"},
		{"sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "api_key", "placeholder:word:xxxx"},
		{"ghp_abcdefghijklmnopqrstuvwxyzABCD012345", "api_key", "placeholder:sequential"},
		{"Authorization: Bearer YOUR_ACCESS_TOKEN_1234567", "api_key", "placeholder:word:your"},
		{"password: ********", "", ""},
		{"db password = changeme2024", "api_key", "placeholder:word:changeme"},
		{"SSN 078-05-1120", "ssn", "placeholder:sample-ssn"},
		{"call 212-555-0147", "phone", "placeholder:fictional-phone"},
		{"host 192.0.2.44", "ip_address", "placeholder:documentation-ip"},
		{"localhost 127.0.0.1", "ip_address", "placeholder:reserved-ip"},
		{"version 1.2.3.4", "ip_address", "invalid:version-number"},
		{"postgres://user:password@db:5432/app", "password_in_url", "placeholder:word:password"},
		{"mail your.name@acme-corp.com", "email", "placeholder:word:your"},
		{"eyJmb28iOiJiYXIifQ.eyJuYW1lIjoieCJ9.kQvmjo3eX5MSls4XZWX_OsTLxoQ2Jg", "jwt", "invalid:jwt-header"},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----", "private_key", "placeholder:pem-elided"},
		{"-----BEGIN PRIVATE KEY-----\nnot base64 !\n-----END PRIVATE KEY-----", "private_key", "invalid:pem-body"},
	} {
		fs, sup := defaultEngine.ScanVerbose(tc.text)
		if len(fs) != 0 {
			t.Errorf("%q: unexpected findings %+v", tc.text, fs)
		}
		if tc.by == "" {
			continue
		}
		found := false
		for _, s := range sup {
			if s.Type == tc.typ && s.By == tc.by {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: suppressed %+v, want %s by %s", tc.text, sup, tc.typ, tc.by)
		}
	}
}

func TestPreviews(t *testing.T) {
	for _, tc := range []struct{ text, preview string }{
		{"AKIAUHJ4AOXKNP3M4L5V", "AKIA••••••••••••4L5V"},
		{"mail jane@acme.com", "j•••@acme.com"},
		{"card 4918 9249 5910 1225", "•••• •••• •••• 1225"},
		{"SSN 536-22-8791", "•••-••-8791"},
		{"ip 10.24.3.17", "10.24.3.•"},
		{"glpat-pg7cPr2Min4hyb4VsXJB", "glpat-" + strings.Repeat("•", 16) + "sXJB"},
		{"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIL+H2oWAnPHL1/Jefg/HcNLx8n2TcWJsbWg7De9bOK8UoAoGCCqGSM49\nAwEHoUQDQgAEtMpmOIgiAQs/SnIqph8BmemuSIMArlyoEjwxQnPLuzXLjhvLE0DU\n-----END EC PRIVATE KEY-----",
			"-----BEGIN EC PRIVATE KEY-----" + strings.Repeat("•", 16)},
	} {
		fs := Default().Scan(tc.text)
		if len(fs) != 1 || fs[0].Preview != tc.preview {
			t.Errorf("%q: findings %+v, want preview %q", tc.text, fs, tc.preview)
		}
	}
}

// TestOverlapResolution: one secret is reported once, by the most specific
// detector.
func TestOverlapResolution(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.kgIKLWmQY_BylkZAjGB75mePxM2GdTp7hdnfuZEcJpl"
	for _, tc := range []struct{ text, rule string }{
		{"api_key = \"glpat-pg7cPr2Min4hyb4VsXJB\"", "gitlab-pat"},
		{"Authorization: Bearer " + jwt, "jwt"},
		{"token: " + jwt, "jwt"},
		{"aws_secret_access_key = jon4304lwhtBAse+KMY4VkX2SYnLTACfOsA69/uV near AKIAUHJ4AOXKNP3M4L5V", "aws-secret-access-key"},
	} {
		fs := Default().Scan(tc.text)
		if len(fs) == 0 || fs[0].Rule != tc.rule {
			t.Errorf("%q: got %+v, want first rule %s", tc.text, fs, tc.rule)
		}
	}
}

// TestConcurrentScan shares one engine between goroutines; run with -race.
func TestConcurrentScan(t *testing.T) {
	cases := loadCorpus(t)
	want := make([]int, len(cases))
	for k, c := range cases {
		want[k] = len(Default().Scan(c.Text))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k, c := range cases {
				if n := len(Default().Scan(c.Text)); n != want[k] {
					t.Errorf("case %d: %d findings, want %d", k, n, want[k])
				}
			}
		}()
	}
	wg.Wait()
}

func TestVendorEdges(t *testing.T) {
	google := "AIza" + "HV2bx0nUNnUUl1f4KS-bMOe4xUjyLKsQom-" // fixed length, ends in '-'
	glpat := "glpat-pg7cPr2Min4hyb4VsXJB"
	for _, tc := range []struct{ text, want string }{
		{"key " + google + " ok", google},
		{"see " + glpat + ".", glpat},
		{"(" + glpat + ")", glpat},
		{"x" + glpat, ""},    // glued to a word
		{glpat + "ÿ", glpat}, // non-ASCII after
		{google + "A", ""},   // too long for the fixed format
	} {
		fs := Default().Scan(tc.text)
		got := ""
		if len(fs) == 1 {
			got = tc.text[fs[0].Start:fs[0].End]
		}
		if got != tc.want || len(fs) > 1 {
			t.Errorf("%q: got %+v, want %q", tc.text, fs, tc.want)
		}
	}
}
