package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

func init() {
	register(command{name: "retention", summary: "retention policy: retention show|set|preview|run", run: runRetention})
}

const retentionUsage = `Usage:
  ccsync retention show    [--json]
  ccsync retention set     (--file policy.json | --default-days N [--rule RULE]... [--activity-days N])
  ccsync retention preview [--json] [policy flags: preview a draft without saving it]
  ccsync retention run     (--dry-run | --yes) [--json]

RULE is name=NAME,days=D[,flagged][,types=a|b][,min-severity=low|medium|high|critical][,users=u|v]
(0 days: forever). A matching rule replaces the default; among matching rules the longest wins;
legal holds beat every period. Example:
  ccsync retention set --default-days 365 --rule 'name=flagged,days=2555,flagged'
`

// multiFlag collects a repeatable flag whose values may contain commas.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// policyFlags are the flags that spell a policy (set, and preview's draft).
type policyFlags struct {
	file                      *string
	defaultDays, activityDays *int
	rules                     multiFlag
}

func bindPolicyFlags(fs *flag.FlagSet) *policyFlags {
	p := &policyFlags{}
	p.file = fs.String("file", "", "read the policy from this JSON file (the API's policy shape)")
	p.defaultDays = fs.Int("default-days", 0, "keep messages no rule matches this many days (0: forever)")
	p.activityDays = fs.Int("activity-days", 0, "keep Activity Feed events this many days (0: forever)")
	fs.Var(&p.rules, "rule", "a rule, repeatable: name=NAME,days=D[,flagged][,types=a|b][,min-severity=S][,users=u|v]")
	return p
}

// policy builds the policy the flags spell; ok is false when none was given.
func (p *policyFlags) policy(fs *flag.FlagSet) (model.RetentionPolicy, bool, error) {
	var pol model.RetentionPolicy
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	inline := set["default-days"] || set["activity-days"] || set["rule"]
	switch {
	case set["file"] && inline:
		return pol, true, errors.New("--file and --default-days/--rule/--activity-days exclude each other")
	case set["file"]:
		b, err := os.ReadFile(*p.file)
		if err != nil {
			return pol, true, fmt.Errorf("read policy: %w", err)
		}
		if len(b) > 1<<20 {
			return pol, true, fmt.Errorf("policy file %s: larger than 1 MiB", *p.file)
		}
		if err := jsonv2.Unmarshal(b, &pol, jsonv2.RejectUnknownMembers(true)); err != nil {
			return pol, true, fmt.Errorf("policy file %s: %w", *p.file, err)
		}
		pol.UpdatedAt, pol.UpdatedBy = time.Time{}, ""
	case inline:
		pol.DefaultDays, pol.ActivityDays = *p.defaultDays, *p.activityDays
		for i, s := range p.rules {
			r, err := parseRule(s)
			if err != nil {
				return pol, true, fmt.Errorf("--rule %d (%q): %w", i+1, s, err)
			}
			pol.Rules = append(pol.Rules, r)
		}
	default:
		return pol, false, nil
	}
	if err := pol.Validate(); err != nil {
		return pol, true, fmt.Errorf("policy: %w", err)
	}
	return pol, true, nil
}

// parseRule reads name=NAME,days=D[,flagged][,types=a|b][,min-severity=S][,users=u|v].
func parseRule(s string) (model.RetentionRule, error) {
	var r model.RetentionRule
	hasDays := false
	for _, part := range strings.Split(s, ",") {
		k, v, hasValue := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "name":
			r.Name = v
		case "days":
			n, err := strconv.Atoi(v)
			if err != nil {
				return r, fmt.Errorf("days=%q: want a whole number of days (0: forever)", v)
			}
			r.Days, hasDays = n, true
		case "flagged":
			if hasValue && v != "true" {
				return r, fmt.Errorf("flagged takes no value")
			}
			r.Flagged = true
		case "types":
			r.Types = splitBar(v)
		case "min-severity":
			r.MinSeverity = model.Severity(v)
		case "users":
			r.Users = splitBar(v)
		case "":
			return r, errors.New("empty part (two commas in a row?)")
		default:
			return r, fmt.Errorf("unknown key %q (want name, days, flagged, types, min-severity, users)", k)
		}
	}
	if r.Name == "" {
		return r, errors.New("name=NAME is required")
	}
	if !hasDays {
		return r, errors.New("days=D is required")
	}
	return r, nil
}

