package mirror_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// TestSurvivesThirtyPercentFaults: with 30 % of the requests to both registries failing
// independently (503, 429 with Retry-After: 1, resets, bodies cut mid-way), the retry
// policy plans and copies everything, and the destination verifies it. 16 attempts, not
// the default 10: a blob's upload is a source GET streaming into a PUT, and a break of
// either mid-stream costs the whole attempt (about a third of them at this rate), so with
// 10 attempts one of the ~110 blobs failed in about one run of 50 (measured, before and
// after the lazy GET); with 16, about 1 in 10^5 per blob.
func TestSurvivesThirtyPercentFaults(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	refs := map[string]any{}
	for r := range 8 {
		for tg := range 6 {
			refs[fmt.Sprintf("proj/team/app-%d:v%d", r, tg)] = e.fx.Image(fmt.Sprintf("a%dv%d", r, tg), 60, 61+tg, 70+r*10+tg)
		}
	}
	refs["proj/multi:1"] = e.fx.Index("pm", []string{"amd64", "arm64"}, 60)
	want := e.push(t, e.src.Host, refs)
	clock := &testutil.ImmediateClock{}
	faults := func(seed int64) *testutil.FaultTransport {
		// MaxInARow high: faults are independent, as from a real flaky network or proxy.
		return testutil.NewFaultTransport(nil, testutil.Faults{Seed: seed, Rate: 0.3, RetryAfter: "1", MaxInARow: 1000})
	}
	srcFaults, dstFaults := faults(11), faults(12)
	// GiveUp shorter than the backoffs add up to: the rule must not trip on faults alone.
	const giveUp = 30 * time.Second
	s := e.syncer2(t, mirror.Options{Clock: clock, Jobs: 4, GiveUp: giveUp, Retry: retry.Policy{Attempts: 16}}, srcFaults, dstFaults)
	start := clock.Now()
	_, rep := e.run(t, s)
	t.Logf("faults injected: source %v, destination %v; %v", srcFaults.Injected(), dstFaults.Injected(), rep)
	if took := clock.Now().Sub(start); took < 2*giveUp {
		t.Errorf("the run took %v on the clock: the give-up rule (%v) was not put to the test", took, giveUp)
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
	if rep.Retries < 20 {
		t.Errorf("%d retries: the test tests nothing", rep.Retries)
	}
}

// stallListener accepts connections on loopback and never answers them.
func stallListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestStalledRegistryTimesOut: a registry that stalls — accepting connections and never
// answering, dripping a manifest and then stalling, or taking a blob upload's body and
// never answering — fails the sync with ErrTimeout after the configured timeout, on
// every try, instead of hanging forever.
func TestStalledRegistryTimesOut(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond // short, yet above what a loaded machine takes to answer
	withRetry := func(o mirror.Options) mirror.Options {
		o.Retry, o.Timeout = retry.Policy{Attempts: 2}, timeout
		return o
	}
	// stall holds a request until the client goes away or the test ends: a server that
	// reads no body does not notice a client hanging up.
	stall := func(t *testing.T) func(http.ResponseWriter, *http.Request) {
		quit := make(chan struct{})
		t.Cleanup(func() { close(quit) }) // runs before the servers close: cleanups go last in, first out
		return func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-quit:
			}
		}
	}

	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		e := newSyncGGCREnv(t)
		s, err := mirror.New(mirror.Endpoint{Registry: stallListener(t)},
			mirror.Endpoint{Registry: e.dst.Host}, withRetry(mirror.Options{Clock: &testutil.ImmediateClock{}}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := s.Plan(testCtx(t)); !errors.Is(err, mirror.ErrTimeout) {
			t.Fatalf("Plan against a silent registry: %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("Plan took %v with a %v timeout", d, timeout)
		}
	})

	t.Run("drip", func(t *testing.T) {
		t.Parallel()
		e := newSyncGGCREnv(t)
		var dripped atomic.Int32
		var hold func(http.ResponseWriter, *http.Request)
		e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// By tag or by digest: a tag the destination lacks is fetched by tag.
				if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") {
					dripped.Add(1)
					w.Header().Set("Content-Length", "1000")
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write([]byte(`{"schemaVersion":`))
					w.(http.Flusher).Flush()
					hold(w, r)
					return
				}
				h.ServeHTTP(w, r)
			})
		})
		hold = stall(t)
		e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 80)})
		s := e.syncer(t, withRetry(mirror.Options{}), nil)
		if _, err := s.Plan(testCtx(t)); !errors.Is(err, mirror.ErrTimeout) {
			t.Fatalf("Plan against a dripping registry: %v, want ErrTimeout", err)
		}
		if n := dripped.Load(); n != 2 {
			t.Errorf("%d manifest GETs, want 2 (one per attempt)", n)
		}
	})

	t.Run("upload", func(t *testing.T) {
		t.Parallel()
		e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(3, 8<<20)}
		e.src = testutil.NewGGCRRegistry(t, e.srcRec.Wrap)
		var stalled atomic.Int32
		var hold func(http.ResponseWriter, *http.Request)
		e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
					stalled.Add(1)
					hold(w, r) // reads nothing of the 8 MiB body, answers nothing
					return
				}
				h.ServeHTTP(w, r)
			})
		})
		hold = stall(t)
		e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 1)})
		s := e.syncer(t, withRetry(mirror.Options{}), nil)
		ctx := testCtx(t)
		p, err := s.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, p); !errors.Is(err, mirror.ErrTimeout) {
			t.Fatalf("Apply against a destination stalling uploads: %v, want ErrTimeout", err)
		}
		if stalled.Load() == 0 {
			t.Error("no upload reached the stalling handler: the test tests nothing")
		}
	})
}

