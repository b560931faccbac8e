package acr_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/retry"
)

// TestOpenAPIRedirectNotFollowed: a redirect from the cr OpenAPI endpoint is not followed.
// net/http re-sends every custom header on a redirect, whatever the host and scheme — the
// STS token (x-acs-security-token) and AccessKey ID included — and the Authorization
// signature to the same host name on any port or scheme. The OpenAPI never redirects.
func TestOpenAPIRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	const token = "STS-t0ken-secret"
	for _, tc := range []struct{ name, targetAddr string }{
		{"another port", "127.0.0.1:0"},
		{"another host", "127.0.0.2:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var reached []string
			target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				reached = append(reached, r.Method+" "+r.URL.Path+" token="+r.Header.Get("x-acs-security-token"))
				mu.Unlock()
				http.Error(w, "not the OpenAPI", http.StatusInternalServerError)
			}))
			l, err := net.Listen("tcp", tc.targetAddr)
			if err != nil {
				t.Skipf("cannot listen on %s: %v", tc.targetAddr, err)
			}
			target.Listener = l
			target.Start()
			t.Cleanup(target.Close)
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(api.Close)

			c, err := acr.New(acr.Config{InstanceID: "cri-test", Cloud: alicloud.Config{
				Endpoint: strings.TrimPrefix(api.URL, "http://"), Insecure: true, Retry: retry.Policy{Attempts: 1},
				Credentials: &alicloud.Credentials{AccessKeyID: "LTAI-test", AccessKeySecret: "secret", SecurityToken: token},
			}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetAuthorizationToken(ctxT(t))
			if err == nil || !strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), token) {
				t.Errorf("GetAuthorizationToken() = %v, want an error that names the redirect (and not the token)", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reached) != 0 {
				t.Errorf("the redirect target received %q", reached)
			}
		})
	}
}
