package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// TestAttackStateCollisions: -state naming a file the run reads or writes otherwise — the
// Harbor password file (flag or $HARBOR_PASSWORD_FILE, or a link to it), the
// -metrics-file — is refused (exit 2) before any request: the state would replace the
// password, or the metrics the state, at the end of the run. The password file is left
// as it was. Not parallel: it sets the environment.
func TestAttackStateCollisions(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", "admin")
	t.Setenv("HARBOR_PASSWORD", "")
	dir := t.TempDir()
	pw := filepath.Join(dir, "harbor-pw")
	link := filepath.Join(dir, "pw-link")
	prom := filepath.Join(dir, "sync.prom")
	if err := os.WriteFile(pw, []byte("SECRET-harbor\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pw, link); err != nil {
		t.Fatal(err)
	}
	base := []string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:1", "-plain-http"}
	tests := map[string]struct {
		args []string
		env  string // $HARBOR_PASSWORD_FILE
	}{
		"state is -harbor-password-file":   {[]string{"-harbor", "-harbor-password-file", pw, "-state", pw}, ""},
		"state is $HARBOR_PASSWORD_FILE":   {[]string{"-harbor", "-state", pw}, pw},
		"state links to the password file": {[]string{"-harbor", "-harbor-password-file", pw, "-state", link}, ""},
		"state is -metrics-file":           {[]string{"-state", prom, "-metrics-file", prom}, ""},
		"state is -metrics-file, unclean":  {[]string{"-state", prom, "-metrics-file", dir + "/./sync.prom"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Setenv("HARBOR_PASSWORD_FILE", tc.env)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			code := run(ctx, append(append([]string{}, base...), tc.args...), &out, &errOut)
			if code != exitUsage || strings.Contains(out.String()+errOut.String(), "SECRET") {
				t.Errorf("exit %d, want 2 and no secret:\n%s\n%s", code, out.String(), errOut.String())
			}
			if b, err := os.ReadFile(pw); err != nil || string(b) != "SECRET-harbor\n" {
				t.Errorf("the password file is now %q, %v", b, err)
			}
		})
	}
}

// TestAttackStateUnwritable: a -state that cannot be written (its lock is a directory:
// the tests run as root, so a mode cannot forbid it) does not fail the sync: it copies
// everything, exits 0, and says on stderr that the state was not recorded.
func TestAttackStateUnwritable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newStateEnv(t, ctx)
	state := filepath.Join(t.TempDir(), "state.json")
	if err := os.Mkdir(state+".lock", 0o700); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-src", e.src.Host, "-dst", e.dst.Host, "-plain-http", "-json", "-state", state}, &out, &errOut)
	if code != exitOK || !strings.Contains(errOut.String(), "not recording the sync state") {
		t.Errorf("exit %d, want 0 and the state said not recorded:\n%s", code, errOut.String())
	}
	jsontest.One(t, out.String())
	e.check(t, ctx)
}

// TestAttackJSONWhenNothingStarted: with -json, a run that ends before any item was
// planned — the source unreachable, or interrupted at once — still prints one JSON
// document (an empty report) and exits 1.
func TestAttackJSONWhenNothingStarted(t *testing.T) {
	t.Parallel()
	dst := testutil.NewGGCRRegistry(t, nil)
	for _, tc := range []struct {
		name        string
		cancelFirst bool
		extra       []string
	}{
		{"forbidden", false, nil},
		{"interrupted", true, nil},
		{"forbidden, shards", false, []string{"-shards", "2", "-shard", "0"}},
		{"forbidden, dry run", false, []string{"-dry-run"}},
	} {
		cancelFirst := tc.cancelFirst
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// A source that refuses every request: its catalog cannot be listed.
			src := testutil.NewGGCRRegistry(t, func(http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) })
			}).Host
			if cancelFirst {
				cancel()
			}
			var out, errOut bytes.Buffer
			code := run(ctx, append([]string{"-src", src, "-dst", dst.Host, "-plain-http", "-json"}, tc.extra...), &out, &errOut)
			if code != exitFailed {
				t.Errorf("exit %d, want 1:\n%s", code, errOut.String())
			}
			jsontest.One(t, out.String())
		})
	}
}

// TestAttackSecretInputs: a password in -src, -dst or -pushgateway, a password file
// ending in CRLF, $HARBOR_PASSWORD_FILE naming a missing file — nothing of the secret is
// printed. Not parallel: it sets the environment.
func TestAttackSecretInputs(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", "admin")
	t.Setenv("HARBOR_PASSWORD", "")
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		args []string
		env  string
	}{
		"src userinfo":         {[]string{"-src", "https://u:SECRET-x@127.0.0.1:1", "-dst", "127.0.0.1:1"}, ""},
		"dst userinfo":         {[]string{"-src", "127.0.0.1:1", "-dst", "u:SECRET-x@127.0.0.1:1"}, ""},
		"pushgateway userinfo": {[]string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:1", "-pushgateway", "http://u:SECRET-x@127.0.0.1:1"}, ""},
		"pushgateway bad url":  {[]string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:1", "-pushgateway", "http://u:SECRET-x%zz@127.0.0.1:1"}, ""},
		"missing _FILE":        {[]string{"-harbor", "-src", "127.0.0.1:1", "-dst", "127.0.0.1:1"}, filepath.Join(dir, "SECRET-nope")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("HARBOR_PASSWORD_FILE", tc.env)
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			if code != exitUsage {
				t.Errorf("exit %d, want 2:\n%s", code, errOut.String())
			}
			if tc.env == "" && strings.Contains(out.String()+errOut.String(), "SECRET") {
				t.Errorf("a secret was printed:\n%s\n%s", out.String(), errOut.String())
			}
		})
	}
}

// TestAttackStateIsDockerConfig: -state naming the Docker config the registries' logins
// come from ($DOCKER_CONFIG/config.json) is refused (exit 2): the state written at the end
// of the run would replace every registry credential. Not parallel: it sets the
// environment.
func TestAttackStateIsDockerConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	cfg := filepath.Join(dir, "config.json")
	const auths = `{"auths":{"127.0.0.1:1":{"auth":"dTpTRUNSRVQ="}}}`
	if err := os.WriteFile(cfg, []byte(auths), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a refusal is immediate
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-src", "127.0.0.1:1", "-dst", "127.0.0.1:1", "-state", cfg}, &out, &errOut)
	if code != exitUsage {
		t.Errorf("exit %d, want 2:\n%s", code, errOut.String())
	}
	if b, err := os.ReadFile(cfg); err != nil || string(b) != auths {
		t.Errorf("the Docker config is now %q, %v", b, err)
	}
}
