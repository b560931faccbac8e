package metrics_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
	"github.com/regdr/regdr/replication/mirror"
)

// TestSyncCountsEventsAndRuns feeds a run's progress events and its report, and reads the
// counters back over HTTP: nothing counted twice, no repository, tag or digest label.
func TestSyncCountsEventsAndRuns(t *testing.T) {
	t.Parallel()
	clk := clocktest.NewFake(start)
	s := metrics.NewSync(clk)
	var passed int
	progress := s.Progress(func(mirror.Event) { passed++ })
	for _, ev := range []mirror.Event{
		{Kind: mirror.EventBytes, Repo: "acr-ns/nginx", Digest: "sha256:aa", Bytes: 1000, Size: 1500},
		{Kind: mirror.EventBytes, Repo: "acr-ns/nginx", Digest: "sha256:aa", Bytes: 500, Size: 1500},
		{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Digest: "sha256:aa", Outcome: "uploaded"},
		{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Digest: "sha256:bb", Outcome: "mounted"},
		{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Digest: "sha256:cc", Outcome: "present"},
		{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Digest: "sha256:dd", Outcome: "teleported"},
		{Kind: mirror.EventManifest, Repo: "acr-ns/nginx", Ref: "1.27"},
		{Kind: mirror.EventRetry, Err: errors.New("503")},
		{Kind: mirror.EventItem, Repo: "acr-ns/nginx", Ref: "1.27", Outcome: string(mirror.OutcomeCopied)},
		{Kind: mirror.EventItem, Repo: "acr-ns/nginx", Ref: "1.26", Outcome: string(mirror.OutcomeSkipped)},
		{Kind: mirror.EventItem, Repo: "acr-ns/redis", Ref: "7", Outcome: string(mirror.OutcomeFailed), Err: errors.New("denied")},
	} {
		progress(ev)
	}
	if passed != 11 {
		t.Errorf("Progress passed %d events on, want 11", passed)
	}
	clk.Advance(time.Minute)
	s.ObserveReport(&mirror.Report{Items: 3, Copied: 1, Skipped: 1, Failed: 1, Duration: 42 * time.Second})
	clk.Advance(time.Minute)
	s.ObserveReport(&mirror.Report{Items: 3, Skipped: 3, Duration: 2 * time.Second})
	s.ObserveReport(nil)

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s)
	srv := httptest.NewServer(metrics.Handler(reg, nil))
	t.Cleanup(srv.Close)
	fams := scrape(t, srv)
	for _, w := range []want{
		{"regdr_sync_uploaded_bytes_total", nil, 1500},
		{"regdr_sync_blobs_total", []string{"outcome", "uploaded"}, 1},
		{"regdr_sync_blobs_total", []string{"outcome", "mounted"}, 1},
		{"regdr_sync_blobs_total", []string{"outcome", "present"}, 1},
		{"regdr_sync_blobs_total", []string{"outcome", "other"}, 1},
		{"regdr_sync_manifests_total", nil, 1},
		{"regdr_sync_retries_total", nil, 1},
		{"regdr_sync_items_total", []string{"outcome", "copied"}, 1},
		{"regdr_sync_items_total", []string{"outcome", "skipped"}, 1},
		{"regdr_sync_items_total", []string{"outcome", "failed"}, 1},
		{"regdr_sync_items_total", []string{"outcome", "conflict"}, 0},
		{"regdr_sync_runs_total", []string{"result", "ok"}, 1},
		{"regdr_sync_runs_total", []string{"result", "failed"}, 1},
		{"regdr_sync_last_run_duration_seconds", nil, 2},
		{"regdr_sync_last_run_failed_items", nil, 0},
		{"regdr_sync_last_run_timestamp_seconds", nil, float64(start.Add(2 * time.Minute).Unix())},
		{"regdr_sync_last_success_timestamp_seconds", nil, float64(start.Add(2 * time.Minute).Unix())},
	} {
		got, ok := value(fams, w.name, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "outcome" && l.GetName() != "result" {
					t.Errorf("%s has label %s=%s; only outcome and result are bounded", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestHandlerPaths(t *testing.T) {
	t.Parallel()
	notReady := errors.New("warming up")
	srv := httptest.NewServer(metrics.Handler(prometheus.NewRegistry(), func() error { return notReady }))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/healthz", 200},
		{"/readyz", 503},
		{"/metrics", 200},
		{"/", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}

// TestConcurrentObserveAndScrape runs events into both collectors while they are
// gathered; run with -race.
func TestConcurrentObserveAndScrape(t *testing.T) {
	t.Parallel()
	m := metrics.NewMonitor(metrics.MonitorOptions{})
	s := metrics.NewSync(nil)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		up := failover.HealthStatus{Health: failover.HealthUp, Vantages: []failover.VantageStatus{{Vantage: "local"}}}
		for i := range 200 {
			up.Vantages[0].Last = failover.ProbeResult{At: start.Add(time.Duration(i) * time.Second), Up: true}
			m.Observe(failover.MonitorEvent{Kind: failover.EventProbed, Time: start, Primary: up, Secondary: up})
			m.ObserveLag(failover.Lag{Missing: i, CheckedAt: start.Add(time.Duration(i) * time.Second)})
			s.Observe(mirror.Event{Kind: mirror.EventBytes, Bytes: 1})
		}
	}()
	for range 20 {
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		switch f.GetName() {
		case "regdr_monitor_rounds_total", "regdr_sync_uploaded_bytes_total":
			got[f.GetName()] = f.GetMetric()[0].GetCounter().GetValue()
		case "regdr_replication_missing_artifacts":
			got[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	want := map[string]float64{"regdr_monitor_rounds_total": 200, "regdr_sync_uploaded_bytes_total": 200, "regdr_replication_missing_artifacts": 199}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after 200 events (-want +got):\n%s", diff)
	}
}

// A run that never succeeded exports no last-success time: a zero timestamp reads as 1970
// and would fire "no sync succeeded for a day" at once, and through a Pushgateway (Add)
// it would overwrite the time the previous run succeeded. A run that failed before it
// had a report (the plan could not be made) is a failed run.
func TestSyncLastSuccessAndRunError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		feed func(*metrics.Sync, *clocktest.Fake)
		want []want
		none []string
	}{
		{"nothing yet", func(*metrics.Sync, *clocktest.Fake) {},
			[]want{{"regdr_sync_runs_total", []string{"result", "failed"}, 0}},
			[]string{"regdr_sync_last_success_timestamp_seconds"}},
		{"failed items", func(s *metrics.Sync, _ *clocktest.Fake) {
			s.ObserveReport(&mirror.Report{Items: 1, Failed: 1, Duration: time.Second})
		}, []want{{"regdr_sync_runs_total", []string{"result", "failed"}, 1}, {"regdr_sync_last_run_failed_items", nil, 1}},
			[]string{"regdr_sync_last_success_timestamp_seconds"}},
		{"planning failed", func(s *metrics.Sync, c *clocktest.Fake) {
			c.Advance(time.Minute)
			s.ObserveRunError(3 * time.Second)
		}, []want{
			{"regdr_sync_runs_total", []string{"result", "failed"}, 1},
			{"regdr_sync_runs_total", []string{"result", "ok"}, 0},
			{"regdr_sync_last_run_duration_seconds", nil, 3},
			{"regdr_sync_last_run_failed_items", nil, 0},
			{"regdr_sync_last_run_timestamp_seconds", nil, float64(start.Add(time.Minute).Unix())},
		}, []string{"regdr_sync_last_success_timestamp_seconds"}},
		{"success, then planning failed", func(s *metrics.Sync, c *clocktest.Fake) {
			s.ObserveReport(&mirror.Report{Items: 1, Copied: 1, Verified: 1})
			c.Advance(time.Minute)
			s.ObserveRunError(time.Second)
		}, []want{
			{"regdr_sync_runs_total", []string{"result", "failed"}, 1},
			{"regdr_sync_runs_total", []string{"result", "ok"}, 1},
			{"regdr_sync_last_success_timestamp_seconds", nil, float64(start.Unix())},
			{"regdr_sync_last_run_timestamp_seconds", nil, float64(start.Add(time.Minute).Unix())},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.NewFake(start)
			s := metrics.NewSync(clk)
			tc.feed(s, clk)
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(s)
			srv := httptest.NewServer(metrics.Handler(reg, nil))
			t.Cleanup(srv.Close)
			fams := scrape(t, srv)
			for _, w := range tc.want {
				if got, ok := value(fams, w.name, w.labels...); !ok || got != w.value {
					t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
				}
			}
			for _, name := range tc.none {
				if f, ok := fams[name]; ok {
					t.Errorf("%s exported: %v", name, f)
				}
			}
		})
	}
}
