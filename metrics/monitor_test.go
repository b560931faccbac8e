package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
)

type want struct {
	name   string
	labels []string
	value  float64
}

func check(t *testing.T, phase string, o *outage, wants []want) {
	t.Helper()
	fams := scrape(t, o.srv)
	for _, w := range wants {
		got, ok := value(fams, w.name, w.labels...)
		if !ok {
			t.Errorf("%s: %s%v missing; have %s", phase, w.name, w.labels, series(fams, w.name))
			continue
		}
		if got != w.value {
			t.Errorf("%s: %s%v = %v, want %v", phase, w.name, w.labels, got, w.value)
		}
	}
}

func get(t *testing.T, o *outage, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, o.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := o.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMonitorAcrossOutage drives a real failover.Monitor through an outage of the
// primary — probe failures, failover planned and applied, the target on the secondary,
// recovery and failback — and reads every step back from /metrics over HTTP.
func TestMonitorAcrossOutage(t *testing.T) {
	t.Parallel()
	o := newOutage(t)
	const p, s, v = metrics.EndpointPrimary, metrics.EndpointSecondary, "local"
	ts := func(d time.Duration) float64 { return float64(start.Add(d).Unix()) }

	if code, body := get(t, o, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before any round = %d %q, want 503", code, body)
	}
	if code, _ := get(t, o, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	check(t, "before any round", o, []want{
		{"regdr_monitor_rounds_total", nil, 0},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SidePrimary},
		{"regdr_failover_refused_total", []string{"reason", metrics.ReasonLagExceedsRPO}, 0},
		{"regdr_replication_rpo_seconds", nil, 3600},
	})

	for i := range 3 {
		if kinds := o.round(t); len(kinds) != 0 {
			t.Fatalf("healthy round %d: events %v, want none", i, kinds)
		}
	}
	if code, body := get(t, o, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a round = %d %q, want 200", code, body)
	}
	check(t, "healthy", o, []want{
		{"regdr_monitor_rounds_total", nil, 3},
		{"regdr_monitor_last_round_timestamp_seconds", nil, ts(60 * time.Second)},
		{"regdr_endpoint_up", []string{"endpoint", p}, 1},
		{"regdr_endpoint_up", []string{"endpoint", s}, 1},
		{"regdr_endpoint_health", []string{"endpoint", p, "health", "up"}, 1},
		{"regdr_endpoint_health", []string{"endpoint", p, "health", "down"}, 0},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", p}, 0},
		{"regdr_endpoint_consecutive_successes", []string{"endpoint", p}, 3},
		{"regdr_probe_up", []string{"endpoint", p, "vantage", v}, 1},
		{"regdr_probe_duration_seconds", []string{"endpoint", p, "vantage", v}, 0.02},
		{"regdr_probes_total", []string{"endpoint", p, "vantage", v, "result", "up"}, 3},
		{"regdr_probes_total", []string{"endpoint", p, "vantage", v, "result", "down"}, 0},
		{"regdr_replication_missing_artifacts", nil, 2},
		{"regdr_replication_stale_artifacts", nil, 1},
		{"regdr_replication_oldest_missing_age_seconds", nil, 300},
		{"regdr_replication_lag_checked_timestamp_seconds", nil, ts(60 * time.Second)},
		{"regdr_replication_lag_age_seconds", nil, 30},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SidePrimary},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 0},
	})

	o.harbor = false
	for i := range 2 {
		// Harbor is still up by the health policy, so the monitor refreshes the lag, and
		// Harbor cannot be listed.
		if kinds := o.round(t); !cmp.Equal(kinds, []failover.EventKind{failover.EventLagError}) {
			t.Fatalf("failing round %d: events %v, want lag-error", i, kinds)
		}
	}
	check(t, "two failed probes", o, []want{
		{"regdr_endpoint_up", []string{"endpoint", p}, 1},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", p}, 2},
		{"regdr_probe_up", []string{"endpoint", p, "vantage", v}, 0},
		{"regdr_probe_consecutive_failures", []string{"endpoint", p, "vantage", v}, 2},
		{"regdr_probes_total", []string{"endpoint", p, "vantage", v, "result", "down"}, 2},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SidePrimary},
		{"regdr_replication_lag_errors_total", nil, 2},
		{"regdr_replication_lag_age_seconds", nil, 90},
	})

	if kinds := o.round(t); !cmp.Equal(kinds, []failover.EventKind{failover.EventPlanned, failover.EventApplied}) {
		t.Fatalf("third failed probe: events %v, want planned, applied", kinds)
	}
	check(t, "failed over", o, []want{
		{"regdr_endpoint_up", []string{"endpoint", p}, 0},
		{"regdr_endpoint_health", []string{"endpoint", p, "health", "down"}, 1},
		{"regdr_endpoint_health_since_timestamp_seconds", []string{"endpoint", p}, ts(150 * time.Second)},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", p}, 3},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 1},
		{"regdr_failover_applied_total", []string{"kind", "failover", "result", "ok"}, 1},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SideSecondary},
		{"regdr_target_last_switch_timestamp_seconds", []string{"target", "vpc-b"}, ts(150 * time.Second)},
		{"regdr_replication_lag_age_seconds", nil, 120}, // the failover was held to the remembered lag
	})

	for i := range 2 {
		if kinds := o.round(t); len(kinds) != 0 {
			t.Fatalf("outage round %d: events %v, want none", i, kinds)
		}
	}
	check(t, "outage goes on", o, []want{
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", p}, 5},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 1},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SideSecondary},
		{"regdr_replication_lag_age_seconds", nil, 180}, // not refreshed while the primary is down
	})

	o.harbor = true
	o.lag.Missing, o.lag.Stale, o.lag.OldestMissing = 0, 0, 0
	var rounds int
	for rounds = 1; rounds <= 10; rounds++ {
		kinds := o.round(t)
		if len(kinds) == 0 {
			continue
		}
		if !cmp.Equal(kinds, []failover.EventKind{failover.EventPlanned, failover.EventApplied}) {
			t.Fatalf("recovery round %d: events %v, want planned, applied", rounds, kinds)
		}
		break
	}
	if rounds > 10 {
		t.Fatal("no failback in 10 healthy rounds")
	}
	switched := ts(time.Duration(240+30*(rounds-1)) * time.Second)
	check(t, "failed back", o, []want{
		{"regdr_endpoint_up", []string{"endpoint", p}, 1},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", p}, 0},
		{"regdr_probes_total", []string{"endpoint", p, "vantage", v, "result", "down"}, 5},
		{"regdr_failover_plans_total", []string{"kind", "failback"}, 1},
		{"regdr_failover_applied_total", []string{"kind", "failback", "result", "ok"}, 1},
		{"regdr_target_side", []string{"target", "vpc-b"}, metrics.SidePrimary},
		{"regdr_target_last_switch_timestamp_seconds", []string{"target", "vpc-b"}, switched},
		{"regdr_replication_missing_artifacts", nil, 0},
		{"regdr_replication_oldest_missing_age_seconds", nil, 0},
		{"regdr_replication_lag_age_seconds", nil, 30},
		{"regdr_failover_refused_total", []string{"reason", metrics.ReasonOther}, 0},
	})
}

func TestRefusalReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"lag over RPO", fmt.Errorf("planning failover: %w", errors.Join(fmt.Errorf("%w: 2h", failover.ErrLagExceedsRPO))), metrics.ReasonLagExceedsRPO},
		{"joined: secondary first", errors.Join(failover.ErrLagExceedsRPO, failover.ErrSecondaryUnhealthy), metrics.ReasonSecondaryUnhealthy},
		{"hold-down", fmt.Errorf("%w until noon", failover.ErrHoldDown), metrics.ReasonHoldDown},
		{"unexpected record", failover.ErrUnexpectedRecord, metrics.ReasonUnexpectedRecord},
		{"stale plan", failover.ErrStalePlan, metrics.ReasonStalePlan},
		{"reverse lag", fmt.Errorf("planning failback: %w", errors.Join(fmt.Errorf("%w: ACR EE holds 1 tag", failover.ErrReverseLag))), metrics.ReasonReverseLag},
		{"lag from the future", failover.ErrLagFromFuture, metrics.ReasonLagFromFuture},
		{"canceled", fmt.Errorf("reading journal: %w", context.Canceled), metrics.ReasonCanceled},
		{"lag unreadable", errors.New("reading replication lag: listing harbor: connection refused"), metrics.ReasonOther},
		{"nil", nil, metrics.ReasonOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := metrics.RefusalReason(tc.err); got != tc.want {
				t.Errorf("RefusalReason(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// TestMonitorCountsRefusals feeds refused and held-down events and reads the counters
// back: one reason per event, all reasons present from the start.
func TestMonitorCountsRefusals(t *testing.T) {
	t.Parallel()
	m := metrics.NewMonitor(metrics.MonitorOptions{})
	m.Observe(failover.MonitorEvent{Kind: failover.EventRefused, Err: errors.Join(failover.ErrLagExceedsRPO)})
	m.Observe(failover.MonitorEvent{Kind: failover.EventRefused, Err: errors.Join(failover.ErrLagExceedsRPO, failover.ErrSecondaryUnhealthy)})
	m.Observe(failover.MonitorEvent{Kind: failover.EventHoldDown, Err: failover.ErrHoldDown})
	m.Observe(failover.MonitorEvent{Kind: failover.EventLagError, Err: errors.New("listing harbor: timeout")})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "regdr_failover_refused_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			byName[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
		}
	}
	want := map[string]float64{}
	for _, r := range metrics.Reasons() {
		want[r] = 0
	}
	want[metrics.ReasonLagExceedsRPO], want[metrics.ReasonSecondaryUnhealthy], want[metrics.ReasonHoldDown] = 1, 1, 1
	if diff := cmp.Diff(want, byName); diff != "" {
		t.Errorf("regdr_failover_refused_total (-want +got):\n%s", diff)
	}
}

// TestObserveJournal: after a restart, the journal says where each target points.
func TestObserveJournal(t *testing.T) {
	t.Parallel()
	m := metrics.NewMonitor(metrics.MonitorOptions{Targets: []string{"a", "b", "c"}})
	m.ObserveJournal([]failover.JournalEntry{
		{Target: "a", Kind: failover.KindFailover, At: start, Outcome: failover.OutcomeWritten},
		{Target: "b", Kind: failover.KindFailover, At: start},
		{Target: "b", Kind: failover.KindFailback, At: start.Add(time.Hour), Outcome: failover.OutcomeWritten},
		{Target: "c", Kind: failover.KindFailover, At: start.Add(2 * time.Hour), Outcome: failover.OutcomeIntent},
		{Target: "c", Kind: failover.KindFailover, At: start.Add(2 * time.Hour), Outcome: failover.OutcomeFailed},
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			switch f.GetName() {
			case "regdr_target_side":
				got["side "+s.GetLabel()[0].GetValue()] = s.GetGauge().GetValue()
			case "regdr_target_last_switch_timestamp_seconds":
				got["switch "+s.GetLabel()[0].GetValue()] = s.GetGauge().GetValue()
			}
		}
	}
	want := map[string]float64{
		"side a": metrics.SideSecondary, "side b": metrics.SidePrimary, "side c": metrics.SidePrimary,
		"switch a": float64(start.Unix()), "switch b": float64(start.Add(time.Hour).Unix()),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sides and switches (-want +got):\n%s", diff)
	}
}
