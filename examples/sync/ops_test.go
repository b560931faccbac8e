package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// exitCode tells a refusal by a safety check (3) from a failure (1).
func TestExitCode(t *testing.T) {
	conflict := mirror.Result{Outcome: "conflict", Err: mirror.ErrConflict}
	changed := mirror.Result{Outcome: "failed", Err: fmt.Errorf("pushing: %w", mirror.ErrTagChanged)}
	stale := mirror.Result{Outcome: "failed", Err: fmt.Errorf("x: %w", mirror.ErrStalePlan)}
	failed := mirror.Result{Outcome: "failed", Err: errors.New("boom")}
	canceled := mirror.Result{Outcome: "failed", Err: context.Canceled}
	ok := mirror.Result{Outcome: "copied", Verified: true}
	for _, tc := range []struct {
		name string
		rep  mirror.Report
		want int
	}{
		{"all verified", mirror.Report{Items: 1, Verified: 1, Results: []mirror.Result{ok}}, exitOK},
		{"conflict", mirror.Report{Items: 2, Verified: 1, Conflicts: 1, Results: []mirror.Result{ok, conflict}}, exitRefused},
		{"tag changed and stale plan", mirror.Report{Items: 2, Failed: 2, Results: []mirror.Result{changed, stale}}, exitRefused},
		{"conflict and a failure", mirror.Report{Items: 2, Failed: 1, Conflicts: 1, Results: []mirror.Result{conflict, failed}}, exitFailed},
		{"interrupted", mirror.Report{Items: 1, Failed: 1, Results: []mirror.Result{canceled}}, exitFailed},
		{"not verified, no error", mirror.Report{Items: 1, Results: []mirror.Result{{Outcome: "copied"}}}, exitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(&tc.rep); got != tc.want {
				t.Errorf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

// With -log-format json every stderr line is a JSON object (progress and complaints
// included), and stdout with -json is one JSON document.
func TestLogFormatJSON(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(9, 1<<10)
	for ref, img := range map[string]any{"a/b:v1": fx.Image("n", 1), "a/c:v1": fx.Image("c", 2)} {
		if err := testutil.Push(ctx, src.Host, ref, img); err != nil {
			t.Fatal(err)
		}
	}
	if err := testutil.Push(ctx, dst.Host, "a/c:v1", fx.Image("old", 3)); err != nil {
		t.Fatal(err)
	}
	base := []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-log-format", "json", "-log-level", "debug"}
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"dry run", []string{"-dry-run", "-json"}, exitOK},
		{"apply with a conflict", []string{"-json"}, exitRefused},
		{"apply, text results", nil, exitRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(ctx, append(append([]string{}, base...), tc.args...), &out, &errOut); code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, errOut.String())
			}
			var lines []string
			if errOut.Len() > 0 {
				lines = strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			}
			if tc.want != exitOK && len(lines) == 0 {
				t.Errorf("stderr is empty, want the conflict")
			}
			for _, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
					t.Errorf("stderr line is not a JSON log record: %q (%v)", l, err)
				}
			}
			if len(tc.args) > 0 && tc.args[len(tc.args)-1] == "-json" {
				dec := json.NewDecoder(&out)
				var doc map[string]any
				if err := dec.Decode(&doc); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
				}
				if dec.More() {
					t.Errorf("stdout holds more than one JSON document")
				}
			}
		})
	}
}

// Bad -log-level or -log-format values are bad usage.
func TestLogFlags(t *testing.T) {
	for _, args := range [][]string{{"-log-level", "loud"}, {"-log-format", "xml"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:2"}, args...), &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, errOut.String())
		}
	}
}

// Harbor's password comes from -harbor-password-file, $HARBOR_PASSWORD_FILE or
// $HARBOR_PASSWORD, in that order, a trailing newline trimmed.
func TestSecret(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile, envFile := file("flag", "from-flag-file\n"), file("env", "from-env-file\r\n")
	for _, tc := range []struct {
		name, flag, envFile, env, want string
	}{
		{"flag file first", flagFile, envFile, "from-env", "from-flag-file"},
		{"then $_FILE", "", envFile, "from-env", "from-env-file"},
		{"then the variable", "", "", "from-env", "from-env"},
		{"none", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("X_PASSWORD_FILE", tc.envFile)
			t.Setenv("X_PASSWORD", tc.env)
			got, err := cli.Secret("-x-password-file", tc.flag, "X_PASSWORD")
			if err != nil || got != tc.want {
				t.Errorf("secret = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A Harbor password file: used, trimmed; unreadable, exit 2 without the contents.
func TestHarborPasswordFile(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", harbortest.DefaultAdmin)
	t.Setenv("HARBOR_PASSWORD", "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hb := harbortest.New(harbortest.WithProject("test-project", false))
	hs := httptest.NewServer(spectest.Handler(t, hb)) // every API exchange held to Harbor's swagger
	t.Cleanup(func() { hs.Close(); hb.Close() })
	src := strings.TrimPrefix(hs.URL, "http://")
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(10, 1<<10)
	admin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	if err := testutil.PushAuth(ctx, src, "test-project/nginx:1", fx.Image("n", 1), admin); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(harbortest.DefaultPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-harbor", "-src", src, "-dst", dst.Host, "-plain-http"}
	for _, tc := range []struct {
		name    string
		args    []string
		envFile string
		want    int
	}{
		{"flag", []string{"-harbor-password-file", pw}, "", exitOK},
		{"environment", nil, pw, exitOK},
		{"missing file", []string{"-harbor-password-file", filepath.Join(dir, "nope")}, "", exitUsage},
		{"a directory", nil, dir, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HARBOR_PASSWORD_FILE", tc.envFile)
			var out, errOut bytes.Buffer
			code := run(ctx, append(append([]string{}, args...), tc.args...), &out, &errOut)
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, errOut.String())
			}
			if strings.Contains(out.String()+errOut.String(), harbortest.DefaultPassword) {
				t.Errorf("the password appears in the output")
			}
			if tc.want == exitUsage && !strings.Contains(errOut.String(), "unreadable secret file") {
				t.Errorf("stderr %q does not say the secret file is unreadable", errOut.String())
			}
		})
	}
}
