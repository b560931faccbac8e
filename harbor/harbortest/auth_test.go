package harbortest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

const (
	devName     = "dev"
	devPassword = "dev-S3cret-pw"
)

// authEnv is a Harbor with a private project "secret", a user dev, and an
// image library/nginx:1 and secret/app:1.
type authEnv struct {
	srv   *harbortest.Server
	ts    *httptest.Server
	clock *clocktest.Fake
}

func newAuthEnv(t *testing.T, opts ...harbortest.Option) *authEnv {
	t.Helper()
	clock := clocktest.NewFake(time.Time{})
	opts = append([]harbortest.Option{harbortest.WithClock(clock), harbortest.WithProject("secret", false),
		harbortest.WithUser(devName, devPassword)}, opts...)
	srv := harbortest.New(opts...)
	ts := httptest.NewServer(spectest.Handler(t, srv))
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close)
	e := &authEnv{srv: srv, ts: ts, clock: clock}
	img, err := random.Image(32, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"library/nginx:1", "secret/app:1"} {
		if err := remote.Write(e.ref(t, r), img, remote.WithAuth(adminAuth())); err != nil {
			t.Fatalf("pushing %s: %v", r, err)
		}
	}
	return e
}

func adminAuth() authn.Authenticator {
	return &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
}

func (e *authEnv) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(strings.TrimPrefix(e.ts.URL, "http://") + "/" + s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// do sends a request to the server with an optional Authorization header.
func (e *authEnv) do(t *testing.T, method, path, authz string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

type tokenAnswer struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	IssuedAt  string `json:"issued_at"`
}

type claims struct {
	Sub    string `json:"sub"`
	Aud    string `json:"aud"`
	Iss    string `json:"iss"`
	Exp    int64  `json:"exp"`
	Access []struct {
		Type    string   `json:"type"`
		Name    string   `json:"name"`
		Actions []string `json:"actions"`
	} `json:"access"`
}

// token asks /service/token for scopes with an optional Authorization header.
func (e *authEnv) token(t *testing.T, authz string, scopes ...string) (tokenAnswer, claims) {
	t.Helper()
	q := url.Values{"service": {"harbor-registry"}, "scope": scopes}
	res := e.do(t, http.MethodGet, "/service/token?"+q.Encode(), authz)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /service/token scopes %q = %s, want 200", scopes, res.Status)
	}
	var ta tokenAnswer
	if err := json.NewDecoder(res.Body).Decode(&ta); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(ta.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", ta.Token)
	}
	var c claims
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			t.Fatalf("token part %q: %v", p, err)
		}
		if strings.Contains(string(b), harbortest.DefaultPassword) || strings.Contains(string(b), devPassword) {
			t.Errorf("token carries a password: %s", b)
		}
		_ = json.Unmarshal(b, &c)
	}
	return ta, c
}

// actions returns the actions a token grants on name.
func (c claims) actions(name string) []string {
	for _, a := range c.Access {
		if a.Type == "repository" && a.Name == name {
			return a.Actions
		}
	}
	return nil
}

