package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// pipelineEnv is a source with three repositories (a/x, b/y, c/z, in that name order) and
// the digest of each tag.
type pipelineEnv struct {
	src     *testutil.Registry
	digests map[string]string // ref → digest
}

func newPipelineEnv(t *testing.T, ctx context.Context, seed int64, wrap func(http.Handler) http.Handler) *pipelineEnv {
	t.Helper()
	e := &pipelineEnv{src: testutil.NewGGCRRegistry(t, wrap), digests: map[string]string{}}
	fx := testutil.NewFixture(seed, 1<<10)
	for i, ref := range []string{"a/x:1", "a/x:2", "b/y:1", "b/y:2", "c/z:1"} {
		img := fx.Image(ref, i+1)
		if err := testutil.Push(ctx, e.src.Host, ref, img); err != nil {
			t.Fatal(err)
		}
		e.digests[ref] = testutil.Descriptor(img).Digest.String()
	}
	return e
}

// at reports which of the source's tags are at dst with their source digest.
func (e *pipelineEnv) at(t *testing.T, ctx context.Context, dst string) map[string]bool {
	t.Helper()
	in := map[string]bool{}
	for ref, want := range e.digests {
		d, err := remote.Head(mustRef(t, dst+"/"+ref), remote.WithContext(ctx))
		in[ref] = err == nil && d.Digest.String() == want
	}
	return in
}

// Without -dry-run the program syncs with Syncer.Sync: one "syncing" line on
// stderr instead of a plan on stdout, then the report; everything is copied and verified.
func TestRunSyncsWithoutPlanFirst(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 41, nil)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, nil)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"text", nil},
		{"json", []string{"-json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-jobs", "2"}, tc.args...)
			if code := run(ctx, args, &out, &errOut); code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
			}
			if !strings.HasPrefix(errOut.String(), "sync: syncing "+e.src.Host+" to "+dst.Host) {
				t.Errorf("stderr does not start with the syncing step:\n%s", errOut.String())
			}
			if strings.Contains(out.String(), "→") {
				t.Errorf("stdout holds a plan; want the report only:\n%s", out.String())
			}
			if tc.args == nil {
				return
			}
			var rep mirror.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("stdout is not a report: %v\n%s", err, out.String())
			}
			if rep.Items != len(e.digests) || rep.Verified != rep.Items || !rep.OK() {
				t.Errorf("report: %d items, %d verified, OK %v; want %d verified", rep.Items, rep.Verified, rep.OK(), len(e.digests))
			}
		})
	}
	for ref, ok := range e.at(t, ctx, dst.Host) {
		if !ok {
			t.Errorf("%s not at the destination with its source digest", ref)
		}
	}
}

// A repository that cannot be planned ends a Sync run after the ones before it are
// copied: the program names it, exits 1, and the metrics say the run failed (no last
// success) while counting the items copied before it.
func TestSyncPlanningFailureIsAFailedRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 42, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/b/y/tags/list" {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	dst := testutil.NewGGCRRegistry(t, nil)
	file := filepath.Join(t.TempDir(), "sync.prom")
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-metrics-file", file}, &out, &errOut)
	if code != exitFailed || !strings.Contains(errOut.String(), "sync: planning b/y: ") || !strings.Contains(errOut.String(), "none after it was started") {
		t.Errorf("exit %d, stderr:\n%s\nwant 1, b/y named and what was left", code, errOut.String())
	}
	if !strings.Contains(out.String(), "2 items: 2 copied") {
		t.Errorf("stdout %q: want the report of a/x's 2 items", out.String())
	}
	want := map[string]bool{"a/x:1": true, "a/x:2": true, "b/y:1": false, "b/y:2": false, "c/z:1": false}
	if diff := cmp.Diff(want, e.at(t, ctx, dst.Host)); diff != "" {
		t.Errorf("at the destination (-want +got):\n%s", diff)
	}
	checkSeries(t, readTextfile(t, file), []series{
		{"regdr_sync_runs_total", []string{"result", "failed"}, 1},
		{"regdr_sync_runs_total", []string{"result", "ok"}, 0},
		{"regdr_sync_items_total", []string{"outcome", "copied"}, 2},
	}, "regdr_sync_last_success_timestamp_seconds")
}

