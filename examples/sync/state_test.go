package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// stateEnv is a source with a few tags and a destination counting its requests.
type stateEnv struct {
	src, dst *testutil.Registry
	dstReqs  atomic.Int64
	fx       *testutil.Fixture
	digests  map[string]string // source ref → digest
}

func newStateEnv(t *testing.T, ctx context.Context) *stateEnv {
	t.Helper()
	e := &stateEnv{fx: testutil.NewFixture(31, 1<<10), digests: map[string]string{}}
	e.src = testutil.NewGGCRRegistry(t, nil)
	e.dst = testutil.NewGGCRRegistry(t, syncCounting(&e.dstReqs))
	for i := range 12 {
		e.push(t, ctx, fmt.Sprintf("app/r%d:v%d", i%3, i), i)
	}
	return e
}

func (e *stateEnv) push(t *testing.T, ctx context.Context, ref string, n int) {
	t.Helper()
	img := e.fx.Image(ref, n+1)
	if err := testutil.Push(ctx, e.src.Host, ref, img); err != nil {
		t.Fatal(err)
	}
	e.digests[ref] = testutil.Descriptor(img).Digest.String()
}

// sync runs the command with extra flags and returns its report and the destination
// requests it made.
func (e *stateEnv) sync(t *testing.T, ctx context.Context, extra ...string) (*mirror.Report, int64) {
	t.Helper()
	before := e.dstReqs.Load()
	var out, errOut bytes.Buffer
	args := append([]string{"-src", e.src.Host, "-dst", e.dst.Host, "-plain-http", "-json"}, extra...)
	if code := run(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("sync %q exit %d:\n%s", args, code, errOut.String())
	}
	var rep mirror.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("sync %q: the output is not a report: %v\n%s", args, err, out.String())
	}
	return &rep, e.dstReqs.Load() - before
}

// check fails unless every source tag is at the destination with its digest.
func (e *stateEnv) check(t *testing.T, ctx context.Context) {
	t.Helper()
	for ref, want := range e.digests {
		d, err := remote.Head(mustRef(t, e.dst.Host+"/"+ref), remote.WithContext(ctx))
		if err != nil || d.Digest.String() != want {
			t.Errorf("destination %s = %v, %v; want %s", ref, d, err, want)
		}
	}
}

// TestStateMakesResyncCheaper: with -state, a re-sync that copies nothing asks the
// destination less than one without it.
func TestStateMakesResyncCheaper(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newStateEnv(t, ctx)
	state := filepath.Join(t.TempDir(), "sync.state")
	if rep, _ := e.sync(t, ctx, "-state", state); rep.Copied != len(e.digests) {
		t.Fatalf("first run copied %d, want %d", rep.Copied, len(e.digests))
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("no state written: %v", err)
	}
	_, without := e.sync(t, ctx)
	rep, with := e.sync(t, ctx, "-state", state)
	if rep.Skipped != len(e.digests) || rep.Copied != 0 {
		t.Errorf("re-sync with -state: %d skipped, %d copied; want %d skipped", rep.Skipped, rep.Copied, len(e.digests))
	}
	t.Logf("destination requests of a no-op re-sync: %d without -state, %d with", without, with)
	if with >= without {
		t.Errorf("a no-op re-sync with -state made %d destination requests, without %d: want fewer", with, without)
	}
	e.check(t, ctx)
}

// TestStateGarbage: a state file that is garbage, cut short, or forged (claiming the
// destination holds what it does not) changes nothing of what is copied: the run syncs
// everything, and leaves a usable state behind.
func TestStateGarbage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content func(e *stateEnv) string
	}{
		{"empty", func(*stateEnv) string { return "" }},
		{"binary", func(*stateEnv) string { return "\x00\xff\xfe garbage \x1b[2J" }},
		{"cut short", func(e *stateEnv) string {
			return `{"version":1,"source":"` + e.src.Host + `","destination":"` + e.dst.Host + `","repos":{"app/r0":`
		}},
		{"forged, no checksum", func(e *stateEnv) string {
			return `{"version":1,"source":"` + e.src.Host + `","destination":"` + e.dst.Host + `","generation":7,"repos":{"app/r0":{"source":"app/r0","tags":{"v0":"` + e.digests["app/r0:v0"] + `","v3":"` + e.digests["app/r0:v3"] + `"}}}}`
		}},
		{"forged, wrong checksum", func(e *stateEnv) string {
			return `{"version":1,"source":"` + e.src.Host + `","destination":"` + e.dst.Host + `","generation":7,"repos":{"app/r1":{"source":"app/r1","tags":{"v1":"` + e.digests["app/r1:v1"] + `"}}},"checksum":"sha256:` + strings.Repeat("0", 64) + `"}`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			e := newStateEnv(t, ctx)
			state := filepath.Join(t.TempDir(), "sync.state")
			if err := os.WriteFile(state, []byte(tc.content(e)), 0o600); err != nil {
				t.Fatal(err)
			}
			rep, _ := e.sync(t, ctx, "-state", state)
			if rep.Copied != len(e.digests) || rep.Verified != len(e.digests) {
				t.Errorf("sync over a %s state: %d copied, %d verified; want %d", tc.name, rep.Copied, rep.Verified, len(e.digests))
			}
			e.check(t, ctx)
			// The state it left is a good one: a new tag is copied, the rest skipped.
			e.push(t, ctx, "app/r2:new", 99)
			rep, _ = e.sync(t, ctx, "-state", state)
			if rep.Copied != 1 || rep.Skipped != len(e.digests)-1 {
				t.Errorf("next run: %d copied, %d skipped; want 1 and %d", rep.Copied, rep.Skipped, len(e.digests)-1)
			}
			e.check(t, ctx)
		})
	}
}
