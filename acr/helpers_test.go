package acr_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	srv      *acrtest.Server
	client   *acr.Client
	cfg      acr.Config
	registry string // host:port of the registry
	sleeps   *[]time.Duration
}

// newEnv serves an emulator on loopback and returns a client of its default instance
// that retries without sleeping.
func newEnv(t *testing.T, clock *fakeClock, opts ...acrtest.Option) *env {
	t.Helper()
	if clock != nil {
		opts = append(opts, acrtest.WithClock(clock.Now))
	}
	srv := acrtest.New(opts...)
	api := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(api.Close)
	reg := httptest.NewServer(srv.Registry())
	t.Cleanup(reg.Close)
	var mu sync.Mutex
	sleeps := &[]time.Duration{}
	cfg := acr.Config{
		InstanceID: acrtest.DefaultInstanceID,
		Cloud: acr.CloudConfig{
			Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), PlainHTTP: true,
			Credentials: &acr.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
			Retry: acr.Retry{MaxAttempts: 3, Sleep: func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				*sleeps = append(*sleeps, d)
				return nil
			}},
		},
	}
	if clock != nil {
		cfg.Now = clock.Now
	}
	c, err := acr.New(cfg)
	if err != nil {
		t.Fatalf("acr.New: %v", err)
	}
	return &env{srv: srv, client: c, cfg: cfg, registry: strings.TrimPrefix(reg.URL, "http://"), sleeps: sleeps}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
