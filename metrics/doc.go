// Package metrics exports what regdr's long-running parts do as Prometheus metrics
// (github.com/prometheus/client_golang): a [Monitor] collector fed from a failover.Monitor's
// events, a [Sync] collector fed from the sync engine's progress events and reports, and a
// [Handler] serving /metrics, /healthz and /readyz.
//
// Both collectors implement prometheus.Collector: make one, feed it, register it in the
// registry you serve (the package registers nothing globally):
//
//	m := metrics.NewMonitor(metrics.MonitorOptions{RPO: rpo, Clock: clk, Targets: names})
//	cfg.OnEvent = m.Observe                                  // failover.MonitorConfig
//	lag := &failover.LastKnownLag{Reporter: m.WatchLag(verifier)}
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(m)
//	http.ListenAndServe(addr, metrics.Handler(reg, m.Ready))
//
// Every name starts with regdr_ and carries its unit (_seconds, _bytes, _total). Labels are
// low-cardinality by construction: endpoint is the role (primary or secondary), never a
// host; vantage and target are the names the operator configured; kind, result, outcome,
// health and reason take a fixed set of values ([RefusalReason] maps failover's sentinel
// errors to reasons). No repository, tag or digest is ever a label.
//
// Monitor metrics: regdr_monitor_rounds_total, regdr_monitor_last_round_timestamp_seconds;
// per endpoint regdr_endpoint_up, regdr_endpoint_health (a state set),
// regdr_endpoint_consecutive_failures and _successes, and
// regdr_endpoint_health_since_timestamp_seconds; per endpoint and vantage point
// regdr_probe_up, regdr_probe_duration_seconds, regdr_probe_consecutive_failures and
// regdr_probes_total; the replication lag as last measured,
// regdr_replication_missing_artifacts, _stale_artifacts, _oldest_missing_age_seconds,
// _lag_checked_timestamp_seconds, _lag_age_seconds (computed at scrape time) and
// _lag_errors_total, against regdr_replication_rpo_seconds; regdr_failover_plans_total,
// regdr_failover_applied_total and regdr_failover_refused_total; per target
// regdr_target_side (0 primary, 1 secondary) and
// regdr_target_last_switch_timestamp_seconds.
//
// Sync metrics: regdr_sync_uploaded_bytes_total, regdr_sync_blobs_total (uploaded, mounted,
// present), regdr_sync_manifests_total, regdr_sync_items_total (by outcome; failed items are
// the sync failures), regdr_sync_retries_total, regdr_sync_runs_total (ok or failed),
// regdr_sync_last_run_duration_seconds, regdr_sync_last_run_failed_items,
// regdr_sync_last_run_timestamp_seconds and regdr_sync_last_success_timestamp_seconds (only
// once a run has succeeded). A one-shot sync (a Kubernetes Job) writes them to a file for
// node-exporter's textfile collector, or pushes them to a Pushgateway, at the end of its run:
// see examples/sync's -metrics-file and -pushgateway.
//
// The alert rules and the Grafana dashboard over these metrics live in the deploy module
// (deploy/prometheus/alerts.yaml, deploy/grafana/regdr-dashboard.json), whose tests check
// that every name they use is exported here.
//
// # Concurrency
//
// A Monitor and a Sync are safe for concurrent use: events may arrive from the monitor's
// goroutine (or the sync engine's workers) while Prometheus scrapes. Monitor.Observe holds
// a mutex briefly and does no I/O, so it can be called synchronously from OnEvent; Sync
// updates client_golang's atomic counters.
//
// # Testing
//
// Feed events by hand (or drive a failover.Monitor with Tick on a clocktest.Fake), serve
// Handler with httptest.NewServer, and parse /metrics with
// github.com/prometheus/common/expfmt — or call Gather on a prometheus.NewPedanticRegistry.
// Give the Monitor the same fake clock as the failover.Monitor so ages are exact.
package metrics
