package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

func faultWorkload(e *syncEnv) map[string]any {
	fx := e.fx
	refs := map[string]any{}
	for r := range 4 {
		for tg := range 3 {
			refs[fmt.Sprintf("f/r%d:t%d", r, tg)] = fx.Image(fmt.Sprintf("r%dt%d", r, tg), 60, 61+tg, 70+r*10+tg)
		}
	}
	refs["f/multi:1"] = fx.Index("fm", []string{"amd64", "arm64"}, 60)
	return refs
}

func TestSurvivesFaults(t *testing.T) {
	t.Parallel()
	for _, env := range []struct {
		name string
		new  func(*testing.T) *syncEnv
	}{{"ggcr", newSyncGGCREnv}, {"distribution", newSyncDistributionEnv}} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			e := env.new(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			clock := &testutil.ImmediateClock{}
			srcFaults := testutil.NewFaultTransport(nil, testutil.Faults{Seed: 1, Rate: 0.15, RetryAfter: "3"})
			dstFaults := testutil.NewFaultTransport(nil, testutil.Faults{Seed: 2, Rate: 0.15, RetryAfter: "3"})
			s := e.syncer2(t, mirror.Options{Clock: clock, Jobs: 4, Retry: retry.Policy{Attempts: 8}}, srcFaults, dstFaults)
			_, rep := e.run(t, s)
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
			injected := 0
			for _, f := range []*testutil.FaultTransport{srcFaults, dstFaults} {
				for _, n := range f.Injected() {
					injected += n
				}
			}
			if injected == 0 || rep.Retries == 0 {
				t.Errorf("injected %d faults, %d retries: the test tests nothing", injected, rep.Retries)
			}
			var sawRetryAfter bool
			for _, w := range clock.Waits() {
				if w > 10*time.Second {
					t.Errorf("backoff %v above the cap", w)
				}
				sawRetryAfter = sawRetryAfter || w == 3*time.Second
			}
			if !sawRetryAfter && (srcFaults.Injected()[testutil.Fault429]+dstFaults.Injected()[testutil.Fault429]) > 0 {
				t.Errorf("no wait honoured Retry-After: 3 (waits %v)", clock.Waits())
			}
		})
	}
}

func TestResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	want := e.push(t, e.src.Host, faultWorkload(e))
	ctx, cancel := context.WithCancel(testCtx(t))
	uploads := 0
	s := e.syncer(t, mirror.Options{Jobs: 2, Progress: func(ev mirror.Event) {
		if ev.Kind == mirror.EventBlob && ev.Outcome != "present" {
			if uploads++; uploads == 6 {
				cancel()
			}
		}
	}}, nil)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if !errors.Is(err, context.Canceled) || rep.OK() {
		t.Fatalf("interrupted Apply = %v, %v; want canceled", rep, err)
	}
	first := e.dstRec.BlobUploads()

	s2 := e.syncer(t, mirror.Options{Jobs: 2}, nil)
	_, rep2 := e.run(t, s2)
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
	for d, n := range e.dstRec.BlobUploads() {
		if n != 1 {
			t.Errorf("blob %s committed %d times over both runs (first run: %d), want once", d, n, first[d])
		}
	}
	if rep2.BlobsPresent == 0 {
		t.Errorf("second run found nothing in place: %v", rep2)
	}
}

func TestNeverRetriesAuthErrors(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var puts atomic.Int32
	e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				puts.Add(1)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 80)})
	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if err == nil || rep.Retries != 0 || puts.Load() != 2 {
		t.Errorf("Apply = %v, %v after %d upload attempts; want failure, no retry (one attempt per blob)", rep, err, puts.Load())
	}
}
