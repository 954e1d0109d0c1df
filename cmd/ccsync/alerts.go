package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

func init() {
	register(command{name: "alerts", summary: "alerts and log forwarding: alerts list|rules|dest|dead", run: runAlerts})
}

const alertsUsage = `Usage:
  ccsync alerts list [--limit N] [--before SEQ] [--json]          fired alerts, newest first

  ccsync alerts rules list [--json]
  ccsync alerts rules show ID [--json]
  ccsync alerts rules add    --name N [rule flags] [--json]
  ccsync alerts rules update ID [rule flags] [--json]              flags given replace those values
  ccsync alerts rules rm ID
    rule flags: --type T... --min-severity S --user U... --model M... --product P... --query Q
                --threshold N --window MIN --quiet MIN --group-by user|conversation|message
                --include-backfill[=false] --destination ID... --disabled[=false]

  ccsync alerts dest list [--json]
  ccsync alerts dest show ID [--json]
  ccsync alerts dest add    --name N --kind K --stream S [destination flags] [--json]
  ccsync alerts dest update ID [destination flags] [--json]        flags given replace those values
  ccsync alerts dest rm ID
  ccsync alerts dest test ID [--json]                               send one synthetic event now
    destination flags: --url U --secret-file PATH | --secret-env VAR --anonymous[=false] --disabled[=false]
                --network tcp|tls --format rfc5424|cef --ca-cert-file PEM --server-name NAME
                --index I --sourcetype S --label K=V... --tenant ID --username U
    kinds: webhook, slack, syslog, splunk_hec, loki; streams: alerts, findings, messages

  ccsync alerts dead list DEST [--limit N] [--json]                 dead letters of a destination
  ccsync alerts dead retry DEST LETTER
  ccsync alerts dead discard DEST LETTER

A secret (webhook signing secret, HEC token, Loki password, Slack webhook URL) is read from a file or an
environment variable, never from a flag (argv shows in ps and shell history). It is stored encrypted with
the keyset and shown only as a hint. Every command is recorded in the audit trail.
`

