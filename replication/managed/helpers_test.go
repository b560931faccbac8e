package managed_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

const (
	harborACRUser     = "acr-login"
	harborACRPassword = "acr-registry-password-s3cret"
)

// harborEnv is a harbortest Harbor and an acrtest ACR EE on loopback, each counting the
// writes it receives.
type harborEnv struct {
	srv         *harbortest.Server
	hs          *httptest.Server
	client      *harbor.Client
	harborWrite atomic.Int64 // API writes (pings excluded)

	acrSrv    *acrtest.Server
	acrReg    *httptest.Server
	acrHost   string
	acrClient *acr.Client
	acrWrite  atomic.Int64 // registry writes
	fx        *testutil.Fixture
	pushes    atomic.Int64
}

func newHarborEnv(t *testing.T, opts ...harbortest.Option) *harborEnv {
	t.Helper()
	return newHarborEnvAsync(t, append([]harbortest.Option{harbortest.WithSyncExecutions()}, opts...)...)
}

// newHarborEnvAsync is newHarborEnv with executions running in the background.
func newHarborEnvAsync(t *testing.T, opts ...harbortest.Option) *harborEnv {
	t.Helper()
	e := &harborEnv{fx: testutil.NewFixture(7, 512)}
	e.srv = harbortest.New(opts...)
	// Every API request regdr sends and every answer the emulator gives is checked against
	// Harbor's published swagger (spectest), so a client and an emulator sharing a wrong
	// belief fail here.
	checked := spectest.Handler(t, e.srv)
	e.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && r.Method != http.MethodGet && r.Method != http.MethodHead &&
			!strings.HasSuffix(r.URL.Path, "/registries/ping") {
			e.harborWrite.Add(1)
		}
		checked.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.srv.Close()
		e.hs.Close()
	})
	c, err := harbor.New(e.hs.URL, harbor.WithBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword), harbor.WithTimeout(20*time.Second))
	if err != nil {
		t.Fatalf("harbor.New: %v", err)
	}
	e.client = c

	e.acrSrv = acrtest.New()
	if err := e.acrSrv.SetPassword(acrtest.DefaultInstanceID, harborACRUser, harborACRPassword); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(e.acrSrv.OpenAPI())
	reg := e.acrSrv.Registry()
	e.acrReg = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			e.acrWrite.Add(1)
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		api.Close()
		e.acrReg.Close()
	})
	e.acrHost = strings.TrimPrefix(e.acrReg.URL, "http://")
	e.acrClient, err = acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
	}})
	if err != nil {
		t.Fatalf("acr.New: %v", err)
	}
	return e
}

func (e *harborEnv) harborHost() string { return strings.TrimPrefix(e.hs.URL, "http://") }

func (e *harborEnv) clients() managed.Clients {
	return managed.Clients{Harbor: e.client, Namespaces: managed.ACR{Client: e.acrClient}, Tags: e.tags()}
}

// tags lists ACR EE through its OpenAPI (ListRepoTag).
func (e *harborEnv) tags() lag.TagLister { return managed.ACR{Client: e.acrClient} }

func (e *harborEnv) acrEndpoint() mirror.Endpoint {
	return mirror.Endpoint{Registry: e.acrHost, PlainHTTP: true,
		Auth: &authn.Basic{Username: harborACRUser, Password: harborACRPassword}}
}

func (e *harborEnv) harborEndpoint() mirror.Endpoint {
	return mirror.Endpoint{Registry: e.harborHost(), PlainHTTP: true,
		Auth: &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}}
}

// writes returns the writes both sides received so far, namespaces included.
func (e *harborEnv) writes() int64 {
	return e.harborWrite.Load() + e.acrWrite.Load() +
		int64(e.acrSrv.CallCount("CreateNamespace")+e.acrSrv.CallCount("UpdateNamespace"))
}

// push pushes a fixture image, new at every call, to Harbor and returns its digest.
func (e *harborEnv) push(t *testing.T, ref string) string {
	t.Helper()
	img := e.fx.Image(fmt.Sprintf("%s#%d", ref, e.pushes.Add(1)), 0)
	if err := testutil.PushAuth(harborCtx(t), e.harborHost(), ref, img,
		&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return testutil.Descriptor(img).Digest.String()
}

// setup is the runbook's setup for project "library", into namespace "dr-ns".
func (e *harborEnv) setup() managed.Setup {
	return managed.Setup{
		Policy:      "to-acr",
		Description: "DR copy",
		Projects:    []string{"library"},
		Namespace:   "dr-ns",
		Endpoint: managed.Endpoint{
			Name: "acr-ee", Description: "ACR EE (VPC)", URL: e.acrReg.URL,
			AccessKey: harborACRUser, AccessSecret: harborACRPassword,
		},
	}
}

func harborCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustVerifier returns s's Verifier of h and tags.
func mustVerifier(t testing.TB, s managed.Setup, h harbor.Content, tags lag.TagLister) *lag.Verifier {
	t.Helper()
	v, err := s.Verifier(h, tags)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
