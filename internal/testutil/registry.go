package testutil

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory" // storage for NewDistribution
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sirupsen/logrus"
)

// Registry is a registry served on 127.0.0.1 for one test.
type Registry struct {
	Server *httptest.Server
	// Host is "127.0.0.1:PORT", what go-containerregistry and regdr take as a registry name.
	Host string
}

// NewGGCRRegistry serves go-containerregistry's pkg/registry, with the OCI referrers API,
// wrapping its handler with wrap (nil: none). It is closed when the test ends.
func NewGGCRRegistry(t testing.TB, wrap func(http.Handler) http.Handler) *Registry {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	return serve(t, h, wrap)
}

var logrusOnce sync.Once

// DistributionOptions tunes NewDistribution.
type DistributionOptions struct {
	// CatalogMaxEntries caps one catalog page, to exercise pagination. 0: 1000.
	CatalogMaxEntries int
}

// NewDistribution serves the CNCF distribution registry (v3) in process, with in-memory
// storage and logging silenced. It supports cross-repository mounts.
func NewDistribution(t testing.TB, opts DistributionOptions, wrap func(http.Handler) http.Handler) *Registry {
	t.Helper()
	logrusOnce.Do(func() { logrus.SetOutput(io.Discard) })
	if opts.CatalogMaxEntries <= 0 {
		opts.CatalogMaxEntries = 1000 // distribution's zero value lists nothing
	}
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"inmemory":    configuration.Parameters{},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
			"delete":      configuration.Parameters{"enabled": true},
		},
		Catalog: configuration.Catalog{MaxEntries: opts.CatalogMaxEntries},
	}
	cfg.Log.AccessLog.Disabled = true
	cfg.Log.Level = "error"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	app := handlers.NewApp(ctx, cfg)
	return serve(t, app, wrap)
}

func serve(t testing.TB, h http.Handler, wrap func(http.Handler) http.Handler) *Registry {
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return &Registry{Server: srv, Host: strings.TrimPrefix(srv.URL, "http://")}
}