func runAlerts(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(io.err, alertsUsage)
		return errUsage
	}
	group, args := args[0], args[1:]
	sub := ""
	switch group {
	case "list":
	case "rules", "dest", "dead":
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprint(io.err, alertsUsage)
			return errUsage
		}
		sub, args = args[0], args[1:]
	default:
		fmt.Fprintf(io.err, "ccsync alerts: unknown subcommand %q (want list, rules, dest or dead)\n", group)
		return errUsage
	}
	name := strings.TrimSpace("alerts " + group + " " + sub)
	fs := newFlags(name, io)
	fs.Usage = func() {
		fmt.Fprint(io.err, alertsUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg := bindSettings(fs, "data", "keyset", "kek-file", "log-level", "log-format")
	asJSON := fs.Bool("json", false, "print JSON")
	var wantArgs int
	var limit *int
	var before *uint64
	var rf *ruleFlags
	var df *destFlags
	switch group + " " + sub {
	case "list ":
		limit = fs.Int("limit", 50, "alerts to list (1 to 500)")
		before = fs.Uint64("before", 0, "list alerts older than this sequence number (paging)")
	case "rules list", "dest list":
	case "rules show", "rules rm", "dest show", "dest rm", "dest test":
		wantArgs = 1
	case "rules add":
		rf = bindRuleFlags(fs)
	case "rules update":
		wantArgs, rf = 1, bindRuleFlags(fs)
	case "dest add":
		df = bindDestFlags(fs)
	case "dest update":
		wantArgs, df = 1, bindDestFlags(fs)
	case "dead list":
		wantArgs = 1
		limit = fs.Int("limit", 100, "dead letters to list (1 to 500)")
	case "dead retry", "dead discard":
		wantArgs = 2
	default:
		fmt.Fprintf(io.err, "ccsync alerts %s: unknown subcommand %q\n", group, sub)
		return errUsage
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != wantArgs {
		fs.Usage()
		return errUsage
	}
	if limit != nil && (*limit < 1 || *limit > 500) {
		return fmt.Errorf("--limit %d: give 1 to 500", *limit)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// Inputs are read and checked before the data directory is opened.
	var secret string
	if df != nil {
		if secret, err = df.readSecret(set); err != nil {
			return err
		}
		if err := df.readCACert(); err != nil {
			return err
		}
		if sub == "add" {
			for _, f := range []string{"name", "kind", "stream"} {
				if !set[f] {
					return fmt.Errorf("dest add needs --%s", f)
				}
			}
		}
	}
	if rf != nil && sub == "add" && !set["name"] {
		return errors.New("rules add needs --name")
	}

	ix, log, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	keys, err := openKeystore(cfg, ix, log)
	if err != nil {
		return err
	}
	fwd := newForwarding(ix, keys, "", log)
	c := alertsCLI{ctx: ctx, io: io, json: *asJSON, fwd: fwd, record: func(action, target string, detail map[string]string) error {
		return api.RecordLocal(ix, "cli", "", action, target, detail)
	}}
	switch group + " " + sub {
	case "list ":
		return c.listAlerts(*before, *limit)
	case "rules list":
		return c.listRules()
	case "rules show":
		return c.showRule(pos[0])
	case "rules add", "rules update":
		id := ""
		if sub == "update" {
			id = pos[0]
		}
		return c.putRule(id, rf, set)
	case "rules rm":
		return c.removeRule(pos[0])
	case "dest list":
		return c.listDests()
	case "dest show":
		return c.showDest(pos[0])
	case "dest add", "dest update":
		id := ""
		if sub == "update" {
			id = pos[0]
		}
		return c.putDest(id, df, set, secret)
	case "dest rm":
		return c.removeDest(pos[0])
	case "dest test":
		return c.testDest(pos[0])
	case "dead list":
		return c.listDead(pos[0], *limit)
	case "dead retry":
		return c.retryDead(pos[0], pos[1])
	case "dead discard":
		return c.discardDead(pos[0], pos[1])
	}
	return nil
}

type alertsCLI struct {
	ctx    context.Context
	io     stdio
	json   bool
	fwd    forwarding
	record func(action, target string, detail map[string]string) error
}

func (c alertsCLI) out(v any) error { return json.NewEncoder(c.io.out).Encode(v) }

// ruleFlags are the flags that set an alert rule's fields.
type ruleFlags struct {
	name, minSeverity, query, groupBy            *string
	threshold, window, quiet                     *int
	backfill, disabled                           *bool
	types, users, models, products, destinations listFlag
}

func bindRuleFlags(fs *flag.FlagSet) *ruleFlags {
	r := &ruleFlags{}
	r.name = fs.String("name", "", "rule name")
	fs.Var(&r.types, "type", "finding type to match (repeatable, comma-separated; none: every type)")
	r.minSeverity = fs.String("min-severity", "", "lowest finding severity to match: low, medium, high, critical")
	fs.Var(&r.users, "user", "user id or email to match (repeatable)")
	fs.Var(&r.models, "model", "model to match (repeatable)")
	fs.Var(&r.products, "product", "product to match, e.g. claude_ai (repeatable)")
	r.query = fs.String("query", "", "search query the message must match (search syntax)")
	r.threshold = fs.Int("threshold", 0, "fire only when more than N findings of one group fall within --window")
	r.window = fs.Int("window", 0, "threshold window, minutes")
	r.quiet = fs.Int("quiet", 0, "after an alert, fold further matches of its group into it for this many minutes (0: 60)")
	r.groupBy = fs.String("group-by", "", "what one alert is about: user (default), conversation or message")
	r.backfill = fs.Bool("include-backfill", false, "also alert on imports, re-scans and synced history")
	fs.Var(&r.destinations, "destination", "alert destination id to notify (repeatable; none: every alert destination)")
	r.disabled = fs.Bool("disabled", false, "store the rule switched off")
	return r
}

// apply sets the fields whose flags were given.
func (f *ruleFlags) apply(r *model.AlertRule, set map[string]bool) {
	if set["name"] {
		r.Name = strings.TrimSpace(*f.name)
	}
	if set["type"] {
		r.FindingTypes = f.types
	}
	if set["min-severity"] {
		r.MinSeverity = model.Severity(*f.minSeverity)
	}
	if set["user"] {
		r.Users = f.users
	}
	if set["model"] {
		r.Models = f.models
	}
	if set["product"] {
		r.Products = f.products
	}
	if set["query"] {
		r.Query = strings.TrimSpace(*f.query)
	}
	if set["threshold"] {
		r.Threshold = *f.threshold
	}
	if set["window"] {
		r.WindowMinutes = *f.window
	}
	if set["quiet"] {
		r.QuietMinutes = *f.quiet
	}
	if set["group-by"] {
		r.GroupBy = *f.groupBy
	}
	if set["include-backfill"] {
		r.IncludeBackfill = *f.backfill
	}
	if set["destination"] {
		r.Destinations = f.destinations
	}
	if set["disabled"] {
		r.Enabled = !*f.disabled
	}
}

// destFlags are the flags that set a destination's fields.
type destFlags struct {
	name, kind, stream, url, network, format, caFile, serverName *string
	index, sourcetype, tenant, username, secretFile, secretEnv   *string
	anonymous, disabled                                          *bool
	labels                                                       listFlag
	caCert                                                       string
}

func bindDestFlags(fs *flag.FlagSet) *destFlags {
	d := &destFlags{}
	d.name = fs.String("name", "", "destination name")
	d.kind = fs.String("kind", "", "webhook, slack, syslog, splunk_hec or loki")
	d.stream = fs.String("stream", "", "alerts (fired alerts), findings (every new finding) or messages (every new message)")
	d.url = fs.String("url", "", "endpoint URL (webhook, HEC, Loki) or host:port (syslog); Slack's URL is its secret")
	d.network = fs.String("network", "", "syslog: tcp or tls")
	d.format = fs.String("format", "", "syslog: rfc5424 (default) or cef")
	d.caFile = fs.String("ca-cert-file", "", "PEM file of CA certificates trusted for TLS besides the system roots")
	d.serverName = fs.String("server-name", "", "TLS: name to check in the server's certificate")
	d.index = fs.String("index", "", "Splunk HEC: index")
	d.sourcetype = fs.String("sourcetype", "", "Splunk HEC: sourcetype (default ccsync:<event type>)")
	fs.Var(&d.labels, "label", "Loki: static stream label K=V (repeatable)")
	d.tenant = fs.String("tenant", "", "Loki: tenant (X-Scope-OrgID)")
	d.username = fs.String("username", "", "Loki: basic-auth user (the secret is the password; without a user it is a bearer token)")
	d.secretFile = fs.String("secret-file", "", "file holding the secret (webhook signing secret, HEC token, Loki password, Slack webhook URL)")
	d.secretEnv = fs.String("secret-env", "", "environment variable holding the secret")
	// --secret is refused with the reason, not as an unknown flag.
	fs.Func("secret", "not accepted: use --secret-file or --secret-env", func(string) error {
		return errors.New("a secret on the command line shows in ps and shell history; use --secret-file PATH or --secret-env VAR")
	})
	d.anonymous = fs.Bool("anonymous", false, "send counts, types, severities and times only: no content, previews or user identities")
	d.disabled = fs.Bool("disabled", false, "store the destination switched off")
	return d
}

// maxSecretFile bounds a secret read from a file (a secret is short; a
// wrong path to a large file should not be read whole).
const maxSecretFile = 64 << 10

func (f *destFlags) readSecret(set map[string]bool) (string, error) {
	switch {
	case set["secret-file"] && set["secret-env"]:
		return "", errors.New("--secret-file and --secret-env exclude each other")
	case set["secret-file"]:
		st, err := os.Stat(*f.secretFile)
		if err != nil {
			return "", fmt.Errorf("--secret-file: %w", err)
		}
		if st.Size() > maxSecretFile {
			return "", fmt.Errorf("--secret-file %s: %d bytes; a secret is at most %d", *f.secretFile, st.Size(), maxSecretFile)
		}
		b, err := os.ReadFile(*f.secretFile)
		if err != nil {
			return "", fmt.Errorf("--secret-file: %w", err)
		}
		s := strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("--secret-file %s is empty", *f.secretFile)
		}
		return s, nil
	case set["secret-env"]:
		s := os.Getenv(*f.secretEnv)
		if strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("--secret-env: $%s is empty or not set", *f.secretEnv)
		}
		return s, nil
	}
	return "", nil
}

func (f *destFlags) readCACert() error {
	if *f.caFile == "" {
		return nil
	}
	b, err := os.ReadFile(*f.caFile)
	if err != nil {
		return fmt.Errorf("--ca-cert-file: %w", err)
	}
	f.caCert = string(b)
	return nil
}

func (f *destFlags) apply(d *model.Destination, set map[string]bool, secret string) error {
	str := map[string]struct {
		v   *string
		dst *string
	}{"name": {f.name, &d.Name}, "kind": {f.kind, &d.Kind}, "stream": {f.stream, &d.Stream}, "url": {f.url, &d.URL},
		"network": {f.network, &d.Network}, "format": {f.format, &d.Format}, "server-name": {f.serverName, &d.ServerName},
		"index": {f.index, &d.Index}, "sourcetype": {f.sourcetype, &d.Sourcetype}, "tenant": {f.tenant, &d.TenantID},
		"username": {f.username, &d.Username}}
	for k, s := range str {
		if set[k] {
			*s.dst = strings.TrimSpace(*s.v)
		}
	}
	if set["ca-cert-file"] {
		d.CACert = f.caCert
	}
	if set["anonymous"] {
		d.Anonymous = *f.anonymous
	}
	if set["disabled"] {
		d.Enabled = !*f.disabled
	}
	if set["label"] {
		d.Labels = map[string]string{}
		for _, kv := range f.labels {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("--label %q: want KEY=VALUE", kv)
			}
			d.Labels[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	d.Secret = secret
	return nil
}

func (c alertsCLI) listAlerts(before uint64, limit int) error {
	list, err := c.fwd.alerts.Alerts(c.ctx, before, limit)
	if err != nil {
		return fmt.Errorf("list alerts: %w", err)
	}
	detail := map[string]string{"alerts": strconv.Itoa(len(list)), "limit": strconv.Itoa(limit)}
	if before > 0 {
		detail["before"] = strconv.FormatUint(before, 10)
	}
	if err := c.record("alert.list", "", detail); err != nil {
		return err
	}
	if c.json {
		if list == nil {
			list = []model.Alert{}
		}
		return c.out(map[string]any{"alerts": list})
	}
	if len(list) == 0 {
		fmt.Fprintln(c.io.out, "no alerts")
		return nil
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tFIRED\tRULE\tGROUP\tFINDINGS\tSEVERITY\tTYPES\tSUPPRESSED")
	for _, a := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%d\n", a.Seq, a.FiredAt.Format(time.RFC3339), oneLine(a.RuleName),
			oneLine(a.GroupBy+" "+a.Group), a.Findings, a.MaxSeverity, oneLine(countsText(a.ByType)), a.Suppressed)
	}
	return tw.Flush()
}

// countsText writes {"api_key":2,"email":1} as "api_key 2, email 1".
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func (c alertsCLI) listRules() error {
	rs, err := c.fwd.alerts.Rules(c.ctx)
	if err != nil {
		return fmt.Errorf("list alert rules: %w", err)
	}
	if err := c.record("alert.rule.list", "", map[string]string{"rules": strconv.Itoa(len(rs))}); err != nil {
		return err
	}
	if c.json {
		if rs == nil {
			rs = []model.AlertRule{}
		}
		return c.out(map[string]any{"rules": rs})
	}
	if len(rs) == 0 {
		fmt.Fprintln(c.io.out, "no alert rules")
		return nil
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tENABLED\tMATCHES")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", r.ID, oneLine(r.Name), r.Enabled, oneLine(ruleSummary(r)))
	}
	return tw.Flush()
}

// ruleSummary says what a rule matches and how it groups, in a line.
func ruleSummary(r model.AlertRule) string {
	var p []string
	if len(r.FindingTypes) > 0 {
		p = append(p, "types "+strings.Join(r.FindingTypes, "|"))
	}
	if r.MinSeverity != "" {
		p = append(p, "severity ≥ "+string(r.MinSeverity))
	}
	if len(r.Users) > 0 {
		p = append(p, "users "+strings.Join(r.Users, "|"))
	}
	if len(r.Models) > 0 {
		p = append(p, "models "+strings.Join(r.Models, "|"))
	}
	if len(r.Products) > 0 {
		p = append(p, "products "+strings.Join(r.Products, "|"))
	}
	if r.Query != "" {
		p = append(p, fmt.Sprintf("query %q", r.Query))
	}
	if len(p) == 0 {
		p = append(p, "every finding")
	}
	if r.Threshold > 0 {
		p = append(p, fmt.Sprintf("> %d in %d min", r.Threshold, r.WindowMinutes))
	}
	if r.GroupBy != "" {
		p = append(p, "per "+r.GroupBy)
	}
	if r.IncludeBackfill {
		p = append(p, "history too")
	}
	if len(r.Destinations) > 0 {
		p = append(p, "to "+strings.Join(r.Destinations, ","))
	}
	return strings.Join(p, "; ")
}

func (c alertsCLI) showRule(id string) error {
	r, err := c.fwd.alerts.Rule(c.ctx, id)
	if err != nil {
		return alertsErr("alert rule", id, err)
	}
	if err := c.record("alert.rule.view", id, map[string]string{"name": r.Name}); err != nil {
		return err
	}
	return c.printRule(r)
}

func (c alertsCLI) printRule(r model.AlertRule) error {
	if c.json {
		return c.out(r)
	}
	fmt.Fprintf(c.io.out, "rule %s: %s\nenabled: %t\nmatches: %s\ncreated %s by %s\n", r.ID, oneLine(r.Name), r.Enabled,
		oneLine(ruleSummary(r)), r.CreatedAt.Format(time.RFC3339), oneLine(r.CreatedBy))
	return nil
}

func (c alertsCLI) putRule(id string, f *ruleFlags, set map[string]bool) error {
	r := model.AlertRule{Enabled: true, CreatedBy: api.LocalActor()}
	action := "alert.rule.add"
	if id != "" {
		old, err := c.fwd.alerts.Rule(c.ctx, id)
		if err != nil {
			return alertsErr("alert rule", id, err)
		}
		r, action = old, "alert.rule.update"
	}
	f.apply(&r, set)
	if err := api.CheckRuleDestinations(c.ctx, c.fwd.forward, r.Destinations); err != nil {
		return err
	}
	saved, err := c.fwd.alerts.PutRule(c.ctx, r)
	if err != nil {
		return alertsErr("alert rule", id, err)
	}
	if err := c.record(action, saved.ID, api.RuleDetail(saved)); err != nil {
		return err
	}
	return c.printRule(saved)
}

func (c alertsCLI) removeRule(id string) error {
	r, err := c.fwd.alerts.Rule(c.ctx, id)
	if err != nil {
		return alertsErr("alert rule", id, err)
	}
	if err := c.record("alert.rule.delete", id, map[string]string{"name": r.Name}); err != nil {
		return err
	}
	if err := c.fwd.alerts.DeleteRule(c.ctx, id); err != nil {
		return alertsErr("alert rule", id, err)
	}
	fmt.Fprintf(c.io.out, "alert rule %s removed (alerts it fired stay)\n", id)
	return nil
}

func (c alertsCLI) listDests() error {
	ds, err := c.fwd.forward.Destinations(c.ctx)
	if err != nil {
		return fmt.Errorf("list destinations: %w", err)
	}
	if err := c.record("destination.list", "", map[string]string{"destinations": strconv.Itoa(len(ds))}); err != nil {
		return err
	}
	for i := range ds {
		ds[i].Secret = ""
	}
	if c.json {
		if ds == nil {
			ds = []forward.DestinationStatus{}
		}
		return c.out(map[string]any{"destinations": ds})
	}
	if len(ds) == 0 {
		fmt.Fprintln(c.io.out, "no destinations")
		return nil
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tSTREAM\tENABLED\tLAST DELIVERY\tBACKLOG\tDEAD\tSTATE")
	for _, d := range ds {
		last := "never"
		if d.Status.LastDelivery != nil {
			last = d.Status.LastDelivery.Format(time.RFC3339)
		}
		name := d.Name
		if d.Anonymous {
			name += " (anonymous)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\t%d\t%d\t%s\n", d.ID, oneLine(name), d.Kind, d.Stream, d.Enabled, last,
			d.Status.Backlog, d.Status.DeadLetters, oneLine(destState(d.Status)))
	}
	return tw.Flush()
}

func destState(s forward.Status) string {
	switch {
	case s.Failing:
		return "failing: " + cutText(s.LastError, 80)
	case s.LastError != "":
		return "ok (last error: " + cutText(s.LastError, 60) + ")"
	}
	return "ok"
}

func cutText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (c alertsCLI) showDest(id string) error {
	d, err := c.fwd.forward.Destination(c.ctx, id)
	if err != nil {
		return alertsErr("destination", id, err)
	}
	d.Secret = ""
	if err := c.record("destination.view", id, map[string]string{"name": d.Name}); err != nil {
		return err
	}
	if c.json {
		return c.out(d)
	}
	c.printDest(d.Destination)
	fmt.Fprintf(c.io.out, "delivered: %d events; backlog %d; dead letters %d; %s\n", d.Status.Delivered, d.Status.Backlog,
		d.Status.DeadLetters, oneLine(destState(d.Status)))
	return nil
}

func (c alertsCLI) printDest(d model.Destination) {
	fmt.Fprintf(c.io.out, "destination %s: %s\nkind %s, stream %s, enabled %t, anonymous %t\n", d.ID, oneLine(d.Name), d.Kind,
		d.Stream, d.Enabled, d.Anonymous)
	if d.URL != "" {
		fmt.Fprintf(c.io.out, "url: %s\n", oneLine(api.RedactURL(d.URL)))
	}
	if d.SecretHint != "" {
		fmt.Fprintf(c.io.out, "secret: %s\n", d.SecretHint)
	}
}

func (c alertsCLI) putDest(id string, f *destFlags, set map[string]bool, secret string) error {
	d := model.Destination{Enabled: true, CreatedBy: api.LocalActor()}
	action := "destination.add"
	if id != "" {
		old, err := c.fwd.forward.Destination(c.ctx, id)
		if err != nil {
			return alertsErr("destination", id, err)
		}
		d, action = old.Destination, "destination.update"
	}
	if err := f.apply(&d, set, secret); err != nil {
		return err
	}
	saved, err := c.fwd.forward.PutDestination(c.ctx, d)
	if err != nil {
		if secret != "" {
			return errors.New(strings.ReplaceAll(alertsErr("destination", id, err).Error(), secret, "[secret]"))
		}
		return alertsErr("destination", id, err)
	}
	saved.Secret = ""
	detail := api.DestinationDetail(saved)
	detail["secret"] = api.DestinationDetail(d)["secret"]
	if err := c.record(action, saved.ID, detail); err != nil {
		return err
	}
	if c.json {
		return c.out(saved)
	}
	c.printDest(saved)
	return nil
}

func (c alertsCLI) removeDest(id string) error {
	d, err := c.fwd.forward.Destination(c.ctx, id)
	if err != nil {
		return alertsErr("destination", id, err)
	}
	if err := c.record("destination.delete", id, map[string]string{"name": d.Name, "kind": d.Kind, "stream": d.Stream,
		"backlog": strconv.FormatUint(d.Status.Backlog, 10), "dead_letters": strconv.Itoa(d.Status.DeadLetters)}); err != nil {
		return err
	}
	if err := c.fwd.forward.DeleteDestination(c.ctx, id); err != nil {
		return alertsErr("destination", id, err)
	}
	fmt.Fprintf(c.io.out, "destination %s removed\n", id)
	return nil
}

func (c alertsCLI) testDest(id string) error {
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	res, err := c.fwd.forward.TestSend(ctx, id)
	if err != nil {
		return alertsErr("destination", id, err)
	}
	detail := map[string]string{"ok": strconv.FormatBool(res.OK), "event": res.EventID, "ms": strconv.FormatInt(res.Duration.Milliseconds(), 10)}
	if res.Error != "" {
		detail["error"] = cutText(res.Error, 300)
	}
	if err := c.record("destination.test", id, detail); err != nil {
		return err
	}
	if c.json {
		if err := c.out(res); err != nil {
			return err
		}
	} else if res.OK {
		fmt.Fprintf(c.io.out, "test event %s accepted in %s\n", res.EventID, res.Duration.Round(time.Millisecond))
	}
	if !res.OK {
		return fmt.Errorf("test event %s refused: %s", res.EventID, oneLine(res.Error))
	}
	return nil
}

func (c alertsCLI) listDead(id string, limit int) error {
	dl, err := c.fwd.forward.DeadLetters(c.ctx, id, limit)
	if err != nil {
		return alertsErr("destination", id, err)
	}
	if err := c.record("destination.dead_letter.list", id, map[string]string{"dead_letters": strconv.Itoa(len(dl))}); err != nil {
		return err
	}
	if c.json {
		if dl == nil {
			dl = []forward.DeadLetter{}
		}
		return c.out(map[string]any{"dead_letters": dl})
	}
	if len(dl) == 0 {
		fmt.Fprintln(c.io.out, "no dead letters")
		return nil
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LETTER\tEVENTS\tSEQ\tATTEMPTS\tLAST TRY\tERROR")
	for _, l := range dl {
		fmt.Fprintf(tw, "%s\t%d\t%d-%d\t%d\t%s\t%s\n", l.ID, len(l.Events), l.From, l.To, l.Attempts,
			l.LastTry.Format(time.RFC3339), oneLine(cutText(l.Error, 100)))
	}
	return tw.Flush()
}

func (c alertsCLI) retryDead(id, letter string) error {
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	serr := c.fwd.forward.RetryDeadLetter(ctx, id, letter)
	if errors.Is(serr, forward.ErrNotFound) {
		return alertsErr("dead letter", id+"/"+letter, serr)
	}
	detail := map[string]string{"letter": letter, "ok": strconv.FormatBool(serr == nil)}
	if serr != nil {
		detail["error"] = cutText(serr.Error(), 300)
	}
	if err := c.record("destination.dead_letter.retry", id, detail); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("dead letter %s still refused (it stays): %w", letter, serr)
	}
	fmt.Fprintf(c.io.out, "dead letter %s delivered and removed\n", letter)
	return nil
}

func (c alertsCLI) discardDead(id, letter string) error {
	if err := c.fwd.forward.DiscardDeadLetter(c.ctx, id, letter); err != nil {
		return alertsErr("dead letter", id+"/"+letter, err)
	}
	if err := c.record("destination.dead_letter.discard", id, map[string]string{"letter": letter}); err != nil {
		return err
	}
	fmt.Fprintf(c.io.out, "dead letter %s discarded\n", letter)
	return nil
}

// alertsErr says what was not found and where to look, or passes the
// validation message (which names the field) through.
func alertsErr(what, id string, err error) error {
	switch {
	case errors.Is(err, forward.ErrNotFound), errors.Is(err, alerts.ErrNotFound):
		list := map[string]string{"alert rule": "ccsync alerts rules list", "destination": "ccsync alerts dest list",
			"dead letter": "ccsync alerts dead list DEST"}[what]
		return fmt.Errorf("no %s %q (%s shows them)", what, id, list)
	case errors.Is(err, forward.ErrInvalid), errors.Is(err, alerts.ErrInvalid):
		return err
	}
	if id == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s %s: %w", what, id, err)
}
