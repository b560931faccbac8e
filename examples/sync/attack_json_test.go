package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// answerAll is a registry wrapper that answers every request with code.
func answerAll(code int) func(http.Handler) http.Handler {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
	}
}

// TestAttackJSONFailures: -json, with and without -dry-run, in runs that fail after the
// flags were accepted — the source or the destination unreachable, answering 500 or 401,
// Harbor refusing the password (-harbor), a destination tag holding another digest (a
// refusal), a context cancelled at once — prints exactly one JSON document on stdout,
// exits with the documented status, and prints no secret. A registry unreachable or
// answering 500 is retried until the run's deadline (2s here) ends it, as SIGTERM would:
// exit 1 too. Not parallel: it sets the environment.
func TestAttackJSONFailures(t *testing.T) {
	const harborSecret, wrongSecret = "harbor-SECRET-sync-json-19ce", "wrong-SECRET-sync-json-7b42"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fx := testutil.NewFixture(8, 1<<10)
	src := testutil.NewGGCRRegistry(t, nil)
	if err := testutil.Push(ctx, src.Host, "a/b:v1", fx.Image("new", 1)); err != nil {
		t.Fatal(err)
	}
	conflicting := testutil.NewGGCRRegistry(t, nil)
	if err := testutil.Push(ctx, conflicting.Host, "a/b:v1", fx.Image("old", 2)); err != nil {
		t.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	down := strings.TrimPrefix(closed.URL, "http://")
	failing := testutil.NewGGCRRegistry(t, answerAll(http.StatusInternalServerError))
	refusing := testutil.NewGGCRRegistry(t, answerAll(http.StatusUnauthorized))

	hb := harbortest.New(harbortest.WithAdmin("admin", harborSecret), harbortest.WithProject("test-project", false))
	hs := httptest.NewServer(spectest.Handler(t, hb))
	t.Cleanup(func() { hs.Close(); hb.Close() })
	harborHost := strings.TrimPrefix(hs.URL, "http://")
	if err := testutil.PushAuth(ctx, harborHost, "test-project/nginx:1", fx.Image("n", 3), &authn.Basic{Username: "admin", Password: harborSecret}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HARBOR_USERNAME", "admin")
	t.Setenv("HARBOR_PASSWORD_FILE", "")

	for _, tc := range []struct {
		name        string
		args        []string
		harborPW    string // $HARBOR_PASSWORD
		cancelled   bool
		retried     bool // the failure is retried until the run's deadline, which ends it
		code, dryRn int  // exit statuses without and with -dry-run
	}{
		{name: "source unreachable", retried: true, args: []string{"-src", down, "-dst", conflicting.Host}, code: exitFailed, dryRn: exitFailed},
		{name: "destination unreachable", retried: true, args: []string{"-src", src.Host, "-dst", down}, code: exitFailed, dryRn: exitFailed},
		{name: "source 500", retried: true, args: []string{"-src", failing.Host, "-dst", conflicting.Host}, code: exitFailed, dryRn: exitFailed},
		{name: "destination 500", retried: true, args: []string{"-src", src.Host, "-dst", failing.Host}, code: exitFailed, dryRn: exitFailed},
		{name: "source 401", args: []string{"-src", refusing.Host, "-dst", conflicting.Host}, code: exitFailed, dryRn: exitFailed},
		{name: "destination 401", args: []string{"-src", src.Host, "-dst", refusing.Host}, code: exitFailed, dryRn: exitFailed},
		{name: "harbor wrong password", args: []string{"-src", harborHost, "-dst", conflicting.Host, "-harbor"}, harborPW: wrongSecret, code: exitFailed, dryRn: exitFailed},
		{name: "conflict refused", args: []string{"-src", src.Host, "-dst", conflicting.Host}, code: exitRefused, dryRn: exitOK},
		{name: "cancelled", args: []string{"-src", src.Host, "-dst", conflicting.Host}, cancelled: true, code: exitFailed, dryRn: exitFailed},
	} {
		for _, dry := range []bool{false, true} {
			name, want := tc.name, tc.code
			if dry {
				name, want = tc.name+", dry run", tc.dryRn
			}
			t.Run(name, func(t *testing.T) {
				t.Setenv("HARBOR_PASSWORD", cmpOr(tc.harborPW, harborSecret))
				args := append([]string{"-plain-http", "-json"}, tc.args...)
				if dry {
					args = append(args, "-dry-run")
				}
				deadline := 60 * time.Second
				if tc.retried {
					deadline = 2 * time.Second
				}
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				defer cancel()
				if tc.cancelled {
					cancel()
				}
				var out, errOut bytes.Buffer
				if code := run(ctx, args, &out, &errOut); code != want {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, want, errOut.String())
				}
				jsontest.One(t, out.String())
				for _, s := range []string{harborSecret, wrongSecret} {
					if strings.Contains(out.String()+errOut.String(), s) {
						t.Errorf("a secret was printed:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
					}
				}
			})
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
