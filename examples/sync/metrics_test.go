package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/regdr/regdr/internal/testutil"
)

// value returns the value of family name's series whose labels include labels (name,
// value pairs), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetUntyped() != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func readTextfile(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("parsing %s with the Prometheus text parser: %v", path, err)
	}
	return fams
}

type series struct {
	name   string
	labels []string
	value  float64
}

func checkSeries(t *testing.T, fams map[string]*dto.MetricFamily, want []series, absent ...string) {
	t.Helper()
	for _, w := range want {
		if got, ok := value(fams, w.name, w.labels...); !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	for _, name := range absent {
		if _, ok := fams[name]; ok {
			t.Errorf("%s present, want absent", name)
		}
	}
	for name := range fams {
		if !strings.HasPrefix(name, "regdr_sync_") {
			t.Errorf("%s exported: only the regdr_sync_ metrics belong to a sync run", name)
		}
	}
}

// -metrics-file: after a real sync the file holds the run's regdr_sync_ metrics in the
// text format node-exporter's textfile collector reads; a run that fails while planning
// replaces it with a failed run and no last-success time; no temporary file is left.
func TestMetricsFile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(11, 1<<10)
	for i, ref := range []string{"a/x:1", "a/x:2", "a/y:1"} {
		if err := testutil.Push(ctx, src.Host, ref, fx.Image(ref, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "regdr_sync.prom")
	args := []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-metrics-file", file}

	var out, errOut bytes.Buffer
	if code := run(ctx, args, &out, &errOut); code != exitOK {
		t.Fatalf("sync exit %d\n%s", code, errOut.String())
	}
	fams := readTextfile(t, file)
	checkSeries(t, fams, []series{
		{"regdr_sync_items_total", []string{"outcome", "copied"}, 3},
		{"regdr_sync_items_total", []string{"outcome", "failed"}, 0},
		{"regdr_sync_blobs_total", []string{"outcome", "uploaded"}, 6}, // a layer and a config each
		{"regdr_sync_runs_total", []string{"result", "ok"}, 1},
		{"regdr_sync_runs_total", []string{"result", "failed"}, 0},
		{"regdr_sync_last_run_failed_items", nil, 0},
	})
	if b, ok := value(fams, "regdr_sync_uploaded_bytes_total"); !ok || b <= 0 {
		t.Errorf("regdr_sync_uploaded_bytes_total = %v (present %v), want bytes", b, ok)
	}
	last, ok1 := value(fams, "regdr_sync_last_run_timestamp_seconds")
	success, ok2 := value(fams, "regdr_sync_last_success_timestamp_seconds")
	if !ok1 || !ok2 || last != success || last == 0 {
		t.Errorf("last run at %v (%v), last success at %v (%v): want the same time", last, ok1, success, ok2)
	}

	// The source refuses to list its repositories: the plan cannot be made.
	denied := testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				h.ServeHTTP(w, r)
				return
			}
			w.WriteHeader(http.StatusForbidden)
		})
	})
	out.Reset()
	errOut.Reset()
	args[1] = denied.Host
	if code := run(ctx, args, &out, &errOut); code != exitFailed {
		t.Fatalf("sync from a refusing source: exit %d, want 1\n%s", code, errOut.String())
	}
	checkSeries(t, readTextfile(t, file), []series{
		{"regdr_sync_runs_total", []string{"result", "failed"}, 1},
		{"regdr_sync_runs_total", []string{"result", "ok"}, 0},
		{"regdr_sync_items_total", []string{"outcome", "copied"}, 0},
	}, "regdr_sync_last_success_timestamp_seconds")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("%s holds %d files, want only the metrics file: a temporary file left behind?", dir, len(entries))
	}
}

// A -metrics-file that cannot be written turns a successful run into a failed one (exit
// 1), saying why; the copy itself is done.
func TestMetricsFileUnwritable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(12, 1<<10)
	if err := testutil.Push(ctx, src.Host, "a/x:1", fx.Image("x", 1)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-metrics-file", filepath.Join(dir, "sync.prom")}
	c, err := parse(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// The directory existed when the flags were checked and is gone at the end of the run.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runConfig(ctx, c, &out, &errOut); code != exitFailed || !strings.Contains(errOut.String(), "writing -metrics-file") {
		t.Errorf("exit %d, stderr %q; want 1 and the metrics file named", code, errOut.String())
	}
	if !strings.Contains(out.String(), "1 copied") {
		t.Errorf("stdout %q: the copy should be done", out.String())
	}
}

// pushgateway records what a Pushgateway receives.
type pushgateway struct {
	mu     sync.Mutex
	pushes []pushed
}

type pushed struct {
	method, path string
	fams         map[string]*dto.MetricFamily
}

func (p *pushgateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dec := expfmt.NewDecoder(r.Body, expfmt.ResponseFormat(r.Header))
	fams := map[string]*dto.MetricFamily{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			break
		}
		fams[f.GetName()] = &f
	}
	p.mu.Lock()
	p.pushes = append(p.pushes, pushed{r.Method, r.URL.Path, fams})
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// -pushgateway: the run's metrics are added (POST, so a failed run keeps the last-success
// time an earlier push left) under job regdr_sync and the shard; an unreachable gateway
// fails the run.
func TestPushgateway(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(13, 1<<10)
	for i, ref := range []string{"a/x:1", "a/x:2", "a/y:1", "b/z:1"} {
		if err := testutil.Push(ctx, src.Host, ref, fx.Image(ref, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	gw := &pushgateway{}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	args := []string{"-src", src.Host, "-dst", dst.Host, "-plain-http", "-pushgateway", srv.URL, "-shards", "2", "-shard", "1"}
	if code := run(ctx, args, &out, &errOut); code != exitOK {
		t.Fatalf("sync exit %d\n%s", code, errOut.String())
	}
	gw.mu.Lock()
	pushes := gw.pushes
	gw.mu.Unlock()
	if len(pushes) != 1 {
		t.Fatalf("%d pushes, want 1", len(pushes))
	}
	p := pushes[0]
	if p.method != http.MethodPost || p.path != "/metrics/job/regdr_sync/shard/1" {
		t.Errorf("pushed %s %s, want POST /metrics/job/regdr_sync/shard/1", p.method, p.path)
	}
	copied, _ := value(p.fams, "regdr_sync_items_total", "outcome", "copied")
	checkSeries(t, p.fams, []series{
		{"regdr_sync_runs_total", []string{"result", "ok"}, 1},
		{"regdr_sync_items_total", []string{"outcome", "failed"}, 0},
	})
	if copied < 1 || copied > 3 {
		t.Errorf("shard 1 of 2 copied %v of 4 items, want a part of them", copied)
	}

	srv.Close()
	out.Reset()
	errOut.Reset()
	if code := run(ctx, args, &out, &errOut); code != exitFailed || !strings.Contains(errOut.String(), "pushing to -pushgateway") {
		t.Errorf("pushing to a closed gateway: exit %d, stderr %q; want 1 and the gateway named", code, errOut.String())
	}
}

// -dry-run exports nothing: nothing ran.
func TestDryRunExportsNoMetrics(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(14, 1<<10)
	if err := testutil.Push(ctx, src.Host, "a/x:1", fx.Image("x", 1)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sync.prom")
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"-src", src.Host, "-dst", src.Host, "-plain-http", "-dry-run", "-metrics-file", file}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-dry-run wrote %s (%v)", file, err)
	}
}
