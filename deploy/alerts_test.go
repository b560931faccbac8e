package deploy_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestAlertsFire evaluates each alert's expression over series shaped like a scrape of the
// monitor (or the sync) — the same job and instance labels on every series, as Prometheus
// attaches them — and checks when it fires. The rules' `for` is not simulated: a case
// says whether the expression returns anything at one instant.
func TestAlertsFire(t *testing.T) {
	t.Parallel()
	groups, errs := rulefmt.ParseFile("prometheus/alerts.yaml", false, model.UTF8Validation,
		parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("rulefmt: %v", errs)
	}
	exprs := map[string]string{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				exprs[r.Alert] = r.Expr
			}
		}
	}
	const lbl = `job="regdr",instance="monitor:9090"`
	cases := []struct {
		name, alert, series string
		at                  time.Duration
		fires               bool
	}{
		{"primary down", "RegdrPrimaryDown",
			`regdr_endpoint_health{` + lbl + `,endpoint="primary",health="down"} 0 0 1 1`, 3 * time.Minute, true},
		{"primary up", "RegdrPrimaryDown",
			`regdr_endpoint_health{` + lbl + `,endpoint="primary",health="down"} 0 0 1 1`, time.Minute, false},
		{"only the secondary's alert for the secondary", "RegdrSecondaryDown",
			`regdr_endpoint_health{` + lbl + `,endpoint="primary",health="down"} 1 1 1`, 2 * time.Minute, false},
		{"secondary down", "RegdrSecondaryDown",
			`regdr_endpoint_health{` + lbl + `,endpoint="secondary",health="down"} 1 1 1`, 2 * time.Minute, true},
		{"lag above RPO", "RegdrReplicationLagAboveRPO",
			`regdr_replication_oldest_missing_age_seconds{` + lbl + `} 300 600 4000
			 regdr_replication_rpo_seconds{` + lbl + `} 3600 3600 3600`, 2 * time.Minute, true},
		{"lag within RPO", "RegdrReplicationLagAboveRPO",
			`regdr_replication_oldest_missing_age_seconds{` + lbl + `} 300 600 4000
			 regdr_replication_rpo_seconds{` + lbl + `} 3600 3600 3600`, time.Minute, false},
		{"lag measurement stale", "RegdrLagMeasurementStale",
			`regdr_replication_lag_age_seconds{` + lbl + `} 30 3700`, time.Minute, true},
		{"plan refused", "RegdrFailoverRefused",
			`regdr_failover_refused_total{` + lbl + `,reason="lag_exceeds_rpo"} 0 0 1 1
			 regdr_failover_refused_total{` + lbl + `,reason="hold_down"} 0 0 0 0`, 3 * time.Minute, true},
		{"nothing refused", "RegdrFailoverRefused",
			`regdr_failover_refused_total{` + lbl + `,reason="lag_exceeds_rpo"} 0 0 0 0`, 3 * time.Minute, false},
		{"switch not verified", "RegdrSwitchNotVerified",
			`regdr_failover_applied_total{` + lbl + `,kind="failover",result="error"} 0 1 1`, 2 * time.Minute, true},
		{"switch verified", "RegdrSwitchNotVerified",
			`regdr_failover_applied_total{` + lbl + `,kind="failover",result="error"} 0 0 0
			 regdr_failover_applied_total{` + lbl + `,kind="failover",result="ok"} 0 1 1`, 2 * time.Minute, false},
		{"failed over", "RegdrFailedOver",
			`regdr_target_side{` + lbl + `,target="vpc-b"} 0 1`, time.Minute, true},
		{"on the primary", "RegdrFailedOver",
			`regdr_target_side{` + lbl + `,target="vpc-b"} 0 0`, time.Minute, false},
		{"monitor stalled", "RegdrMonitorStalled",
			`regdr_monitor_last_round_timestamp_seconds{` + lbl + `} 0 60 120 120x10`, 12 * time.Minute, true},
		{"monitor running", "RegdrMonitorStalled",
			`regdr_monitor_last_round_timestamp_seconds{` + lbl + `} 0 60 120 180`, 3 * time.Minute, false},
		{"sync items failed", "RegdrSyncFailures",
			`regdr_sync_items_total{job="regdr-sync",instance="sync:9090",outcome="failed"} 0 0 2`, 2 * time.Minute, true},
		{"sync last run failed", "RegdrSyncFailures",
			`regdr_sync_last_run_failed_items{job="regdr-sync",instance="sync:9090"} 3 3`, time.Minute, true},
		{"sync clean", "RegdrSyncFailures",
			`regdr_sync_items_total{job="regdr-sync",instance="sync:9090",outcome="failed"} 0 0 0
			 regdr_sync_last_run_failed_items{job="regdr-sync",instance="sync:9090"} 0 0 0`, 2 * time.Minute, false},
		// A run that failed before its plan counts no item: it ended after the last success,
		// or none exported one (metrics.Sync exports the last success only once there was one).
		{"sync failed to plan after a success", "RegdrSyncFailures",
			`regdr_sync_last_run_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 100 200
			 regdr_sync_last_success_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 100 100
			 regdr_sync_last_run_failed_items{job="regdr-sync",instance="sync:9090"} 0 0`, time.Minute, true},
		{"sync never succeeded", "RegdrSyncFailures",
			`regdr_sync_last_run_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 100 100
			 regdr_sync_last_run_failed_items{job="regdr-sync",instance="sync:9090"} 0 0`, time.Minute, true},
		{"sync succeeded last", "RegdrSyncFailures",
			`regdr_sync_last_run_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 100 200
			 regdr_sync_last_success_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 100 200
			 regdr_sync_last_run_failed_items{job="regdr-sync",instance="sync:9090"} 0 0`, time.Minute, false},
		// Pushed shards (-pushgateway): each compared with its own last success.
		{"one pushed shard failed to plan", "RegdrSyncFailures",
			`regdr_sync_last_run_timestamp_seconds{job="regdr_sync",instance="",shard="0"} 200 200
			 regdr_sync_last_success_timestamp_seconds{job="regdr_sync",instance="",shard="0"} 200 200
			 regdr_sync_last_run_timestamp_seconds{job="regdr_sync",instance="",shard="1"} 300 300
			 regdr_sync_last_success_timestamp_seconds{job="regdr_sync",instance="",shard="1"} 100 100`, time.Minute, true},
		{"pushed shards fine", "RegdrSyncFailures",
			`regdr_sync_last_run_timestamp_seconds{job="regdr_sync",instance="",shard="0"} 200 200
			 regdr_sync_last_success_timestamp_seconds{job="regdr_sync",instance="",shard="0"} 200 200
			 regdr_sync_last_run_timestamp_seconds{job="regdr_sync",instance="",shard="1"} 300 300
			 regdr_sync_last_success_timestamp_seconds{job="regdr_sync",instance="",shard="1"} 300 300`, time.Minute, false},
		{"no sync success for a day", "RegdrSyncNotSucceeding",
			`regdr_sync_last_success_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 0x1500`, 1500 * time.Minute, true},
		{"sync succeeded recently", "RegdrSyncNotSucceeding",
			`regdr_sync_last_success_timestamp_seconds{job="regdr-sync",instance="sync:9090"} 0x1500`, 1000 * time.Minute, false},
	}
	fires := map[string]bool{}
	for _, tc := range cases {
		expr, ok := exprs[tc.alert]
		if !ok {
			t.Errorf("%s: alerts.yaml has no alert %s", tc.name, tc.alert)
			continue
		}
		if tc.fires {
			fires[tc.alert] = true
		}
		t.Run(tc.name, func(t *testing.T) {
			storage := promqltest.LoadedStorage(t, "load 1m\n"+tc.series)
			engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 100000)
			q, err := engine.NewInstantQuery(t.Context(), storage, nil, expr, time.Unix(0, 0).Add(tc.at))
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			defer q.Close()
			v, err := q.Exec(t.Context()).Vector()
			if err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			if got := len(v) > 0; got != tc.fires {
				t.Errorf("%s at %v = %v: fires %v, want %v", tc.alert, tc.at, v, got, tc.fires)
			}
		})
	}
	for alert := range exprs {
		if !fires[alert] {
			t.Errorf("no case shows %s firing", alert)
		}
	}
}
