package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runUserCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestUserCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		out, err    string
	}{
		{"add generated", "", []string{"user", "add", "--data", dir, "--role", "admin", "boss"}, 0, "password for boss: ", ""},
		{"add from stdin", "stdin-password-123\n", []string{"user", "add", "--data", dir, "--password-stdin", "audrey"}, 0, "ok: audrey", ""},
		{"duplicate", "", []string{"user", "add", "--data", dir, "audrey"}, 1, "", "already exists"},
		{"bad role", "", []string{"user", "add", "--data", dir, "--role", "king", "x"}, 1, "", `role must be "admin" or "auditor"`},
		{"weak password", "short\n", []string{"user", "passwd", "--data", dir, "--password-stdin", "audrey"}, 1, "", "at least 12"},
		{"passwd unknown", "", []string{"user", "passwd", "--data", dir, "ghost"}, 1, "", "no such account"},
		{"passwd", "another-password-456\n", []string{"user", "passwd", "--data", dir, "--password-stdin", "audrey"}, 0, "ok: audrey", ""},
		{"list", "", []string{"user", "list", "--data", dir}, 0, "audrey  auditor", ""},
		{"no subcommand", "", []string{"user"}, 2, "", "Usage"},
		{"unknown subcommand", "", []string{"user", "rm", "x"}, 2, "", "unknown subcommand"},
		{"missing name", "", []string{"user", "add", "--data", dir}, 2, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runUserCLI(t, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("code %d, stdout %q, stderr %q; want %d, %q, %q", code, out, errs, tc.code, tc.out, tc.err)
			}
		})
	}
}

func TestDefaultOrigin(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"localhost:9000", "http://localhost:9000"},
		{"[::1]:8080", "http://[::1]:8080"},
		{":8080", ""},
		{"0.0.0.0:8080", ""},
		{"nonsense", ""},
	} {
		got, err := defaultOrigin(tc.addr)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("defaultOrigin(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
}
