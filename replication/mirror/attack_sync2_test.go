package mirror_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// A planning failure in repository k with a state file: the repositories before k are
// copied, verified and recorded; none after is started or recorded; every claim of the
// file holds at the destination; and the next run completes.
func TestAttackSyncPlanningFailureKeepsStateTrue(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	path := t.TempDir() + "/state.json"
	want := e.push(t, e.src.Host, faultWorkload(e)) // f/multi, f/r0 … f/r3
	src := failingSource{Source: mirror.NewRegistrySource(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}), fail: "f/r1"}
	rep, err := e.syncer(t, mirror.Options{Source: src, Jobs: 2, State: path}, nil).Sync(testCtx(t))
	if !errors.Is(err, errListing) || rep == nil || rep.Verified != 4 {
		t.Fatalf("Sync = %v, %v; want 4 items verified and the listing's error", rep, err)
	}
	for ref := range stateClaims(t, path) {
		if !strings.HasPrefix(ref, "f/multi:") && !strings.HasPrefix(ref, "f/r0:") {
			t.Errorf("state claims %s, a repository after the failure", ref)
		}
	}
	if n := checkClaims(t, path, e.dst.Host); n != 4 {
		t.Errorf("state claims %d tags, want the 4 copied", n)
	}
	e.runSync(t, e.syncer(t, mirror.Options{Jobs: 2, State: path}, nil))
	if n := checkClaims(t, path, e.dst.Host); n != len(want) {
		t.Errorf("state claims %d tags after the next run, want %d", n, len(want))
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
}

// A source that lists a repository, then answers 404 NAME_UNKNOWN for its tags (deleted
// in between): it has nothing to sync, and the others are synced.
func TestAttackSyncSourceForgetsAListedRepository(t *testing.T) {
	t.Parallel()
	e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(1, 2<<10)}
	var gone atomic.Bool
	e.src = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if gone.Load() && strings.HasPrefix(r.URL.Path, "/v2/f/r1/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`)
				return
			}
			e.srcRec.Wrap(h).ServeHTTP(w, r)
		})
	})
	e.dst = testutil.NewGGCRRegistry(t, e.dstRec.Wrap)
	want := e.push(t, e.src.Host, faultWorkload(e))
	gone.Store(true)
	rep := e.runSync(t, e.syncer(t, mirror.Options{Jobs: 2, State: t.TempDir() + "/state.json"}, nil))
	if rep.Items != len(want)-3 {
		t.Errorf("report has %d items, want %d", rep.Items, len(want)-3)
	}
	for ref, d := range want {
		if strings.HasPrefix(ref, "f/r1:") {
			continue
		}
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
}

// Jobs 1 (planning and copying share one slot: a deadlock would hold the run until the
// test's deadline) and Jobs far above the work, over an index, a referrers-API signature
// and a cosign tag, twice with a state file.
func TestAttackSyncJobs(t *testing.T) {
	t.Parallel()
	for _, jobs := range []int{1, 2, 64} {
		t.Run(fmt.Sprint(jobs), func(t *testing.T) {
			t.Parallel()
			e := newStateEnv(t)
			for i := range 2 {
				rep, err := e.syncer(t, mirror.Options{Jobs: jobs}).Sync(testCtx(t))
				if err != nil || !rep.OK() {
					t.Fatalf("run %d: %v, %v", i+1, rep, err)
				}
			}
			if !e.mirrored(t, e.dst.Host) {
				t.Error("destination differs from the source")
			}
			checkClaims(t, e.path, e.dst.Host)
		})
	}
}

// manyEmpty adds n repositories without tags to a source's listing.
type manyEmpty struct {
	mirror.Source
	n int
}

func (m manyEmpty) Repositories(ctx context.Context) ([]string, error) {
	repos, err := m.Source.Repositories(ctx)
	for i := range m.n {
		repos = append(repos, fmt.Sprintf("z/empty%05d", i))
	}
	return repos, err
}

func (m manyEmpty) Tags(ctx context.Context, repo string) ([]mirror.Tag, error) {
	if strings.HasPrefix(repo, "z/") {
		return nil, nil
	}
	return m.Source.Tags(ctx, repo)
}

// Thousands of repositories with no tag, around real ones, with Jobs 1 and 4: Sync ends,
// copies the real ones, and records no repository it had nothing to do in.
func TestAttackSyncThousandsOfEmptyRepositories(t *testing.T) {
	t.Parallel()
	for _, jobs := range []int{1, 4} {
		t.Run(fmt.Sprint(jobs), func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			path := t.TempDir() + "/state.json"
			src := manyEmpty{Source: mirror.NewRegistrySource(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}), n: 3000}
			rep := e.runSync(t, e.syncer(t, mirror.Options{Source: src, Jobs: jobs, State: path}, nil))
			if rep.Items != len(want) {
				t.Errorf("report has %d items, want %d", rep.Items, len(want))
			}
			// A repository with nothing selected costs the destination nothing (it cost a
			// tag listing each, 3,171 requests for these 3,000).
			if n := len(e.dstRec.Requests()); n > src.n/10 {
				t.Errorf("%d destination requests for %d repositories without tags and %d tags", n, src.n, len(want))
			}
			for ref := range stateClaims(t, path) {
				if strings.HasPrefix(ref, "z/") {
					t.Errorf("state claims %s", ref)
				}
			}
			checkClaims(t, path, e.dst.Host)
		})
	}
}

