package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/jsontest"
)

// setFlag is args with flag's value replaced by v.
func setFlag(args []string, flag, v string) []string {
	args = slices.Clone(args)
	args[slices.Index(args, flag)+1] = v
	return args
}

// TestAttackJSONFailures: -json, with -dry-run, with -yes and without either, in runs
// that fail after the flags were accepted — Harbor unreachable or answering 500, a wrong
// Harbor or ACR EE password (401), a wrong AccessKey secret, the ACR OpenAPI unreachable,
// a context cancelled at once — and the refusal without -yes: stdout is exactly one JSON
// document, the exit status the documented one, and no secret is printed. Not parallel:
// it sets the environment.
func TestAttackJSONFailures(t *testing.T) {
	e := newEnv(t)
	const wrong = "wrong-S3cret-json-a7c3"
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	type failure struct {
		name      string
		args      func([]string) []string
		env       map[string]string
		cancelled bool
	}
	failures := []failure{
		{name: "harbor unreachable", args: func(a []string) []string { return setFlag(a, "-harbor", closed.URL) }},
		{name: "harbor 500", args: func(a []string) []string { return setFlag(a, "-harbor", failing.URL) }},
		{name: "harbor wrong password", env: map[string]string{envHarborPassword: wrong}},
		{name: "acr wrong password", env: map[string]string{envACRPassword: wrong}},
		{name: "access key secret wrong", env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": wrong}},
		{name: "openapi unreachable", args: func(a []string) []string {
			return setFlag(a, "-acr-api", "http://"+closed.Listener.Addr().String())
		}},
		{name: "cancelled", cancelled: true},
	}
	for _, mode := range []struct {
		name  string
		extra []string
	}{{"dry-run", []string{"-dry-run"}}, {"yes", []string{"-yes"}}, {"no -yes", nil}} {
		for _, f := range failures {
			t.Run(mode.name+"/"+f.name, func(t *testing.T) {
				for k, v := range f.env {
					t.Setenv(k, v)
				}
				args := e.args(append([]string{"-json"}, mode.extra...)...)
				if f.args != nil {
					args = f.args(args)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				if f.cancelled {
					cancel()
				}
				var out, errOut syncBuffer
				r := result{runWith(ctx, args, &out, &errOut, hooks{}), "", ""}
				r.out, r.errOut = out.String(), errOut.String()
				if r.code != exitFailed {
					t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.errOut)
				}
				jsontest.One(t, r.out)
				assertNoSecrets(t, r)
				if strings.Contains(r.out+r.errOut, wrong) {
					t.Errorf("the wrong secret was printed:\n%s\n%s", r.out, r.errOut)
				}
			})
		}
	}
	t.Run("no -yes/refused", func(t *testing.T) {
		r := runT(t, e.args("-json"), hooks{})
		if r.code != exitRefused {
			t.Errorf("exit %d, want 3; stderr:\n%s", r.code, r.errOut)
		}
		jsontest.One(t, r.out)
	})
	if n := e.writes(); n != 0 {
		t.Errorf("the failed and refused runs wrote %d times", n)
	}
}
