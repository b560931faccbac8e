package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// TestAttackJSONFailures: with -json, forward and -reverse, a check that fails after the
// flags were parsed — Harbor or the ACR OpenAPI unreachable, Harbor answering 500, a wrong
// Harbor password or AccessKey secret (401), a context cancelled at once, a tampered
// -journal (refused) — prints exactly one JSON document on stdout (an empty report), exits
// with the documented status, and prints no secret. Not parallel: it sets the environment.
func TestAttackJSONFailures(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	const wrong = "wrong-S3cret-json-5d2a"
	args := func(harborURL, acrAPI string, extra ...string) []string {
		return append([]string{"-harbor", harborURL, "-projects", "library", "-namespace", "dr-ns",
			"-instance", acrtest.DefaultInstanceID, "-region", acrtest.DefaultRegion, "-acr-endpoint", acrAPI, "-json"}, extra...)
	}
	tampered := journalWith(t, map[string]string{"library/nginx": "dr-ns/nginx"})
	b, err := os.ReadFile(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, bytes.ReplaceAll(b, []byte(`"library/nginx"`), []byte(`"library/evil"`)), 0o600); err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name      string
		harbor    string // -harbor URL; empty: the world's
		acrAPI    string // -acr-endpoint; empty: the world's
		env       map[string]string
		cancelled bool
		extra     []string
		code      int
	}
	var cases []tc
	for _, mode := range []struct {
		name  string
		extra []string
	}{{"forward", nil}, {"reverse", []string{"-reverse"}}} {
		for _, c := range []tc{
			{name: "harbor unreachable", harbor: "http://" + testutil.ClosedAddr(t), code: exitFailed},
			{name: "openapi unreachable", acrAPI: "http://" + testutil.ClosedAddr(t), code: exitFailed},
			{name: "harbor 500", harbor: "http://" + testutil.StatusAddr(t, http.StatusInternalServerError), code: exitFailed},
			{name: "harbor wrong password", env: map[string]string{envHarborPassword: wrong}, code: exitFailed},
			{name: "access key secret wrong", env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": wrong}, code: exitFailed},
			{name: "cancelled", cancelled: true, code: exitFailed},
		} {
			c.name = mode.name + "/" + c.name
			c.extra = mode.extra
			cases = append(cases, c)
		}
	}
	cases = append(cases, tc{name: "reverse/tampered journal", extra: []string{"-reverse", "-journal", tampered}, code: exitRefused})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			h, api := c.harbor, c.acrAPI
			if h == "" {
				h = w.harborURL
			}
			if api == "" {
				api = w.acrAPI
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if c.cancelled {
				cancel()
			}
			var out, errOut bytes.Buffer
			code := run(ctx, args(h, api, c.extra...), &out, &errOut)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, errOut.String())
			}
			jsontest.One(t, out.String())
			for _, s := range append(secrets, wrong) {
				if strings.Contains(out.String()+errOut.String(), s) {
					t.Errorf("a secret was printed:\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
				}
			}
			if errOut.Len() == 0 {
				t.Error("nothing on stderr says what failed")
			}
		})
	}
}