func TestRegistryChallenge(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	bearer := `Bearer realm="` + e.ts.URL + `/service/token",service="harbor-registry"`
	tests := []struct {
		name, method, path, authz string
		status                    int
		challenge                 string
	}{
		{"anonymous ping", "GET", "/v2/", "", 401, bearer},
		{"basic ping", "GET", "/v2/", basic(harbortest.DefaultAdmin, harbortest.DefaultPassword), 200, ""},
		{"user ping", "GET", "/v2/", basic(devName, devPassword), 200, ""},
		{"wrong password", "GET", "/v2/", basic(harbortest.DefaultAdmin, "wrong"), 401, `Basic realm="harbor"`},
		{"anonymous pull, public", "GET", "/v2/library/nginx/manifests/1", "", 200, ""},
		{"anonymous HEAD, public", "HEAD", "/v2/library/nginx/manifests/1", "", 401, bearer + `,scope="repository:library/nginx:pull"`},
		{"anonymous pull, private", "GET", "/v2/secret/app/manifests/1", "", 401, bearer + `,scope="repository:secret/app:pull"`},
		{"anonymous push", "POST", "/v2/library/nginx/blobs/uploads/", "", 401, bearer + `,scope="repository:library/nginx:pull,push"`},
		{"anonymous delete", "DELETE", "/v2/library/nginx/manifests/1", "", 401, bearer + `,scope="repository:library/nginx:delete"`},
		{"anonymous mount", "POST", "/v2/library/web/blobs/uploads/?mount=sha256:00&from=secret/app", "", 401,
			bearer + `,scope="repository:library/web:pull,push repository:secret/app:pull"`},
		{"basic pull, private", "GET", "/v2/secret/app/manifests/1", basic(devName, devPassword), 200, ""},
		{"user delete", "DELETE", "/v2/secret/app/manifests/1", basic(devName, devPassword), 401, `Basic realm="harbor"`},
		{"no such project", "GET", "/v2/nowhere/app/manifests/1", basic(harbortest.DefaultAdmin, harbortest.DefaultPassword), 401, ""},
		{"catalog, admin", "GET", "/v2/_catalog", basic(harbortest.DefaultAdmin, harbortest.DefaultPassword), 200, ""},
		{"catalog, user", "GET", "/v2/_catalog", basic(devName, devPassword), 401, `Basic realm="harbor"`},
		{"catalog, anonymous", "GET", "/v2/_catalog", "", 401, `Basic realm="harbor"`},
		{"garbage bearer", "GET", "/v2/", "Bearer not.a.token", 401, `Basic realm="harbor"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(t, tc.method, tc.path, tc.authz)
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s = %s, want %d", tc.method, tc.path, res.Status, tc.status)
			}
			if got := res.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("%s %s: WWW-Authenticate = %q, want %q", tc.method, tc.path, got, tc.challenge)
			}
		})
	}
}

func TestTokenService(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	admin := basic(harbortest.DefaultAdmin, harbortest.DefaultPassword)
	dev := basic(devName, devPassword)
	tests := []struct {
		name, authz, scope, sub string
		want                    []string
	}{
		// Harbor grants what the caller may do on the project, whatever was asked.
		{"admin pull", admin, "repository:library/nginx:pull", "admin", []string{"pull", "push", "delete", "*"}},
		{"admin private", admin, "repository:secret/app:pull,push", "admin", []string{"pull", "push", "delete", "*"}},
		{"user push", dev, "repository:secret/app:pull,push", devName, []string{"pull", "push"}},
		{"user delete", dev, "repository:secret/app:delete", devName, []string{"pull", "push"}},
		{"anonymous public", "", "repository:library/nginx:pull,push", "", []string{"pull"}},
		{"anonymous private", "", "repository:secret/app:pull", "", []string{}},
		{"wrong password is anonymous", basic(harbortest.DefaultAdmin, "nope"), "repository:library/nginx:push", "", []string{"pull"}},
		{"no such project", admin, "repository:nowhere/app:pull", "admin", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ta, c := e.token(t, tc.authz, tc.scope)
			name := strings.Split(tc.scope, ":")[1]
			if diff := cmp.Diff(tc.want, c.actions(name)); diff != "" {
				t.Errorf("token for %q: actions (-want +got):\n%s", tc.scope, diff)
			}
			if c.Sub != tc.sub || c.Aud != "harbor-registry" || c.Iss != "harbor-token-issuer" {
				t.Errorf("token claims sub=%q aud=%q iss=%q, want %q, harbor-registry, harbor-token-issuer", c.Sub, c.Aud, c.Iss, tc.sub)
			}
			if ta.ExpiresIn != 1800 || ta.IssuedAt != "2026-01-01T00:00:00Z" || c.Exp != e.clock.Now().Add(30*time.Minute).Unix() {
				t.Errorf("token expires_in=%d issued_at=%q exp=%d, want 1800, the clock's time, +30m", ta.ExpiresIn, ta.IssuedAt, c.Exp)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name, query, authz string
			status             int
		}{
			{"login without credentials", "service=harbor-registry", "", 401},
			{"login with a wrong password", "service=harbor-registry", basic(devName, "wrong"), 401},
			{"unknown service", "service=harbor-notary&scope=repository:library/nginx:pull", admin, 400},
			{"repository without a project", "service=harbor-registry&scope=repository:nginx:pull", admin, 500},
		} {
			if res := e.do(t, http.MethodGet, "/service/token?"+tc.query, tc.authz); res.StatusCode != tc.status {
				t.Errorf("%s: GET /service/token?%s = %s, want %d", tc.name, tc.query, res.Status, tc.status)
			}
		}
		if res := e.do(t, http.MethodGet, "/service/token?service=harbor-registry", admin); res.StatusCode != 200 {
			t.Errorf("docker login: GET /service/token = %s, want 200", res.Status)
		}
	})
}

func TestTokenScopeAndExpiry(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t, harbortest.WithTokenExpiration(5*time.Minute))
	ta, _ := e.token(t, basic(devName, devPassword), "repository:library/nginx:pull")
	if ta.ExpiresIn != 300 {
		t.Errorf("expires_in = %d, want 300", ta.ExpiresIn)
	}
	bearer := "Bearer " + ta.Token
	check := func(path string, want int) {
		t.Helper()
		if res := e.do(t, http.MethodGet, path, bearer); res.StatusCode != want {
			t.Errorf("GET %s with a library token = %s, want %d", path, res.Status, want)
		}
	}
	check("/v2/", 200)
	check("/v2/library/nginx/manifests/1", 200)
	check("/v2/library/other/tags/list", 404) // same project: allowed, nothing there
	check("/v2/secret/app/manifests/1", 401)  // another project: not granted
	if res := e.do(t, http.MethodPut, "/v2/secret/app/manifests/2", bearer); res.StatusCode != 401 {
		t.Errorf("PUT into another project with a library token = %s, want 401", res.Status)
	}

	anon, _ := e.token(t, "", "repository:library/nginx:pull")
	if res := e.do(t, http.MethodGet, "/v2/", "Bearer "+anon.Token); res.StatusCode != 401 {
		t.Errorf("GET /v2/ with an anonymous token = %s, want 401: it is no login", res.Status)
	}
	if res := e.do(t, http.MethodGet, "/v2/library/nginx/manifests/1", "Bearer "+anon.Token); res.StatusCode != 200 {
		t.Errorf("anonymous token pull = %s, want 200", res.Status)
	}

	// An expired token is no credential: the private project is refused (the
	// public one stays readable, as to anyone).
	sec, _ := e.token(t, basic(devName, devPassword), "repository:secret/app:pull")
	bearer = "Bearer " + sec.Token
	e.clock.Advance(5*time.Minute - time.Second)
	check("/v2/secret/app/manifests/1", 200)
	e.clock.Advance(time.Second)
	check("/v2/secret/app/manifests/1", 401)
	if res := e.do(t, http.MethodGet, "/v2/", bearer); res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") != `Basic realm="harbor"` {
		t.Errorf("expired token: WWW-Authenticate = %q, want Basic", res.Header.Get("WWW-Authenticate"))
	}
}

func TestTokenFromAnotherServer(t *testing.T) {
	t.Parallel()
	a, b := newAuthEnv(t), newAuthEnv(t)
	ta, _ := a.token(t, basic(harbortest.DefaultAdmin, harbortest.DefaultPassword), "repository:secret/app:pull")
	if res := b.do(t, http.MethodGet, "/v2/secret/app/manifests/1", "Bearer "+ta.Token); res.StatusCode != 401 {
		t.Errorf("pull with another Harbor's token = %s, want 401", res.Status)
	}
}

func TestExternalURLRealm(t *testing.T) {
	t.Parallel()
	srv := harbortest.New(harbortest.WithExternalURL("https://harbor.example.com/"))
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &authEnv{srv: srv, ts: ts}
	want := `Bearer realm="https://harbor.example.com/service/token",service="harbor-registry"`
	if got := e.do(t, http.MethodGet, "/v2/", "").Header.Get("WWW-Authenticate"); got != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
}

// go-containerregistry follows the bearer challenge by itself: push and pull
// work with credentials, anonymous pulls work on public projects only.
func TestClientsFollowTheTokenFlow(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	var (
		mu    sync.Mutex
		paths []string
	)
	base := e.ts.Client().Transport
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := base.RoundTrip(r)
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		return res, err
	})
	img, _ := random.Image(16, 1)
	dev := &authn.Basic{Username: devName, Password: devPassword}
	if err := remote.Write(e.ref(t, "secret/team/app:2"), img, remote.WithAuth(dev), remote.WithTransport(rt)); err != nil {
		t.Fatalf("push as %s: %v", devName, err)
	}
	mu.Lock()
	if !slices.Contains(paths, "/service/token") {
		t.Errorf("push requests %q never asked /service/token", paths)
	}
	mu.Unlock()
	if _, err := remote.Image(e.ref(t, "library/nginx:1")); err != nil {
		t.Errorf("anonymous pull from a public project: %v", err)
	}
	_, err := remote.Image(e.ref(t, "secret/team/app:2"))
	if err == nil {
		t.Fatal("anonymous pull from a private project succeeded")
	}
	if strings.Contains(err.Error(), devPassword) {
		t.Errorf("error carries a password: %v", err)
	}
	if _, err := remote.Image(e.ref(t, "secret/team/app:2"), remote.WithAuth(dev)); err != nil {
		t.Errorf("pull as %s: %v", devName, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
