package scanners

import (
	"hash/fnv"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// genShape builds a random value of a shape, each run at its longest
// unless short is set.
func genShape(r *rand.Rand, segs []seg, short bool) string {
	var b strings.Builder
	for _, s := range segs {
		if s.set == nil {
			b.WriteString(s.lit)
			continue
		}
		n := s.max
		if short || n > 200 {
			n = s.min
		}
		b.WriteString(randomRun(r, s.set, n))
	}
	return b.String()
}

func randomRun(r *rand.Rand, set *charset, n int) string {
	var members []byte
	for c := 0; c < 256; c++ {
		// '=' and '%' are allowed in some alphabets but appear as padding
		// or escapes, not as random material.
		if set[c] && c != '=' && c != '%' || set == &setPad && c == '=' {
			members = append(members, byte(c))
		}
	}
	out := make([]byte, n)
	for k := range out {
		out[k] = members[r.Intn(len(members))]
	}
	return string(out)
}

func ruleRand(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewSource(int64(h.Sum64())))
}

// contextIdent is an identifier for rule r in the style of real configs.
func contextIdent(r *contextRule) string {
	name := r.keywords[0]
	switch {
	case name == "contribsys":
		return "BUNDLE_ENTERPRISE__CONTRIBSYS__COM"
	case name == "administratorloginpassword":
		return "administrator_login_password"
	case r.isID:
		return name + "_client_id"
	case len(r.identHas) > 0:
		return name + "_" + r.identHas[0]
	}
	return name + "_token"
}

func rulesAt(text string, fs []Finding, rule string) []string {
	var got []string
	for _, f := range fs {
		if f.Rule == rule {
			got = append(got, text[f.Start:f.End])
		}
	}
	return got
}

// TestContextRules generates, for every rule, one valid value next to its
// vendor keyword (must be found with the rule's name and exact span) and
// three hard negatives: one byte too long, the right shape under an
// unrelated name, and a placeholder of the right shape.
func TestContextRules(t *testing.T) {
	eng := Default()
	for _, r := range contextRules {
		t.Run(r.rule, func(t *testing.T) {
			rnd := ruleRand(r.rule)
			segs := r.shapes[0]
			v := genShape(rnd, segs, false)
			ident := contextIdent(r)
			pos := ident + ` = "` + v + `"`
			fs := eng.Scan(pos)
			if got := rulesAt(pos, fs, r.rule); !slices.Equal(got, []string{v}) {
				t.Errorf("positive %q: got %v, all %+v", pos, got, fs)
			}
			last := segs[len(segs)-1]
			long := v + randomRun(rnd, last.set, 1)
			if last.set == nil {
				long = v + "0"
			}
			neg := ident + ` = "` + long + `"`
			if got := rulesAt(neg, eng.Scan(neg), r.rule); len(got) > 0 {
				t.Errorf("too long %q: reported %v", neg, got)
			}
			// A format with a distinctive prefix is also a vendor rule of the
			// same name, which needs no keyword.
			other := `build_token = "` + v + `"`
			if got := rulesAt(other, eng.Scan(other), r.rule); len(got) > 0 && !vendorFormat(v) {
				t.Errorf("no vendor keyword %q: reported %v", other, got)
			}
			if ph := placeholderOf(segs); ph != "" {
				pt := ident + ": " + ph
				if got := rulesAt(pt, eng.Scan(pt), r.rule); len(got) > 0 {
					t.Errorf("placeholder %q: reported %v", pt, got)
				}
			}
		})
	}
}

// placeholderOf fills every run of a shape with one repeated byte.
func placeholderOf(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		if s.set == nil {
			b.WriteString(s.lit)
			continue
		}
		c := byte('0')
		if !s.set['0'] {
			c = '='
		}
		b.WriteString(strings.Repeat(string(c), s.min))
	}
	return b.String()
}

