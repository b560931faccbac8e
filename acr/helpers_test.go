package acr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

// fakeClock is a clock tests move by hand; its waits (retry backoffs) end at once and
// are recorded.
type fakeClock = aliyuntest.InstantClock

func newFakeClock() *fakeClock {
	return aliyuntest.NewInstantClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

type env struct {
	srv      *acrtest.Server
	client   *acr.Client
	cfg      acr.Config
	registry string // host:port of the registry
	clock    *fakeClock
}

// newEnv serves an emulator on loopback and returns a client of its default instance
// that retries without sleeping.
func newEnv(t *testing.T, clock *fakeClock, opts ...acrtest.Option) *env {
	t.Helper()
	if clock == nil {
		clock = newFakeClock()
	}
	opts = append([]acrtest.Option{acrtest.WithClock(clock)}, opts...)
	srv := acrtest.Start(t, opts...)
	cfg := acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: srv.Cloud}
	cfg.Cloud.Retry, cfg.Cloud.Clock = retry.Policy{Attempts: 3}, clock
	c, err := acr.New(cfg)
	if err != nil {
		t.Fatalf("acr.New: %v", err)
	}
	return &env{srv: srv.Server, client: c, cfg: cfg, registry: srv.RegistryHost, clock: clock}
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