// A Sync run interrupted after some repositories were copied says so: how many of the
// items planned so far are verified, and that the rest was not started — never that
// nothing was copied.
func TestInterruptedSyncSaysWhatWasCopied(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runCtx, interrupt := context.WithCancel(ctx)
	e := newPipelineEnv(t, ctx, 43, nil)
	dst := testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			// b/y's first manifest is in place: a/x's blobs and b/y's are too.
			if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v2/b/y/manifests/") {
				interrupt()
			}
		})
	})
	var out, errOut bytes.Buffer
	code := run(runCtx, []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-json", "-jobs", "1"}, &out, &errOut)
	var rep mirror.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not a report: %v\n%s", err, out.String())
	}
	var lines []string
	for _, l := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(l, "interrupted") {
			lines = append(lines, l)
		}
	}
	wantLine := fmt.Sprintf("sync: interrupted: %d of the %d items planned so far verified (%d copied, %d tagged); repositories not yet planned were not started",
		rep.Verified, rep.Items, rep.Copied, rep.Tagged)
	if code != exitFailed || len(lines) != 1 || !strings.HasPrefix(lines[0], wantLine) || strings.Contains(errOut.String(), "context canceled") {
		t.Errorf("exit %d, stderr:\n%s\nwant 1 and one line starting %q", code, errOut.String(), wantLine)
	}
	copied := 0
	for _, ok := range e.at(t, ctx, dst.Host) {
		if ok {
			copied++
		}
	}
	if copied == 0 || rep.Verified > copied || rep.Items == 0 {
		t.Errorf("%d tags at the destination, report %d items, %d verified: want some copied, no more verified than there", copied, rep.Items, rep.Verified)
	}
}

// interruptedLine never says nothing was copied when some items reached the copy.
func TestInterruptedLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  mirror.Report
		want string
	}{
		{"sync before any copy", mirror.Report{}, "sync: interrupted while planning; nothing was copied"},
		{"sync after some copies", mirror.Report{Items: 4, Copied: 3, Tagged: 1, Verified: 2},
			"sync: interrupted: 2 of the 4 items planned so far verified (3 copied, 1 tagged); repositories not yet planned were not started; run again to finish (what is in place is not sent again)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := interruptedLine(&tc.rep); got != tc.want {
				t.Errorf("interruptedLine = %q\nwant %q", got, tc.want)
			}
		})
	}
}

// planningError keeps Sync's planning failure (mirror.PlanningError) apart from the
// items' errors, whatever their number: a conflict alone is no planning failure (exit 3,
// not 1).
func TestPlanningError(t *testing.T) {
	item := func(tag string, err error) mirror.Result {
		return mirror.Result{Item: mirror.Item{Dest: "a/x", Tag: tag}, Outcome: mirror.OutcomeFailed, Err: err}
	}
	plan := &mirror.PlanningError{Repository: "b/y", Err: errors.New("listing tags: 403")}
	two := mirror.Report{Results: []mirror.Result{item("1", mirror.ErrConflict), item("2", errors.New("boom"))}}
	itemsErr := errors.Join(two.Errors()...)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"none", nil, ""},
		{"items only", itemsErr, ""},
		{"planning only", errors.Join(fmt.Errorf("syncing: %w", plan)), "planning b/y: listing tags: 403"},
		{"planning and items", errors.Join(fmt.Errorf("syncing: %w", plan), itemsErr), "planning b/y: listing tags: 403"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := planningError(tc.err); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("planningError = %q, want %q", got, tc.want)
			}
		})
	}
}