// TestContextShapes covers the identifier and value forms of one rule.
func TestContextShapes(t *testing.T) {
	const uuid = "4c7e2a91-0f3b-4d68-b5a2-9e1d7c3f8a06"
	cases := []struct {
		text, want, rule string
	}{
		{`HEROKU_API_KEY=` + uuid, uuid, "heroku-api-key"},
		{`export HEROKU_API_KEY="` + uuid + `"`, uuid, "heroku-api-key"},
		{`{"herokuKey": "` + uuid + `"}`, uuid, "heroku-api-key"},
		{`{\"heroku_token\": \"` + uuid + `\"}`, uuid, "heroku-api-key"},
		{"heroku:\n  api_key: " + uuid + "\n", uuid, "heroku-api-key"},
		{"{\n  \"heroku\": {\n    \"apiKey\": \"" + uuid + "\"\n  }\n}", uuid, "heroku-api-key"},
		{`herokuToken := "` + uuid + `"`, uuid, "heroku-api-key"},
		{`var herokuToken string = "` + uuid + `"`, uuid, "heroku-api-key"},
		{`$herokuToken .= "` + uuid + `"`, uuid, "heroku-api-key"},
		{`  "herokuToken" => "` + uuid + `"`, uuid, "heroku-api-key"},
		{`HEROKU_TOKEN ?= "` + uuid + `"`, uuid, "heroku-api-key"},
		{`the heroku api key: ` + uuid + `, rotate it`, uuid, "heroku-api-key"},
		{`{"config.ini": "HEROKU_TOKEN=` + uuid + `\nBACKUP_ENABLED=true"}`, uuid, "heroku-api-key"},
		{`<add key="HerokuApiKey" value="` + uuid + `" />`, uuid, "heroku-api-key"},
		{"env:\n  - name: HEROKU_API_KEY\n    value: " + uuid + "\n", uuid, "heroku-api-key"},
		// Not the credential: ids and names of the vendor's objects.
		{`HEROKU_APP_ID=` + uuid, "", ""},
		{"heroku:\n  app: " + uuid + "\n", "", ""},
		{`discord_channel_id: 904873150294627381`, "", ""},
	}
	for _, tc := range cases {
		fs := Default().Scan(tc.text)
		var got []string
		for _, f := range fs {
			if f.Type == "api_key" {
				got = append(got, f.Rule+":"+tc.text[f.Start:f.End])
			}
		}
		var want []string
		if tc.want != "" {
			want = []string{tc.rule + ":" + tc.want}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", tc.text, got, want)
		}
	}
}

func TestContextRulesListed(t *testing.T) {
	names := ContextRules()
	if !slices.IsSorted(names) || len(names) < 100 {
		t.Fatalf("ContextRules() = %d names, sorted %v", len(names), slices.IsSorted(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("duplicate rule %s", n)
		}
		seen[n] = true
	}
	// Every keyword fits the two-byte index and is normalised.
	for _, r := range contextRules {
		for _, w := range r.keywords {
			if len(w) < 3 || normaliseIdent(w, make([]byte, 64)) == nil || string(normaliseIdent(w, make([]byte, 64))) != w {
				t.Errorf("%s: keyword %q is not normalised", r.rule, w)
			}
		}
	}
}

// FuzzContextAssign targets the assignment parsers (operators, escaped
// quotes, name/value pairs, YAML parents, curl options) with truncated and
// nested inputs; the findings must stay well-formed spans.
//
//	go test ./scanners -run '^$' -fuzz FuzzContextAssign -fuzztime 60s
func FuzzContextAssign(f *testing.F) {
	for _, s := range []string{
		"curl -u ", "curl -u a:", "curl --user=\"a:b", "curl -H \"Authorization: ", "Authorization:",
		`<add key="`, `<add key="ClearTextPassword" value="`, "- name: X\n  value: ", "value=", "value:",
		"kind: Secret\ndata:\n  a: ", "data:\n  a: QUJDREVGR0hJSktM\nkind: Secret", "heroku:\n  ", "heroku:\n  key: ",
		`{\"a_token\": \"`, `\"`, "x =>", "x :=", "x ::=", "x ?=", "$x .=", "://cafebabe:", "://cafebabe:deadbeef@",
		"var t string =", ": String =", "heroku_api_key=", "twitter_token=AAAAAAAAAAAAAAAAAAAAAA", "a:b:c:d",
		"mySecretString=", "API_KEY_2=", "password=\"${", "password=\"{{x}}\"", "\n\n  :", "  - :",
	} {
		f.Add(s)
	}
	eng := Default().(*Engine)
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, "fuzz", text, eng.Scan(text))
		_, sup := eng.ScanVerbose(text)
		for _, s := range sup {
			if s.Start < 0 || s.End > len(text) || s.Start > s.End || s.By == "" {
				t.Fatalf("bad suppressed candidate %+v", s)
			}
		}
	})
}

// TestLineStartAboveIsBounded: the look-back for a section or parent key
// stops at its floor, which is what keeps a long line of assignments
// (BenchmarkAdversarial/assignments) linear instead of quadratic.
func TestLineStartAboveIsBounded(t *testing.T) {
	text := "[heroku]\n" + strings.Repeat("x", 5000) + "api_key="
	end := len(text) - len("api_key=")
	if s, ok := lineStartAbove(text, end-800, end); ok || s != end-800 {
		t.Fatalf("long line: start %d ok %v, want the floor and not ok", s, ok)
	}
	if s, ok := lineStartAbove(text, 0, end); !ok || s != len("[heroku]\n") {
		t.Fatalf("from 0: start %d ok %v, want %d", s, ok, len("[heroku]\n"))
	}
	if _, ok := sectionName(text, end); ok {
		t.Fatalf("a key 5000 bytes into its line was given a section")
	}
}