// TestGivesUpOnDeadRegistry: a source that answers 500 to everything once the plan is
// made fails Apply with one ErrRegistryDown after GiveUp without a success (on the
// Syncer's clock), and is sent nothing more once declared down — where every blob used to
// run through all its attempts.
func TestGivesUpOnDeadRegistry(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var dead atomic.Bool
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if dead.Load() {
				http.Error(w, `{"errors":[{"code":"UNKNOWN"}]}`, http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	refs := map[string]any{}
	for i := range 8 {
		refs[fmt.Sprintf("a/r%d:1", i)] = e.fx.Image(fmt.Sprintf("d%d", i), 100+2*i, 101+2*i)
	}
	e.push(t, e.src.Host, refs)
	clock := &testutil.ImmediateClock{}
	s := e.syncer(t, mirror.Options{Clock: clock, Jobs: 4}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dead.Store(true)
	src0, _ := s.Requests()
	start := clock.Now()
	rep, err := s.Apply(ctx, p)
	if !errors.Is(err, mirror.ErrRegistryDown) {
		t.Fatalf("Apply from a dead source: %v, want ErrRegistryDown", err)
	}
	if !strings.Contains(err.Error(), "no successful response from "+e.src.Host) {
		t.Errorf("error %q does not name the registry", err)
	}
	src1, _ := s.Requests()
	took := clock.Now().Sub(start)
	t.Logf("%d source requests, %v on the clock: %v", src1-src0, took, rep)
	if took < 2*time.Minute || took > 3*time.Minute {
		t.Errorf("gave up after %v on the clock, want about the 2m default", took)
	}
	if n := src1 - src0; n > 150 {
		t.Errorf("%d requests to a dead source, want it declared down well before each blob exhausts its attempts", n)
	}
	// Declared down: the next operation sends nothing.
	if _, err := s.Plan(ctx); !errors.Is(err, mirror.ErrRegistryDown) {
		t.Errorf("Plan right after: %v, want ErrRegistryDown", err)
	}
	if src2, _ := s.Requests(); src2 != src1 {
		t.Errorf("%d requests sent to a registry declared down", src2-src1)
	}
}

// TestSlowTransferIsNotCut: the timeout bounds each wait, not the transfer: a blob
// that takes several timeouts to arrive, but keeps arriving, is copied.
func TestSlowTransferIsNotCut(t *testing.T) {
	t.Parallel()
	const timeout, pieces, gap = 500 * time.Millisecond, 8, 100 * time.Millisecond
	e := newSyncGGCREnv(t)
	var slow atomic.Int32
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/sha256:") || slow.Add(1) > 1 {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			tick := time.NewTicker(gap)
			defer tick.Stop()
			for i := range pieces {
				_, _ = w.Write(body[i*len(body)/pieces : (i+1)*len(body)/pieces])
				w.(http.Flusher).Flush()
				<-tick.C
			}
		})
	})
	want := e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 120)})
	start := time.Now()
	s := e.syncer(t, mirror.Options{Jobs: 1, Retry: retry.Policy{Attempts: 1}, Timeout: timeout}, nil)
	_, rep := e.run(t, s)
	if d := time.Since(start); d < timeout {
		t.Errorf("the copy took %v, under the %v timeout: the test tests nothing", d, timeout)
	}
	if got := headDigest(t, e.dst.Host, "a/b:1"); got != want["a/b:1"] || rep.Retries != 0 {
		t.Errorf("a/b:1 = %q after %d retries, want %q without one", got, rep.Retries, want["a/b:1"])
	}
}

// A registry that accepts the connection and never answers used to hang verify -registry
// (lag.RegistryTagLister, built on RegistrySource) forever: Tags and Digest time out.
func TestRegistrySourceTimesOut(t *testing.T) {
	t.Parallel()
	src := mirror.NewRegistrySource(mirror.Endpoint{Registry: "http://" + stallListener(t)})
	mirror.SetSourceTimeout(src, 100*time.Millisecond)
	ctx := testCtx(t)
	if _, err := src.Tags(ctx, "dr-ns/nginx"); !errors.Is(err, mirror.ErrTimeout) {
		t.Fatalf("Tags against a silent registry: %v, want ErrTimeout", err)
	}
	if _, _, err := src.Digest(ctx, "dr-ns/nginx", "sha256:"+strings.Repeat("0", 64)); !errors.Is(err, mirror.ErrTimeout) {
		t.Fatalf("Digest against a silent registry: %v, want ErrTimeout", err)
	}
}

// A registry that sends a small answer (here a tags list) one byte per 50 ms stays within
// the idle timeout forever; the deadline of small requests (5 × Timeout) ends it with
// ErrTimeout. A blob that keeps moving is not held to it (TestSlowTransferIsNotCut).
func TestDripFedSmallAnswerTimesOut(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var dripping atomic.Bool
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !dripping.Load() || !strings.HasSuffix(r.URL.Path, "/tags/list") {
				h.ServeHTTP(w, r)
				return
			}
			body := `{"name":"a/b","tags":["1"` + strings.Repeat(" ", 380) + `]}`
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for i := 0; i < len(body); i++ {
				if _, err := w.Write([]byte{body[i]}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-tick.C:
				case <-r.Context().Done():
					return
				}
			}
		})
	})
	e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 1)})
	dripping.Store(true)
	s := e.syncer(t, mirror.Options{Timeout: 200 * time.Millisecond, Retry: retry.Policy{Attempts: 1}}, nil)
	start := time.Now()
	_, err := s.Plan(testCtx(t)) // the drip would take 20 s
	if !errors.Is(err, mirror.ErrTimeout) {
		t.Errorf("Plan against a drip-fed tags list = %v after %v, want ErrTimeout", err, time.Since(start).Round(time.Millisecond))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Plan took %v; the deadline is 1 s", took)
	}
}
