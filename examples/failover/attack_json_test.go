package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// wrongKeySecret is the secret of an AccessKey an emulator knows and the command does
// not use: it must not show either.
const wrongKeySecret = "other-SECRET-json-never-printed-8d21"

// withFlag is args with flag's value replaced by v (or added).
func withFlag(args []string, flag, v string) []string {
	args = slices.Clone(args)
	if i := slices.Index(args, flag); i >= 0 {
		args[i+1] = v
		return args
	}
	return append(args, flag, v)
}

// TestAttackJSONFailures: plan, apply, failback and drill with -json, failing after the
// flags were accepted — the PrivateZone API unreachable or answering 500, a wrong
// AccessKey (401), Harbor's API answering 500 under -rpo, a safety check's refusal (ACR EE
// down, nothing to fail back, no -yes), a context cancelled at once — print exactly one
// JSON document on stdout, exit with the documented status, and print no secret. watch
// has no -json: the flag is bad usage (exit 2), stdout empty.
func TestAttackJSONFailures(t *testing.T) {
	t.Parallel()
	// noVerify is w.cmd(name) without the flags of a command that writes.
	noVerify := func(w *world, name string) []string {
		var a []string
		c := w.cmd(name)
		for i := 0; i < len(c); i++ {
			if c[i] == "-verify-timeout" || c[i] == "-verify-interval" {
				i++
				continue
			}
			a = append(a, c[i])
		}
		return a
	}
	drillArgs := func(w *world) []string {
		return append(noVerify(w, "drill"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-primary", harborIP,
			"-instance", acrtest.DefaultInstanceID, "-resolver", w.vpcResolver, "-projects", "library", "-namespace", "acr-ns",
			"-journal", w.journal(), "-json")
	}
	commands := map[string]func(w *world) []string{
		"plan": func(w *world) []string {
			return append(noVerify(w, "plan"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
				"-primary", harborIP, "-instance", acrtest.DefaultInstanceID, "-resolver", w.vpcResolver, "-json")
		},
		"apply": func(w *world) []string {
			return w.solutionA("-journal", w.journal(), "-reason", "harbor down", "-yes", "-json")
		},
		"failback": func(w *world) []string {
			return append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
				"-journal", w.journal(), "-json", "-yes")
		},
		"drill": drillArgs,
	}
	type failure struct {
		name      string
		prepare   func(t *testing.T, w *world, args []string) []string
		cancelled bool
		code      map[string]int // by command; missing: exitFailed
	}
	failures := []failure{
		{name: "pvtz unreachable", prepare: func(t *testing.T, _ *world, a []string) []string {
			return withFlag(a, "-pvtz-api", "http://"+testutil.ClosedAddr(t))
		}},
		{name: "pvtz 500", prepare: func(t *testing.T, _ *world, a []string) []string {
			return withFlag(a, "-pvtz-api", "http://"+testutil.StatusAddr(t, http.StatusInternalServerError))
		}},
		{name: "wrong access key", prepare: func(t *testing.T, _ *world, a []string) []string {
			other := dnstest.NewPrivateZone(dnstest.WithAccessKey("LTAI-someone-else", wrongKeySecret))
			other.AddZone(zoneName, vpcB)
			return withFlag(a, "-pvtz-api", "http://"+other.Start(t))
		}},
		{name: "acr-ee down", prepare: func(_ *testing.T, w *world, a []string) []string {
			w.harborDown.Store(true)
			w.acrDown.Store(true)
			return a
		}, code: map[string]int{"plan": exitRefused, "apply": exitRefused, "failback": exitRefused, "drill": exitFailed}},
		{name: "cancelled", cancelled: true},
	}
	type tc struct {
		name    string
		args    func(w *world) []string
		prepare func(t *testing.T, w *world, args []string) []string
		cancel  bool
		code    int
	}
	var cases []tc
	for cmdName, args := range commands {
		for _, f := range failures {
			code, ok := f.code[cmdName]
			if !ok {
				code = exitFailed
			}
			if cmdName == "failback" && f.name == "acr-ee down" {
				// failback's refusal: the journal holds no failover to undo.
				code = exitRefused
			}
			cases = append(cases, tc{cmdName + "/" + f.name, args, f.prepare, f.cancelled, code})
		}
	}
	cases = append(cases,
		tc{name: "plan/rpo, harbor api 500", args: commands["plan"], prepare: func(t *testing.T, w *world, a []string) []string {
			w.harborDown.Store(true)
			return append(withFlag(a, "-harbor", "http://"+testutil.StatusAddr(t, http.StatusInternalServerError)),
				"-rpo", "1h", "-projects", "library", "-namespace", "acr-ns", "-harbor-password-file", writeSecretFile(t, harborSecret))
		}, code: exitFailed},
		tc{name: "apply/no -yes", args: func(w *world) []string {
			w.harborDown.Store(true)
			return w.solutionA("-journal", w.journal(), "-json")
		}, code: exitRefused},
		tc{name: "failback/nothing to fail back", args: commands["failback"], code: exitRefused},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			args := c.args(w)
			if c.prepare != nil {
				args = c.prepare(t, w, args)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if c.cancel {
				cancel()
			}
			var out, errOut bytes.Buffer
			code := run(ctx, args, &out, &errOut)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, errOut.String())
			}
			jsontest.One(t, out.String())
			for _, s := range []string{keySecret, harborSecret, wrongKeySecret} {
				if strings.Contains(out.String()+errOut.String(), s) {
					t.Errorf("a secret was printed:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
				}
			}
		})
	}
	t.Run("watch -json", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		args := append(w.watchArgs(), "-json")
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if code := run(ctx, args, &out, &errOut); code != exitUsage || out.Len() != 0 {
			t.Errorf("watch -json: exit %d, stdout %q; want 2 and nothing", code, out.String())
		}
	})
}

