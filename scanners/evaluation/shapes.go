package evaluation

import (
	"encoding/json"
	"encoding/xml"
	"math/rand/v2"
	"regexp"
	"strings"
)

// item is one value placed in a message, with the key name it is given.
type item struct {
	f     *Format
	value string
	key   string
}

// seg is a piece of message text; item >= 0 marks text that belongs to that
// item's value. An item's span runs from its first to its last seg, so glue
// between the pieces of a split value (string concatenation, YAML indent)
// lies inside the span.
type seg struct {
	text string
	item int
	core bool // the labelled part of the value (see Format.Span)
}

type doc []seg

func lit(s string) seg { return seg{text: s, item: -1} }

// val renders item i; with Format.Span only the located part is core.
func val(items []item, i int) doc {
	it := items[i]
	if it.f.Span == nil {
		return doc{{text: it.value, item: i, core: true}}
	}
	a, b := it.f.Span(it.value)
	return doc{{text: it.value[:a], item: i}, {text: it.value[a:b], item: i, core: true}, {text: it.value[b:], item: i}}
}

// valLines renders a multi-line value line by line with glue between the
// lines: before each line, inside the span.
func valLines(items []item, i int, first, glue func(k int) string, last string) doc {
	lines := strings.Split(items[i].value, "\n")
	var d doc
	for k, l := range lines {
		if k == 0 {
			d = append(d, lit(first(k)))
		} else {
			d = append(d, seg{text: glue(k), item: i})
		}
		d = append(d, seg{text: l, item: i, core: true})
	}
	return append(d, lit(last))
}