// The metrics of a run are the same regdr_sync_ series, with the same counts, as those of
// its one part of one (-shards 1 -shard 0: the shard label aside, the same run).
func TestSyncMetricsMatchOnePart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 44, nil)
	dir := t.TempDir()
	got := map[string]map[string]float64{}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"sync", nil},
		{"one part", []string{"-shards", "1", "-shard", "0"}},
	} {
		dst := testutil.NewGGCRRegistry(t, nil)
		file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".prom")
		var out, errOut bytes.Buffer
		args := append([]string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-metrics-file", file}, tc.args...)
		if code := run(ctx, args, &out, &errOut); code != exitOK {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, errOut.String())
		}
		got[tc.name] = flatSeries(readTextfile(t, file))
	}
	if len(got["sync"]) < 10 {
		t.Errorf("sync run exported %d series: %v", len(got["sync"]), got["sync"])
	}
	if diff := cmp.Diff(got["one part"], got["sync"]); diff != "" {
		t.Errorf("metrics of the whole run differ from its one part of one (-part +whole):\n%s", diff)
	}
}

// flatSeries maps each series (name and labels) to its value; times and durations, which
// differ between any two runs, are kept as present (1).
func flatSeries(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			v, _ := value(map[string]*dto.MetricFamily{name: {Metric: []*dto.Metric{m}}}, name)
			if strings.Contains(name, "timestamp") || strings.Contains(name, "duration") {
				v = 1
			}
			out[key] = v
		}
	}
	return out
}

// -dry-run still prints the plan and writes nothing: no request that writes to the
// destination, no state file, no metrics file.
func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 45, nil)
	var writes atomic.Int64
	dst := testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				writes.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	dir := t.TempDir()
	state, metricsFile := filepath.Join(dir, "state"), filepath.Join(dir, "sync.prom")
	var out, errOut bytes.Buffer
	args := []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-dry-run", "-state", state, "-metrics-file", metricsFile}
	if code := run(ctx, args, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	for ref := range e.digests {
		if !strings.Contains(out.String(), "→ "+ref+" (") {
			t.Errorf("the plan does not copy %s:\n%s", ref, out.String())
		}
	}
	if strings.Contains(errOut.String(), "syncing") {
		t.Errorf("a dry run announced a sync:\n%s", errOut.String())
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("%d writing requests to the destination, want none", n)
	}
	for _, f := range []string{state, metricsFile} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("-dry-run wrote %s (%v)", f, err)
		}
	}
	for ref, ok := range e.at(t, ctx, dst.Host) {
		if ok {
			t.Errorf("-dry-run copied %s", ref)
		}
	}
}

// -shards 2 -shard 0 and -shard 1 (an Indexed Job's two pods) each sync their own part with
// Syncer.Sync — no plan printed first, each asking the source about its own repositories
// only — and together land every tag once; each part keeps its own -state file.
func TestShardsSyncTheirParts(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rec := testutil.NewRecorder()
	e := newPipelineEnv(t, ctx, 45, rec.Wrap)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, nil)
	dir := t.TempDir()
	seen := map[string]int{}
	for i := range 2 {
		rec.Reset()
		state := filepath.Join(dir, fmt.Sprintf("state-%d.json", i))
		var out, errOut bytes.Buffer
		args := []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-json", "-shards", "2", "-shard", strconv.Itoa(i), "-state", state}
		if code := run(ctx, args, &out, &errOut); code != exitOK {
			t.Fatalf("shard %d: exit %d\n%s", i, code, errOut.String())
		}
		if !strings.Contains(errOut.String(), "each repository is copied as soon as it is planned") {
			t.Errorf("shard %d did not sync with Sync:\n%s", i, errOut.String())
		}
		var rep mirror.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, out.String())
		}
		for _, res := range rep.Results {
			if mirror.ShardIndex(res.Item.Dest, 2) != i {
				t.Errorf("shard %d synced %s, another part's", i, res.Item.Ref())
			}
			seen[res.Item.Dest+":"+res.Item.Tag]++
		}
		for _, q := range rec.Requests() {
			if q.Repo != "" && mirror.ShardIndex(q.Repo, 2) != i {
				t.Errorf("shard %d asked the source about %s, another part's repository", i, q.Repo)
			}
		}
		if _, err := os.Stat(state); err != nil {
			t.Errorf("shard %d wrote no state: %v", i, err)
		}
	}
	for ref, ok := range e.at(t, ctx, dst.Host) {
		if !ok || seen[ref] != 1 {
			t.Errorf("%s: at the destination %v, synced by %d parts (want 1)", ref, ok, seen[ref])
		}
	}
}