// writeSecretFile is a file holding secret, for a -…-password-file flag.
func writeSecretFile(t *testing.T, secret string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAttackReverseJSONFailures: reverse -json failing after the flags were accepted — a
// wrong Harbor password (401), the ACR OpenAPI unreachable or answering 500, a context
// cancelled at once, a refusal (no -yes) — prints exactly one JSON document, its error
// included, exits with the documented status, and prints no secret. Not parallel: it
// sets the environment.
func TestAttackReverseJSONFailures(t *testing.T) {
	const wrongHarbor = "wrong-harbor-SECRET-json-61b0"
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	for _, tc := range []struct {
		name      string
		args      []string
		cancelled bool
		code      int
	}{
		{"wrong harbor password", w.reverseArgs("-json", "-yes", "-harbor-password-file", writeSecretFile(t, wrongHarbor)), false, exitFailed},
		{"openapi unreachable", withFlag(w.reverseArgs("-json", "-yes"), "-acr-api", "http://"+testutil.ClosedAddr(t)), false, exitFailed},
		{"openapi 500", withFlag(w.reverseArgs("-json", "-yes"), "-acr-api", "http://"+testutil.StatusAddr(t, http.StatusInternalServerError)), false, exitFailed},
		{"cancelled", w.reverseArgs("-json", "-yes"), true, exitFailed},
		{"no -yes", w.reverseArgs("-json"), false, exitRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(strings.Join(tc.args, " "), "-harbor-password-file") {
				t.Setenv("HARBOR_PASSWORD", "")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			var out, errOut bytes.Buffer
			code := run(ctx, tc.args, &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut.String())
			}
			jsontest.One(t, out.String())
			for _, s := range []string{keySecret, harborSecret, wrongHarbor} {
				if strings.Contains(out.String()+errOut.String(), s) {
					t.Errorf("a secret was printed:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
				}
			}
		})
	}
}