func (d doc) mapText(f func(string) string) doc {
	out := make(doc, len(d))
	for i, s := range d {
		out[i] = s
		out[i].text = f(s.text)
	}
	return out
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

type shape struct {
	name    string
	accepts func(p placement) bool
	render  func(r *rand.Rand, items []item) doc
}

func isMulti(it item) bool { return strings.Contains(it.value, "\n") }

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

func placements(ps ...placement) func(placement) bool {
	return func(p placement) bool {
		for _, q := range ps {
			if p == q {
				return true
			}
		}
		return false
	}
}

// defaultSays are prose phrases by type for formats without their own.
var defaultSays = map[string][]string{
	"":                {"the value is %s", "I see %s in the output", "what is %s?"},
	"api_key":         {"here's the token: %s", "I pasted %s into the settings page but it still fails", "use %s for now, I'll rotate it later", "the key %s was in the old repo"},
	"aws_access_key":  {"the access key is %s", "IAM shows %s as active"},
	"jwt":             {"the session token is %s", "decode this: %s", "the Authorization header carries %s"},
	"password_in_url": {"connect with %s", "the connection string is %s"},
	"private_key":     {"here is the key file:\n\n%s\n\nwhy does ssh reject it?", "I generated this:\n%s"},
}

var shapes = []shape{
	{"prose", placements(anyShape, piiShape, negShape, urlShape, multiline, keyed, pairShape), renderProse},
	{"markdown-list", placements(anyShape, piiShape, negShape, keyed, pairShape, urlShape), renderList},
	{"code-python", placements(anyShape, negShape, keyed, pairShape, urlShape, multiline), renderPython},
	{"code-js", placements(anyShape, negShape, keyed, pairShape, urlShape), renderJS},
	{"code-go", placements(anyShape, negShape, keyed, pairShape, urlShape), renderGo},
	{"code-shell", placements(anyShape, negShape, keyed, pairShape, urlShape), renderShell},
	{"dotenv", placements(anyShape, negShape, keyed, pairShape, urlShape, multiline), renderEnv},
	{"export", placements(anyShape, negShape, keyed, pairShape, urlShape), renderExport},
	{"yaml", placements(anyShape, piiShape, negShape, keyed, pairShape, urlShape, multiline), renderYAML},
	{"json", placements(anyShape, piiShape, negShape, keyed, pairShape, urlShape, multiline), renderJSON},
	{"json-in-json", placements(anyShape, piiShape, negShape, keyed, pairShape, urlShape, multiline), renderJSONInJSON},
	{"xml", placements(anyShape, piiShape, negShape, keyed, pairShape), renderXML},
	{"csv", placements(anyShape, piiShape, negShape, keyed, pairShape), renderCSV},
	{"ini", placements(anyShape, negShape, keyed, pairShape), renderINI},
	{"url-query", placements(anyShape, keyed, negShape), renderURLQuery},
	{"log-line", placements(anyShape, piiShape, negShape, keyed, urlShape), renderLog},
	{"curl", placements(anyShape, negShape, urlShape), renderCurl},
	{"http-headers", placements(anyShape, negShape), renderHeaders},
}

func sayFor(r *rand.Rand, it item) string {
	if len(it.f.Says) > 0 {
		return pick(r, it.f.Says)
	}
	if s, ok := defaultSays[it.f.Type]; ok {
		return pick(r, s)
	}
	return pick(r, defaultSays[""])
}

func renderProse(r *rand.Rand, items []item) doc {
	var d doc
	for i, it := range items {
		if i > 0 {
			d = append(d, lit(pick(r, []string{" Also, ", ". And ", "\n\n", "; "})))
		}
		if it.f.Place == keyed || it.f.Place == pairShape {
			d = append(d, lit(pick(r, []string{"I set `" + it.key + "=", "the " + it.key + " line reads `" + it.key + "=", "`" + it.key + "="})))
			d = append(d, val(items, i)...)
			d = append(d, lit("`"))
			continue
		}
		phrase := sayFor(r, it)
		before, after, _ := strings.Cut(phrase, "%s")
		d = append(d, lit(before))
		d = append(d, val(items, i)...)
		d = append(d, lit(after))
	}
	return d
}

func renderList(r *rand.Rand, items []item) doc {
	var d doc
	for i, it := range items {
		switch r.IntN(3) {
		case 0:
			d = append(d, lit("- **"+it.key+"**: "))
			d = append(d, val(items, i)...)
		case 1:
			d = append(d, lit("* "+it.key+": `"))
			d = append(d, val(items, i)...)
			d = append(d, lit("`"))
		default:
			d = append(d, lit("1. "+it.key+" = "))
			d = append(d, val(items, i)...)
		}
		d = append(d, lit("\n"))
	}
	return d
}

func ident(k string) string {
	k = strings.NewReplacer(" ", "_", ".", "_", "-", "_").Replace(k)
	return k
}

func renderPython(r *rand.Rand, items []item) doc {
	d := doc{lit("```python\nimport os\n\n")}
	for i, it := range items {
		name := ident(it.key)
		if isMulti(it) {
			if r.IntN(2) == 0 {
				d = append(d, valLines(items, i, func(int) string { return name + " = (\n    \"" },
					func(int) string { return "\\n\"\n    \"" }, "\\n\"\n)\n")...)
			} else {
				d = append(d, lit(name+` = """`))
				d = append(d, val(items, i)...)
				d = append(d, lit("\n\"\"\"\n"))
			}
			continue
		}
		switch r.IntN(3) {
		case 0:
			d = append(d, lit(name+` = "`))
		case 1:
			d = append(d, lit(`client = Client(`+strings.ToLower(name)+`="`))
			d = append(d, val(items, i)...)
			d = append(d, lit("\")\n"))
			continue
		default:
			d = append(d, lit(`os.environ["`+name+`"] = '`))
			d = append(d, val(items, i)...)
			d = append(d, lit("'\n"))
			continue
		}
		d = append(d, val(items, i)...)
		d = append(d, lit("\"\n"))
	}
	return append(d, lit("```"))
}

func camel(k string) string {
	parts := strings.FieldsFunc(strings.ToLower(k), func(c rune) bool { return c == '_' || c == ' ' || c == '.' || c == '-' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

func renderJS(r *rand.Rand, items []item) doc {
	d := doc{lit("```js\n")}
	for i, it := range items {
		q := pick(r, []string{"'", "\"", "`"})
		d = append(d, lit(pick(r, []string{"const ", "let ", "  "})+camel(it.key)+pick(r, []string{" = ", ": "})+q))
		d = append(d, val(items, i)...)
		d = append(d, lit(q+pick(r, []string{";\n", ",\n"})))
	}
	return append(d, lit("```"))
}

func renderGo(r *rand.Rand, items []item) doc {
	d := doc{lit("```go\n")}
	for i, it := range items {
		d = append(d, lit("\t"+camel(it.key)+" := \""))
		d = append(d, val(items, i)...)
		d = append(d, lit("\"\n"))
	}
	return append(d, lit("```"))
}

func renderShell(r *rand.Rand, items []item) doc {
	d := doc{lit("```sh\n")}
	for i, it := range items {
		d = append(d, lit(pick(r, []string{"export ", "", "set -x; export "})+ident(it.key)+"=\""))
		d = append(d, val(items, i)...)
		d = append(d, lit("\"\n"))
	}
	return append(d, lit("./deploy.sh --env staging\n```"))
}

func renderEnv(r *rand.Rand, items []item) doc {
	open := pick(r, []string{"my .env:\n\n", "```\n# .env\n", ""})
	d := doc{lit(open)}
	for i, it := range items {
		name := strings.ToUpper(ident(it.key))
		if isMulti(it) {
			d = append(d, lit(name+`="`))
			d = append(d, val(items, i).mapText(func(s string) string { return strings.ReplaceAll(s, "\n", `\n`) })...)
			d = append(d, lit("\"\n"))
			continue
		}
		q := pick(r, []string{"", "\"", "'"})
		d = append(d, lit(name+"="+q))
		d = append(d, val(items, i)...)
		d = append(d, lit(q+"\n"))
	}
	return append(d, lit("APP_ENV=production\n"+closeFence(open)))
}

func closeFence(open string) string {
	if strings.HasPrefix(open, "```") {
		return "```"
	}
	return ""
}

func renderExport(r *rand.Rand, items []item) doc {
	var d doc
	for i, it := range items {
		d = append(d, lit("export "+strings.ToUpper(ident(it.key))+"="))
		d = append(d, val(items, i)...)
		d = append(d, lit("\n"))
	}
	return d
}

func renderYAML(r *rand.Rand, items []item) doc {
	open := pick(r, []string{"```yaml\n", ""})
	d := doc{lit(open + "service:\n  name: billing\n  env:\n")}
	for i, it := range items {
		if isMulti(it) {
			d = append(d, valLines(items, i, func(int) string { return "    " + it.key + ": |\n      " },
				func(int) string { return "\n      " }, "\n")...)
			continue
		}
		q := pick(r, []string{"", "\"", "'"})
		d = append(d, lit("    "+it.key+": "+q))
		d = append(d, val(items, i)...)
		d = append(d, lit(q+"\n"))
	}
	return append(d, lit("  replicas: 3\n"+closeFence(open)))
}

func jsonDoc(r *rand.Rand, items []item) doc {
	pretty := r.IntN(2) == 0
	d := doc{lit("{")}
	for i, it := range items {
		if i > 0 {
			d = append(d, lit(","))
		}
		if pretty {
			d = append(d, lit("\n  "))
		}
		d = append(d, lit(`"`+jsonEscape(it.key)+`": "`))
		d = append(d, val(items, i).mapText(jsonEscape)...)
		d = append(d, lit(`"`))
	}
	if pretty {
		d = append(d, lit(",\n  \"region\": \"eu-west-1\"\n}"))
	} else {
		d = append(d, lit(`,"region":"eu-west-1"}`))
	}
	return d
}

func renderJSON(r *rand.Rand, items []item) doc {
	return append(append(doc{lit(pick(r, []string{"```json\n", "response body: ", ""}))}, jsonDoc(r, items)...), lit(pick(r, []string{"\n```", ""})))
}

// renderJSONInJSON is a JSON document carried as a string inside another
// JSON document (tool results, logged request bodies).
func renderJSONInJSON(r *rand.Rand, items []item) doc {
	inner := jsonDoc(r, items).mapText(jsonEscape)
	d := doc{lit(`{"type":"tool_result","content":"`)}
	d = append(d, inner...)
	return append(d, lit(`","is_error":false}`))
}

func renderXML(r *rand.Rand, items []item) doc {
	d := doc{lit("<configuration>\n")}
	for i, it := range items {
		name := ident(it.key)
		if r.IntN(2) == 0 {
			d = append(d, lit("  <"+name+">"))
			d = append(d, val(items, i).mapText(xmlEscape)...)
			d = append(d, lit("</"+name+">\n"))
		} else {
			d = append(d, lit(`  <add key="`+name+`" value="`))
			d = append(d, val(items, i).mapText(xmlEscape)...)
			d = append(d, lit("\" />\n"))
		}
	}
	return append(d, lit("</configuration>"))
}

func renderCSV(r *rand.Rand, items []item) doc {
	d := doc{lit("User name")}
	for _, it := range items {
		d = append(d, lit(","+it.key))
	}
	d = append(d, lit("\n"+strings.ToLower(pick(r, firstNames))))
	for i, it := range items {
		q := ""
		if strings.ContainsAny(it.value, ",\"") {
			q = "\""
		}
		d = append(d, lit(","+q))
		d = append(d, val(items, i)...)
		d = append(d, lit(q))
	}
	return append(d, lit("\n"))
}

func renderINI(r *rand.Rand, items []item) doc {
	d := doc{lit(pick(r, []string{"~/.aws/credentials:\n\n[default]\n", "[profile ci]\n", "[settings]\n"}))}
	for i, it := range items {
		d = append(d, lit(strings.ToLower(ident(it.key))+pick(r, []string{" = ", "="})))
		d = append(d, val(items, i)...)
		d = append(d, lit("\n"))
	}
	return d
}

func renderURLQuery(r *rand.Rand, items []item) doc {
	d := doc{lit("https://api." + pick(r, companies) + ".io/v2/reports?")}
	for i, it := range items {
		if i > 0 {
			d = append(d, lit("&"))
		}
		d = append(d, lit(strings.ToLower(ident(it.key))+"="))
		d = append(d, val(items, i)...)
	}
	return append(d, lit("&page=2"))
}

func renderLog(r *rand.Rand, items []item) doc {
	d := doc{lit(pick(r, []string{"2026-03-04T10:11:12.345Z INFO  [api] request handled", "Mar  4 10:11:12 web-1 app[2211]: auth ok", "[WARN] 2026/03/04 10:11:12 retrying upstream"}))}
	for i, it := range items {
		d = append(d, lit(" "+strings.ToLower(ident(it.key))+"="))
		d = append(d, val(items, i)...)
	}
	return append(d, lit(" latency_ms=42\n"))
}

func renderCurl(r *rand.Rand, items []item) doc {
	d := doc{lit("```\ncurl -sS")}
	var target doc
	for i, it := range items {
		if it.f.Place == urlShape {
			target = append(doc{lit(" ")}, val(items, i)...)
			continue
		}
		switch r.IntN(3) {
		case 0:
			d = append(d, lit(" -H \"Authorization: Bearer "))
		case 1:
			d = append(d, lit(" -H 'X-API-Key: "))
			d = append(d, val(items, i)...)
			d = append(d, lit("'"))
			continue
		default:
			d = append(d, lit(" --header \"Authorization: token "))
		}
		d = append(d, val(items, i)...)
		d = append(d, lit("\""))
	}
	if target == nil {
		target = doc{lit(" https://api." + pick(r, companies) + ".io/v1/me")}
	}
	d = append(d, target...)
	return append(d, lit("\n```"))
}

func renderHeaders(r *rand.Rand, items []item) doc {
	d := doc{lit("GET /v1/projects HTTP/1.1\nHost: api." + pick(r, companies) + ".io\n")}
	for i := range items {
		d = append(d, lit(pick(r, []string{"Authorization: Bearer ", "X-Api-Key: ", "Authorization: Token "})))
		d = append(d, val(items, i)...)
		d = append(d, lit("\n"))
	}
	return append(d, lit("Accept: application/json\n"))
}