func splitBar(v string) []string {
	var out []string
	for _, s := range strings.Split(v, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func runRetention(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(io.err, retentionUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags("retention "+sub, io)
	fs.Usage = func() {
		fmt.Fprint(io.err, retentionUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg := bindSettings(fs, "data", "log-level", "log-format")
	asJSON := fs.Bool("json", false, "print JSON")
	var pf *policyFlags
	var dry, yes *bool
	switch sub {
	case "show":
	case "set", "preview":
		pf = bindPolicyFlags(fs)
	case "run":
		dry = fs.Bool("dry-run", false, "only show what the run would delete, per month")
		yes = fs.Bool("yes", false, "confirm the permanent deletion")
	default:
		fmt.Fprintf(io.err, "ccsync retention: unknown subcommand %q (want show, set, preview or run)\n", sub)
		return errUsage
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	var draft *model.RetentionPolicy
	if pf != nil {
		pol, ok, err := pf.policy(fs)
		if err != nil {
			return err
		}
		if ok {
			draft = &pol
		} else if sub == "set" {
			fmt.Fprintln(io.err, "ccsync retention set: give --file, or --default-days with any --rule and --activity-days")
			return errUsage
		}
	}
	if sub == "run" {
		if *dry == *yes {
			return errors.New("run needs exactly one of --dry-run (see what would go) and --yes (delete it)")
		}
	}
	ix, _, err := openIndexer(ctx, cfg, io)
	if err != nil {
		return err
	}
	defer ix.Close()
	now := time.Now().UTC()
	switch sub {
	case "show":
		return retentionShow(ctx, ix, io, *asJSON)
	case "set":
		draft.UpdatedAt, draft.UpdatedBy = now, api.LocalActor()
		if err := api.RecordLocal(ix, "cli", "", "retention.set", "", api.PolicyDetail(*draft)); err != nil {
			return err
		}
		if err := ix.SetRetentionPolicy(ctx, *draft); err != nil {
			return fmt.Errorf("set retention policy: %w", err)
		}
		if *asJSON {
			return json.NewEncoder(io.out).Encode(map[string]any{"policy": draft})
		}
		fmt.Fprintln(io.out, "retention policy saved; it applies at the next run (see what it deletes: ccsync retention preview)")
		printPolicy(io, *draft)
		return nil
	}
	// preview, run --dry-run, run --yes
	var rep indexer.RetentionReport
	action := "retention.preview"
	if sub == "run" && *yes {
		action = "retention.run"
		// The crash tests and operators watching stderr see it start.
		fmt.Fprintln(io.err, "retention: starting")
		rep, err = ix.RunRetention(ctx, now)
	} else {
		rep, err = ix.PlanRetention(ctx, now, draft)
	}
	detail := map[string]string{"messages": strconv.Itoa(rep.Messages), "conversations": strconv.Itoa(rep.Conversations),
		"held": strconv.Itoa(rep.Held), "policy": "stored"}
	if draft != nil {
		detail = api.PolicyDetail(*draft)
		detail["policy"] = "draft"
	}
	if err != nil {
		detail["error"] = "failed"
	}
	// Recorded even when it failed: a run may have deleted part.
	if aerr := api.RecordLocal(ix, "cli", "", action, "", detail); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		if errors.Is(err, indexer.ErrBusy) {
			return fmt.Errorf("%w (another run holds it; wait for it to finish)", err)
		}
		return fmt.Errorf("%s: %w", strings.TrimPrefix(action, "retention."), err)
	}
	if *asJSON {
		return json.NewEncoder(io.out).Encode(rep)
	}
	printReport(io, rep)
	return nil
}

func retentionShow(ctx context.Context, ix *indexer.Indexer, io stdio, asJSON bool) error {
	pol, err := ix.RetentionPolicy(ctx)
	if err != nil {
		return fmt.Errorf("read retention policy: %w", err)
	}
	last, err := ix.LastRetention(ctx)
	if err != nil {
		return fmt.Errorf("read last retention run: %w", err)
	}
	if asJSON {
		return json.NewEncoder(io.out).Encode(map[string]any{"policy": pol, "last_run": last})
	}
	printPolicy(io, pol)
	if last == nil {
		fmt.Fprintln(io.out, "last run: none")
		return nil
	}
	fmt.Fprintf(io.out, "last run %s: ", last.Now.Format(time.RFC3339))
	printReport(io, *last)
	return nil
}

func days(n int) string {
	if n == 0 {
		return "forever"
	}
	return strconv.Itoa(n) + " days"
}

func printPolicy(io stdio, p model.RetentionPolicy) {
	fmt.Fprintf(io.out, "default: %s\nactivity feed: %s\n", days(p.DefaultDays), days(p.ActivityDays))
	for _, r := range p.Rules {
		fmt.Fprintf(io.out, "rule %s\n", api.FormatRule(r))
	}
	if !p.UpdatedAt.IsZero() {
		fmt.Fprintf(io.out, "updated %s by %s\n", p.UpdatedAt.Format(time.RFC3339), p.UpdatedBy)
	}
}

func printReport(io stdio, r indexer.RetentionReport) {
	verb := "deleted"
	if r.DryRun {
		verb = "would delete"
	}
	fmt.Fprintf(io.out, "%s %d messages, %d conversations, %d activity events; %d expired messages kept by legal holds\n",
		verb, r.Messages, r.Conversations, r.Activities, r.Held)
	if len(r.Months) == 0 {
		return
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MONTH\tMESSAGES\tCONVERSATIONS\tHELD")
	for _, m := range r.Months {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", m.Month, m.Messages, m.Conversations, m.Held)
	}
	tw.Flush()
}
