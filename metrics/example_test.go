package metrics_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
	"github.com/regdr/regdr/replication/mirror"
)

// A monitor's events become metrics: here a failover of target vpc-b, as
// failover.MonitorConfig.OnEvent would report it.
func ExampleMonitor() {
	clk := clocktest.NewFake(time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC))
	m := metrics.NewMonitor(metrics.MonitorOptions{RPO: 15 * time.Minute, Clock: clk, Targets: []string{"vpc-b"}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)

	m.ObserveLag(failover.Lag{Missing: 1, OldestMissing: 4 * time.Minute, CheckedAt: clk.Now()})
	clk.Advance(time.Minute)
	down := failover.HealthStatus{Endpoint: "harbor", Health: failover.HealthDown, DownStreak: 3}
	up := failover.HealthStatus{Endpoint: "acr-ee", Health: failover.HealthUp, UpStreak: 40}
	m.Observe(failover.MonitorEvent{Time: clk.Now(), Kind: failover.EventProbed, Primary: down, Secondary: up})
	plan := &failover.Plan{Kind: failover.KindFailover, Changes: []failover.RecordChange{{Target: "vpc-b"}}}
	m.Observe(failover.MonitorEvent{Time: clk.Now(), Kind: failover.EventPlanned, Plan: plan})
	m.Observe(failover.MonitorEvent{Time: clk.Now(), Kind: failover.EventApplied, Plan: plan, Result: &failover.Result{
		Kind: failover.KindFailover, Changes: []failover.ChangeResult{{Target: "vpc-b", Written: true, WrittenAt: clk.Now()}},
	}})
	fmt.Println("ready:", m.Ready() == nil)

	fams, _ := reg.Gather()
	for _, f := range fams {
		switch f.GetName() {
		case "regdr_endpoint_up", "regdr_replication_oldest_missing_age_seconds", "regdr_replication_lag_age_seconds",
			"regdr_replication_rpo_seconds", "regdr_target_side":
			var b strings.Builder
			_, _ = expfmt.MetricFamilyToText(&b, f)
			for _, line := range strings.Split(b.String(), "\n") {
				if line != "" && !strings.HasPrefix(line, "#") {
					fmt.Fprintln(os.Stdout, line)
				}
			}
		}
	}
	// Output:
	// ready: true
	// regdr_endpoint_up{endpoint="primary"} 0
	// regdr_endpoint_up{endpoint="secondary"} 1
	// regdr_replication_lag_age_seconds 60
	// regdr_replication_oldest_missing_age_seconds 240
	// regdr_replication_rpo_seconds 900
	// regdr_target_side{target="vpc-b"} 1
}

// The sync engine's progress events and final report become metrics; give
// s.Progress(nil) (or s.Observe) as mirror.Options.Progress.
func ExampleSync() {
	s := metrics.NewSync(nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)

	progress := s.Progress(nil)
	progress(mirror.Event{Kind: mirror.EventBytes, Repo: "acr-ns/nginx", Bytes: 2048})
	progress(mirror.Event{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Outcome: "uploaded"})
	progress(mirror.Event{Kind: mirror.EventBlob, Repo: "acr-ns/nginx", Outcome: "mounted"})
	progress(mirror.Event{Kind: mirror.EventItem, Repo: "acr-ns/nginx", Ref: "1.27", Outcome: string(mirror.OutcomeCopied)})
	s.ObserveReport(&mirror.Report{Items: 1, Copied: 1, Duration: 3 * time.Second})

	fams, _ := reg.Gather()
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if v == 0 || strings.HasSuffix(f.GetName(), "_timestamp_seconds") {
				continue
			}
			label := ""
			if len(m.GetLabel()) > 0 {
				label = "{" + m.GetLabel()[0].GetName() + "=" + m.GetLabel()[0].GetValue() + "}"
			}
			fmt.Printf("%s%s %v\n", f.GetName(), label, v)
		}
	}
	// Output:
	// regdr_sync_blobs_total{outcome=mounted} 1
	// regdr_sync_blobs_total{outcome=uploaded} 1
	// regdr_sync_items_total{outcome=copied} 1
	// regdr_sync_last_run_duration_seconds 3
	// regdr_sync_runs_total{result=ok} 1
	// regdr_sync_uploaded_bytes_total 2048
}
