package mirror_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// TestEchoedCredentialsHidden: a registry (or a proxy in front of it) that quotes the
// request it refuses — the Authorization header, the passwords, a bearer token — in a
// JSON error or a text/plain body gets none of it into the error, the report or its JSON;
// the registry's error code is kept, its message withheld.
func TestEchoedCredentialsHidden(t *testing.T) {
	t.Parallel()
	const (
		srcPass = "src-Pa55word-echo"
		dstPass = "dst-Pa55word-echo"
	)
	for _, tc := range []struct {
		name string
		dest bool // the destination (token auth) echoes, else the source (Basic auth)
		text bool // a text/plain body, else a JSON error
		echo func(auth string) string
	}{
		{"source echoes the passwords", false, false, func(string) string { return "denied for " + srcPass + " and " + dstPass }},
		{"source echoes the Basic header", false, false, func(a string) string { return "denied (auth " + a + ")" }},
		{"source echoes the Basic pair in base64 alone", false, false, func(a string) string { return "denied: " + strings.TrimPrefix(a, "Basic ") }},
		{"source echoes the Basic pair decoded", false, false, func(a string) string {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "Basic "))
			return "denied for " + string(b)
		}},
		{"source echoes in text/plain", false, true, func(a string) string { return "denied " + a + " " + srcPass }},
		{"destination echoes the bearer token", true, false, func(a string) string { return "denied; token=" + strings.TrimPrefix(a, "Bearer ") }},
		{"destination echoes the token bare", true, false, func(a string) string {
			return "denied " + strings.TrimPrefix(a, "Bearer ") + " " + dstPass + " " + srcPass
		}},
		{"destination echoes in text/plain", true, true, func(a string) string { return "denied " + a + " " + dstPass }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var sent []string // the Authorization headers the echoes quoted
			echo := func(when func(*http.Request) bool) func(http.Handler) http.Handler {
				return func(h http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						a := r.Header.Get("Authorization")
						if !when(r) || a == "" {
							h.ServeHTTP(w, r)
							return
						}
						mu.Lock()
						sent = append(sent, a, strings.TrimPrefix(strings.TrimPrefix(a, "Basic "), "Bearer "))
						mu.Unlock()
						msg := tc.echo(a)
						if tc.text {
							w.Header().Set("Content-Type", "text/plain")
							w.WriteHeader(http.StatusForbidden)
							fmt.Fprint(w, msg)
							return
						}
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusForbidden)
						json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": msg}}})
					})
				}
			}
			manifest := func(method string) func(*http.Request) bool {
				return func(r *http.Request) bool { return r.Method == method && strings.Contains(r.URL.Path, "/manifests/") }
			}
			tok := &testutil.TokenAuth{User: "robot", Password: dstPass}
			srcWrap := func(h http.Handler) http.Handler { return basicAuth("reader", srcPass)(h) }
			dstWrap := tok.Wrap
			if tc.dest {
				dstWrap = func(h http.Handler) http.Handler { return echo(manifest(http.MethodPut))(tok.Wrap(h)) }
			} else {
				srcWrap = func(h http.Handler) http.Handler {
					return echo(manifest(http.MethodGet))(basicAuth("reader", srcPass)(h))
				}
			}
			src := testutil.NewGGCRRegistry(t, srcWrap)
			dst := testutil.NewGGCRRegistry(t, dstWrap)
			fx := testutil.NewFixture(21, 1<<10)
			if err := testutil.PushAuth(testCtx(t), src.Host, "a/b:1", fx.Image("a", 1), &authn.Basic{Username: "reader", Password: srcPass}); err != nil {
				t.Fatal(err)
			}
			s, err := mirror.New(
				mirror.Endpoint{PlainHTTP: true, Registry: src.Host, Auth: &authn.Basic{Username: "reader", Password: srcPass}},
				mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: dstPass}},
				mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := testCtx(t)
			seen := []any{}
			p, err := s.Plan(ctx)
			seen = append(seen, p, err)
			if err == nil {
				rep, aerr := s.Apply(ctx, p)
				seen = append(seen, rep, aerr)
				err = aerr
			}
			if err == nil {
				t.Fatal("Plan and Apply succeeded, want the echoing registry's refusal")
			}
			mu.Lock()
			secrets := append([]string{srcPass, dstPass}, sent...)
			mu.Unlock()
			if len(sent) == 0 {
				t.Fatal("the registry echoed nothing")
			}
			for i, v := range seen {
				if v == nil || v == error(nil) {
					continue
				}
				b, _ := json.Marshal(v)
				for _, out := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(b)} {
					for _, sec := range secrets {
						if strings.Contains(out, sec) {
							t.Errorf("value %d (%T) shows %q: %s", i, v, sec, out)
						}
					}
				}
			}
			var he *mirror.HTTPError
			if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
				t.Fatalf("error = %v, want an *HTTPError with status 403", err)
			}
			if tc.text {
				return
			}
			if he.Code != "DENIED" || he.Message != "[REDACTED]" {
				t.Errorf("HTTPError code %q, message %q: want DENIED, the message withheld", he.Code, he.Message)
			}
		})
	}
}
