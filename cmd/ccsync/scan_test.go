package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func scanCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"scan"}, args...), stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestScanCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("line one\nkey AKIAUHJ4AOXKNP3M4L5V here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "scan.json")
	if err := os.WriteFile(cfg, []byte(`{"disable": ["email"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badCfg, []byte(`{"rules": [{"name": "x", "type": "t", "severity": "low", "regex": "("}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		stdin     string
		args      []string
		code      int
		out, errs string
	}{
		{"stdin text", "mail ana@acme-corp.com\n", nil, 0, "<stdin>:1:6: medium email email a•••@acme-corp.com (bytes 5-22)\n", ""},
		{"file text", "", []string{file}, 0, file + ":2:5: critical aws_access_key aws-access-key-id AKIA••••••••••••4L5V (bytes 13-33)\n", ""},
		{"jsonl", "{\"text\":\"ana@acme-corp.com\"}\nnope\n", []string{"--jsonl"}, 0,
			`{"findings":[{"type":"email","start":0,"end":17,"severity":"medium","rule":"email"}]}` + "\n" +
				`{"error":"line 2: invalid JSON near byte offset 2"}` + "\n", ""},
		{"config disables", "mail ana@acme-corp.com\n", []string{"--config", cfg}, 0, "", ""},
		{"bad config", "", []string{"--config", badCfg}, 1, "", `rules[0] "x": regex`},
		{"missing file", "", []string{filepath.Join(dir, "nope.txt")}, 1, "", "no such file"},
		{"bad flag", "", []string{"--nope"}, 2, "", "Usage: ccsync scan"},
		{"explain shows what was dropped and why", "key AKIAIOSFODNN7EXAMPLE and AKIAUHJ4AOXKNP3M4L5V\n", []string{"--explain"}, 0,
			"<stdin>:1:5: suppressed aws_access_key aws-access-key-id by placeholder:word:example AKIA••••••••••••MPLE (bytes 4-24)\n" +
				"<stdin>:1:30: critical aws_access_key aws-access-key-id AKIA••••••••••••4L5V (bytes 29-49)\n", ""},
		{"explain is for plain text", "", []string{"--explain", "--jsonl"}, 2, "", "--explain is for plain text"},
		{"jsonl carries attributes", "{\"text\":\"card 4242 4242 4242 4242\"}\n", []string{"--jsonl"}, 0,
			`{"findings":[{"type":"credit_card","start":5,"end":24,"severity":"low","rule":"credit-card-test-number","attrs":["test-number"]}]}` + "\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := scanCLI(t, tc.stdin, tc.args...)
			if code != tc.code || out != tc.out || !strings.Contains(errs, tc.errs) {
				t.Errorf("code %d, stdout %q, stderr %q; want %d, %q, stderr containing %q", code, out, errs, tc.code, tc.out, tc.errs)
			}
		})
	}
}
