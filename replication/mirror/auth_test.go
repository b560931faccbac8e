package mirror_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// basicAuth guards a registry with a password, the way a private registry does.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestAuthenticatesAndKeepsSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Passw0rd"
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, basicAuth("robot", secret))
	fx := testutil.NewFixture(11, 1<<10)
	if err := testutil.Push(testCtx(t), src.Host, "a/b:1", fx.Image("a", 1)); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)

	// Wrong password: the plan fails on the destination listing, without retrying and
	// without the password in the error.
	bad, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: src.Host},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: "wrong-" + secret}},
		mirror.Options{Clock: &testutil.ImmediateClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Plan(ctx); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Plan with a wrong password: %v", err)
	}

	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: src.Host},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: secret}},
		mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply = %v, %v", rep, err)
	}
	for _, v := range []any{p, rep} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) || strings.Contains(p.String()+rep.String(), secret) {
			t.Errorf("secret in %T", v)
		}
	}
}

func TestTokenAuthOneScopedTokenPerRepository(t *testing.T) {
	t.Parallel()
	srcAuth := &testutil.TokenAuth{User: "reader", Password: "r-secret"}
	dstAuth := &testutil.TokenAuth{User: "robot", Password: "w-secret"}
	src := testutil.NewDistribution(t, testutil.DistributionOptions{}, srcAuth.Wrap)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, dstAuth.Wrap)
	fx := testutil.NewFixture(12, 1<<10)
	ctx := testCtx(t)
	refs := map[string]any{}
	for i := range 6 {
		refs[fmt.Sprintf("t/r%d:v1", i)] = fx.Image(fmt.Sprint(i), 1, 2+i) // layer 1 shared: mounts
	}
	for ref, img := range refs {
		if err := testutil.PushAuth(ctx, src.Host, ref, img, &authn.Basic{Username: "reader", Password: "r-secret"}); err != nil {
			t.Fatal(err)
		}
	}
	pushed := len(srcAuth.Issued())
	s, err := mirror.New(
		mirror.Endpoint{PlainHTTP: true, Registry: src.Host, Auth: &authn.Basic{Username: "reader", Password: "r-secret"}},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: "w-secret"}},
		mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply = %v, %v", rep, err)
	}
	if rep.BlobsMounted == 0 {
		t.Errorf("no mounts through token auth: %v", rep)
	}
	for side, issued := range map[string][][]string{"source": srcAuth.Issued()[pushed:], "destination": dstAuth.Issued()} {
		for _, scopes := range issued {
			// Its own repository, plus the one a mount reads from.
			if len(scopes) > 3 {
				t.Errorf("%s token asked for %d scopes %v: scopes must not pile up", side, len(scopes), scopes)
			}
		}
		// One per repository, one more when a mount first needs another repository's.
		if len(issued) > 3*len(refs)+1 {
			t.Errorf("%s issued %d tokens for %d repositories", side, len(issued), len(refs))
		}
	}
}

// realmRecorder answers for the token realm's host (a .invalid name: never dialled) with
// the token "tok", and records the scheme and Authorization header of each request to it;
// every other request goes to rt.
type realmRecorder struct {
	rt    http.RoundTripper
	host  string
	mu    sync.Mutex
	calls []string // scheme + " " + Authorization header
}

func (r *realmRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Hostname() != r.host {
		return r.rt.RoundTrip(req)
	}
	r.mu.Lock()
	r.calls = append(r.calls, req.URL.Scheme+" "+req.Header.Get("Authorization"))
	r.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"token":"tok"}`)), Request: req}, nil
}

func (r *realmRecorder) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// A registry whose Bearer challenge names a plain-HTTP token realm off loopback gets no
// password sent there in clear — whether the registry itself is on HTTPS or on loopback over
// HTTP (kubectl port-forward to a Harbor whose realm is its external http:// URL): Plan
// fails with ErrPlainHTTPCredentials before the token request, unless the endpoint sets
// AllowPlainHTTPCredentials.
func TestRefusesCleartextTokenRealm(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-P@ss"
	for _, tc := range []struct {
		name  string
		tls   bool
		realm string
		allow bool
	}{
		{"https registry, http realm elsewhere", true, "auth.invalid", false},
		{"loopback http registry, http realm off loopback", false, "harbor.corp.invalid", false},
		{"allowed", false, "harbor.corp.invalid", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+tc.realm+`/service/token",service="harbor-registry"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				reg.ServeHTTP(w, r)
			})
			var srv *httptest.Server
			var base http.RoundTripper = http.DefaultTransport
			scheme := "http://"
			if tc.tls {
				srv = httptest.NewTLSServer(h)
				base, scheme = srv.Client().Transport, "https://"
			} else {
				srv = httptest.NewServer(h)
			}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			t.Cleanup(srv.Close)
			dst := testutil.NewGGCRRegistry(t, nil)
			rec := &realmRecorder{rt: base, host: tc.realm}
			s, err := mirror.New(
				mirror.Endpoint{Registry: scheme + srv.Listener.Addr().String(), Transport: rec,
					Auth: &authn.Basic{Username: "admin", Password: secret}, AllowPlainHTTPCredentials: tc.allow},
				mirror.Endpoint{Registry: "http://" + dst.Host},
				mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, perr := s.Plan(testCtx(t))
			calls := rec.recorded()
			if tc.allow {
				if perr != nil || len(calls) == 0 {
					t.Fatalf("Plan with AllowPlainHTTPCredentials = %v, realm calls %q; want a token fetched", perr, calls)
				}
				return
			}
			if !errors.Is(perr, mirror.ErrPlainHTTPCredentials) {
				t.Errorf("Plan = %v, want ErrPlainHTTPCredentials", perr)
			}
			if len(calls) > 0 {
				t.Errorf("requests sent to the plain-HTTP realm %s: %q", tc.realm, calls)
			}
			if perr != nil && strings.Contains(perr.Error(), secret) {
				t.Errorf("error shows the password: %v", perr)
			}
		})
	}
}