// Two Syncs at once on one state file and one destination: both end without error (the
// other's pushes are the same images), the file claims nothing false, and a third run
// completes.
func TestAttackSyncTwoAtOnceOnOneState(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := e.syncer(t, mirror.Options{Jobs: 2}).Sync(testCtx(t))
			if err == nil && !rep.OK() {
				err = fmt.Errorf("report not OK: %v", rep)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Sync %d: %v", i+1, err)
		}
	}
	checkClaims(t, e.path, e.dst.Host)
	if rep, err := e.syncer(t, mirror.Options{}).Sync(testCtx(t)); err != nil || !rep.OK() {
		t.Fatalf("third run: %v, %v", rep, err)
	}
	if !e.mirrored(t, e.dst.Host) {
		t.Error("destination differs from the source")
	}
	checkClaims(t, e.path, e.dst.Host)
}

// Between two runs with a state, a destination tag is deleted (the destination's listing
// shows it: the next run restores it) or re-pointed to another image (the listing cannot
// show it: found within StateRecheck runs — ErrConflict, or restored with Override).
func TestAttackSyncDestinationChangedBetweenRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		delete   bool
		override bool
		wantErr  error
		runs     int
	}{
		{"deleted", true, false, nil, 1},
		{"re-pointed", false, false, mirror.ErrConflict, mirror.StateRecheck},
		{"re-pointed, Override", false, true, nil, mirror.StateRecheck},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newStateEnv(t)
			if rep, err := e.syncer(t, mirror.Options{}).Sync(testCtx(t)); err != nil {
				t.Fatalf("first Sync: %v\n%v", err, rep)
			}
			if tc.delete {
				req, _ := http.NewRequestWithContext(testCtx(t), http.MethodDelete, "http://"+e.dst.Host+"/v2/s/b/manifests/v2", nil)
				resp, err := testClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 || headDigest(t, e.dst.Host, "s/b:v2") != "" {
					t.Fatalf("DELETE s/b:v2 = %d: the test tests nothing", resp.StatusCode)
				}
			} else {
				e.push(t, e.dst.Host, map[string]any{"s/b:v2": e.fx.Image("intruder", 9)})
			}
			for i := range tc.runs {
				rep, err := e.syncer(t, mirror.Options{Override: tc.override}).Sync(testCtx(t))
				switch {
				case tc.wantErr != nil && errors.Is(err, tc.wantErr):
					t.Logf("found after %d runs", i+1)
					return
				case err != nil:
					t.Fatalf("run %d: %v\n%v", i+1, err, rep)
				case tc.wantErr == nil && e.mirrored(t, e.dst.Host):
					t.Logf("mirrored after %d runs", i+1)
					checkClaims(t, e.path, e.dst.Host)
					return
				}
			}
			t.Errorf("after %d runs, not found (want %v, or mirrored)", tc.runs, tc.wantErr)
		})
	}
}

// A destination that stalls mid-Sync — a later repository's tag listing while planning,
// or a manifest push while copying — fails the run with ErrTimeout after Options.Timeout
// on every try instead of hanging; the state claims nothing false and the next run ends
// mirrored.
func TestAttackSyncStalledDestination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		match func(*http.Request) bool
	}{
		{"planning", func(r *http.Request) bool { return r.URL.Path == "/v2/f/r2/tags/list" }},
		{"copying", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v2/f/r2/manifests/")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(1, 2<<10)}
			e.src = testutil.NewGGCRRegistry(t, e.srcRec.Wrap)
			quit := make(chan struct{})
			var stalling sync.Mutex
			stall := true
			e.dst = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
				h = e.dstRec.Wrap(h)
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					stalling.Lock()
					on := stall
					stalling.Unlock()
					if on && tc.match(r) {
						select {
						case <-r.Context().Done():
						case <-quit:
						}
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			t.Cleanup(func() { close(quit) })
			want := e.push(t, e.src.Host, faultWorkload(e))
			path := t.TempDir() + "/state.json"
			opts := mirror.Options{Jobs: 2, State: path, Retry: retry.Policy{Attempts: 2}, Timeout: 200 * time.Millisecond}
			rep, err := e.syncer(t, opts, nil).Sync(testCtx(t))
			if !errors.Is(err, mirror.ErrTimeout) {
				t.Fatalf("Sync against a stalling destination = %v, %v; want ErrTimeout", rep, err)
			}
			checkClaims(t, path, e.dst.Host)
			stalling.Lock()
			stall = false
			stalling.Unlock()
			e.runSync(t, e.syncer(t, opts, nil))
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
		})
	}
}

// Secrets: a Sync with credentials that fails (a repository's planning, manifests
// refused, a state that cannot be written) puts them in no error, report, log record or
// state file.
func TestAttackSyncSecrets(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, faultWorkload(e))
	path := t.TempDir() + "/state.json"
	if err := os.Mkdir(path+".lock", 0o700); err != nil { // the state cannot be written: a warning
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	secret := &authn.Basic{Username: "someuser", Password: "hunter2-sync"}
	src := failingSource{Source: mirror.NewRegistrySource(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host, Auth: secret}), fail: "f/r2"}
	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host, Auth: secret},
		mirror.Endpoint{PlainHTTP: true, Registry: e.dst.Host, Auth: secret, Transport: refuseManifests{http.DefaultTransport}},
		mirror.Options{Source: src, State: path, Logger: logger, Clock: &testutil.ImmediateClock{}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Sync(testCtx(t))
	if err == nil {
		t.Fatal("Sync succeeded: the test tests nothing")
	}
	raw, _ := readFileOrEmpty(path)
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, "sync state") {
		t.Errorf("no warning about the state in the logs: the test tests less than it says\n%s", out)
	}
	for what, text := range map[string]string{"error": err.Error(), "report": fmt.Sprint(rep), "logs": out, "state": string(raw)} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, "someuser") {
			t.Errorf("%s holds the credentials:\n%s", what, text)
		}
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func readFileOrEmpty(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return raw, err
}
