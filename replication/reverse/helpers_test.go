package reverse_test

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
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// Secrets the tests look for in every plan, result and error.
const (
	harborAdmin    = "dr-admin"
	harborPassword = "harbor-pa55word-s3cret"
	acrUser        = "dr-login"
	acrPassword    = "acr-registry-pa55word-s3cret"
	namespace      = "dr-ns"
)

// env is a harbortest Harbor and an acrtest ACR EE on loopback, each counting the writes
// it receives: every registry request but GET and HEAD, and every Harbor API request
// but GET, HEAD and the endpoint ping.
type env struct {
	harborSrv *harbortest.Server
	harborURL string
	harbor    *harbor.Client
	acrSrv    *acrtest.Server
	acrHost   string
	acr       *acr.Client

	harborWrites, acrWrites atomic.Int64
	// harborHook and acrHook, when set, see every request to Harbor (API and registry) and
	// to ACR EE's registry before it is served; true: the hook answered it.
	harborHook, acrHook atomic.Pointer[hook]
	fx                  *testutil.Fixture
	n                   atomic.Int64
}

func newEnv(t *testing.T, opts ...harbortest.Option) *env {
	t.Helper()
	e := &env{fx: testutil.NewFixture(11, 256)}
	e.harborSrv = harbortest.New(append([]harbortest.Option{harbortest.WithAdmin(harborAdmin, harborPassword)}, opts...)...)
	hs := httptest.NewServer(countWrites(&e.harborWrites, hooked(&e.harborHook, e.harborSrv)))
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		e.harborSrv.Close()
	})
	e.harborURL = hs.URL
	var err error
	if e.harbor, err = harbor.New(hs.URL, harbor.WithBasicAuth(harborAdmin, harborPassword), harbor.WithTimeout(20*time.Second)); err != nil {
		t.Fatal(err)
	}

	e.acrSrv = acrtest.New()
	if err := e.acrSrv.SetPassword(acrtest.DefaultInstanceID, acrUser, acrPassword); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(e.acrSrv.OpenAPI())
	reg := httptest.NewServer(countWrites(&e.acrWrites, hooked(&e.acrHook, e.acrSrv.Registry())))
	t.Cleanup(func() {
		api.Close()
		reg.CloseClientConnections()
		reg.Close()
	})
	e.acrHost = strings.TrimPrefix(reg.URL, "http://")
	cloud := alicloud.Config{Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret}}
	if e.acr, err = acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: cloud}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acr.EnsureNamespace(ctx(t), namespace, acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: acr.RepoTypePrivate}); err != nil {
		t.Fatal(err)
	}
	return e
}

// countWrites counts what h receives that is not a read.
func countWrites(n *atomic.Int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !strings.HasSuffix(r.URL.Path, "/registries/ping") {
			n.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// hook sees a request before it is served; true: it answered it.
type hook func(w http.ResponseWriter, r *http.Request) bool

// hooked serves h unless the hook in p answers first.
func hooked(p *atomic.Pointer[hook], h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := p.Load(); f != nil && (*f)(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// setHook sets (nil: clears) a hook.
func setHook(p *atomic.Pointer[hook], f hook) {
	if f == nil {
		p.Store(nil)
		return
	}
	p.Store(&f)
}

// writes returns the writes both sides received so far.
func (e *env) writes() int64 { return e.harborWrites.Load() + e.acrWrites.Load() }

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// image pushes a new image to host/ref and returns its digest.
func (e *env) push(t *testing.T, host, ref string, auth authn.Authenticator) string {
	t.Helper()
	img := e.fx.Image(fmt.Sprintf("%s#%d", ref, e.n.Add(1)), 0)
	if err := testutil.PushAuth(ctx(t), host, ref, img, auth); err != nil {
		t.Fatalf("pushing %s/%s: %v", host, ref, err)
	}
	return testutil.Descriptor(img).Digest.String()
}

func (e *env) harborHost() string { return strings.TrimPrefix(e.harborURL, "http://") }

// replicated pushes one image to Harbor as harborRef and the same image to ACR EE as
// acrRef, as the forward replication would have, and returns its digest.
func (e *env) replicated(t *testing.T, harborRef, acrRef string) string {
	t.Helper()
	img := e.fx.Image(fmt.Sprintf("%s#%d", harborRef, e.n.Add(1)), 0)
	if err := testutil.PushAuth(ctx(t), e.harborHost(), harborRef, img, e.harborAuth()); err != nil {
		t.Fatal(err)
	}
	if err := testutil.PushAuth(ctx(t), e.acrHost, acrRef, img, e.acrAuth()); err != nil {
		t.Fatal(err)
	}
	return testutil.Descriptor(img).Digest.String()
}

// outage pushes a new image into ACR EE, as a client does during the outage.
func (e *env) outage(t *testing.T, acrRef string) string {
	t.Helper()
	return e.push(t, e.acrHost, acrRef, e.acrAuth())
}

func (e *env) harborAuth() authn.Authenticator {
	return &authn.Basic{Username: harborAdmin, Password: harborPassword}
}

func (e *env) acrAuth() authn.Authenticator {
	return &authn.Basic{Username: acrUser, Password: acrPassword}
}

// setup is the forward replication: project library into namespace dr-ns, flattening
// one level (flatten is the replace count; nil: Harbor's default, one level).
func setup(flatten *int) managed.Setup {
	return managed.Setup{Policy: "to-acr", Projects: []string{"library"}, Namespace: namespace, Flatten: flatten,
		Endpoint: managed.Endpoint{Name: "acr-ee", URL: "https://acr.invalid", AccessKey: acrUser, AccessSecret: acrPassword}}
}

// config is the reverse replication of the forward setup s.
func (e *env) config(t *testing.T, s managed.Setup) reverse.Config {
	t.Helper()
	v, err := s.Verifier(e.harbor, managed.ACR{Client: e.acr})
	if err != nil {
		t.Fatal(err)
	}
	return reverse.Config{
		Verifier: v,
		ACR:      mirror.Endpoint{Registry: e.acrHost, PlainHTTP: true, Auth: e.acrAuth()},
		Harbor:   mirror.Endpoint{Registry: e.harborHost(), PlainHTTP: true, Auth: e.harborAuth()},
	}
}

// harborDigest returns the digest Harbor's repo:tag holds ("" when none).
func (e *env) harborDigest(t *testing.T, repo, tag string) string {
	t.Helper()
	for _, a := range e.harborSrv.Artifacts(repo) {
		for _, at := range a.Tags {
			if at == tag {
				return a.Digest
			}
		}
	}
	return ""
}

var _ lag.RepositoryLister = managed.ACR{}
