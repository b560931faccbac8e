package harbor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/retry"
)

// flaky answers the first n execution polls with 503, as a Harbor behind a restarting
// proxy would.
type flaky struct {
	h     http.Handler
	fails atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2.0/replication/executions/") && f.fails.Add(-1) >= 0 {
		http.Error(w, `{"errors":[{"code":"UNAVAILABLE","message":"restarting"}]}`, http.StatusServiceUnavailable)
		return
	}
	f.h.ServeHTTP(w, r)
}

// TestWaitRetriesTransientErrors: Wait rides out 503s (each after one interval on the
// injected clock) up to Retry.Attempts-1 in a row, then gives up with ErrServer; a 401 ends it at
// once.
func TestWaitRetriesTransientErrors(t *testing.T) {
	t.Parallel()
	srv := harbortest.New(harbortest.WithSyncExecutions())
	f := &flaky{h: spectest.Handler(t, srv)}
	hs := httptest.NewServer(f)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := c.CreatePolicy(ctx, harbor.Policy{Name: "p", DestRegistryID: mustRegistry(t, ctx, c, newDest(t).URL), DestNamespace: "ns", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.StartExecution(ctx, pid) // synchronous: already succeeded
	if err != nil {
		t.Fatal(err)
	}

	wait := func(failures int32, attempts int) (*harbor.Execution, int, error) {
		f.fails.Store(failures)
		clock := clocktest.NewFake(time.Time{})
		type result struct {
			ex  *harbor.Execution
			err error
		}
		done := make(chan result, 1)
		go func() {
			ex, err := c.Wait(ctx, id, harbor.WaitOptions{Interval: time.Second, Clock: clock, Retry: retry.Policy{Attempts: attempts, Initial: time.Second, Max: time.Second}})
			done <- result{ex, err}
		}()
		for waits := 0; ; {
			select {
			case r := <-done:
				return r.ex, waits, r.err
			default:
			}
			if clock.WaitForWaiters(1, 50*time.Millisecond) {
				clock.Advance(time.Second)
				waits++
			}
		}
	}
	if ex, waits, err := wait(3, 0); err != nil || ex.Status != harbor.StatusSucceed || waits != 3 {
		t.Errorf("3 failures, default retries: %+v, %v after %d waits; want Succeed after 3 waits", ex, err, waits)
	}
	if _, _, err := wait(3, 3); !errors.Is(err, harbor.ErrServer) {
		t.Errorf("3 failures, 3 attempts: %v, want ErrServer", err)
	}
	if _, _, err := wait(1, 1); !errors.Is(err, harbor.ErrServer) {
		t.Errorf("1 failure, 1 attempt: %v, want ErrServer", err)
	}
	bad, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	f.fails.Store(0)
	if _, err := bad.Wait(ctx, id, harbor.WaitOptions{Clock: clocktest.NewFake(time.Time{})}); !errors.Is(err, harbor.ErrUnauthorized) {
		t.Errorf("wrong password: %v, want ErrUnauthorized at once", err)
	}
}

// mustRegistry registers the registry at url as an endpoint, so a policy has somewhere
// to push.
func mustRegistry(t *testing.T, ctx context.Context, c *harbor.Client, url string) int64 {
	t.Helper()
	id, err := c.CreateRegistry(ctx, harbor.Registry{Name: "self", Type: harbor.TypeDockerRegistry, URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestWaitRefusesInvalidOptions: a negative interval or retry policy is refused before
// any request, not replaced by a default.
func TestWaitRefusesInvalidOptions(t *testing.T) {
	t.Parallel()
	c, err := harbor.New("http://127.0.0.1:1", harbor.WithBasicAuth(admin, password))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts harbor.WaitOptions
	}{
		{"negative interval", harbor.WaitOptions{Interval: -time.Second}},
		{"negative attempts", harbor.WaitOptions{Retry: retry.Policy{Attempts: -1}}},
		{"initial above max", harbor.WaitOptions{Retry: retry.Policy{Initial: time.Minute, Max: time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Wait(context.Background(), 1, tc.opts); !errors.Is(err, harbor.ErrInvalidArgument) {
				t.Errorf("Wait(%+v) = %v, want ErrInvalidArgument", tc.opts, err)
			}
		})
	}
}

// TestNewRefusesNilOption: a nil option is refused, not a panic.
func TestNewRefusesNilOption(t *testing.T) {
	t.Parallel()
	if _, err := harbor.New("http://127.0.0.1:1", nil); !errors.Is(err, harbor.ErrInvalidArgument) {
		t.Errorf("New(nil option) = %v, want ErrInvalidArgument", err)
	}
}
