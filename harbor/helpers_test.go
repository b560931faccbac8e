package harbor_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

const (
	admin    = harbortest.DefaultAdmin
	password = harbortest.DefaultPassword
)

// env is a harbortest Harbor served on loopback with an admin client.
type env struct {
	srv    *harbortest.Server
	http   *httptest.Server
	client *harbor.Client
}

func newEnv(t *testing.T, opts ...harbortest.Option) *env {
	t.Helper()
	srv := harbortest.New(opts...)
	hs := httptest.NewServer(spectest.Handler(t, srv))
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	c, err := harbor.New(hs.URL+"/", harbor.WithBasicAuth(admin, password), harbor.WithTimeout(20*time.Second))
	if err != nil {
		t.Fatalf("harbor.New: %v", err)
	}
	return &env{srv: srv, http: hs, client: c}
}

// host is the registry host of the emulator, for image references.
func (e *env) host() string { return strings.TrimPrefix(e.http.URL, "http://") }

// push pushes a small random image to repo:tag in the emulator's registry.
func (e *env) push(t *testing.T, repo, tag string) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(e.host() + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: admin, Password: password})); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return img
}

// newDest serves an empty go-containerregistry registry: a replication destination.
func newDest(t *testing.T) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(hs.Close)
	return hs
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var (
	_ = (*env).host
	_ = (*env).push
)
