package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/regdr/regdr/replication/lag"
)

// metricsAddrLog is the log line watch writes once it serves -metrics-addr.
var metricsAddrLog = regexp.MustCompile(`msg="serving metrics" addr=(127\.0\.0\.1:[0-9]+)`)

// metricsAddr is the address the daemon bound for -metrics-addr 127.0.0.1:0, from its log.
func (d *daemon) metricsAddr() string {
	d.t.Helper()
	m := metricsAddrLog.FindStringSubmatch(d.errOut.String())
	if m == nil {
		d.t.Fatalf("the daemon did not log the metrics address:\n%s", d.errOut.String())
	}
	return m[1]
}

// get fetches http://addr/path on loopback and returns its status and body.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// scraped is one scrape of /metrics, parsed with the Prometheus text parser.
type scraped map[string]*dto.MetricFamily

func scrape(t *testing.T, addr string) scraped {
	t.Helper()
	code, body := get(t, addr, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the one series of family name whose labels include labels
// (name, value pairs); ok is false when no series, or more than one, matches.
func (s scraped) value(name string, labels ...string) (v float64, ok bool) {
	n := 0
	for _, m := range s[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		n++
		switch {
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		default:
			v = m.GetUntyped().GetValue()
		}
	}
	return v, n == 1
}

// series lists a family's series with their values, sorted, for messages.
func (s scraped) series(name string) string {
	var out []string
	for _, m := range s[name].GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		out = append(out, fmt.Sprintf("%s{%s} %v%v", name, strings.Join(ls, ","), m.GetGauge().GetValue(), m.GetCounter().GetValue()))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// sample is one series the test expects in a scrape.
type sample struct {
	name   string
	labels []string
	want   float64
}

func (s scraped) check(t *testing.T, when string, want []sample) {
	t.Helper()
	for _, w := range want {
		got, ok := s.value(w.name, w.labels...)
		if !ok || got != w.want {
			t.Errorf("%s: %s%v = %v (found %v), want %v; the family:\n%s", when, w.name, w.labels, got, ok, w.want, s.series(w.name))
		}
	}
}

// TestWatchMetrics runs the daemon with -metrics-addr 127.0.0.1:0 through an outage and
// scrapes /metrics over HTTP at each stage: the probes, the replication lag and the
// target's side change as Harbor goes down and the record is failed over. Not parallel:
// it sets the environment.
func TestWatchMetrics(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	d := startWatch(t, w.watchArgs("-metrics-addr", "127.0.0.1:0", "-rpo", "1h", "-lag-every", "0",
		"-projects", "library", "-namespace", "acr-ns", "-journal", w.journal(), "-yes"))
	addr := d.metricsAddr()
	start := float64(d.clock.Now().Unix())
	if code, body := get(t, addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d %q, want 200", code, body)
	}
	if code, body := get(t, addr, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a round = %d %q, want 200", code, body)
	}
	d.round()
	d.round() // t=60s: both up 3 rounds; the lag was measured at 60s
	before := scrape(t, addr)
	target := ""
	for _, m := range before["regdr_target_side"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "target" {
				target = l.GetValue()
			}
		}
	}
	if target == "" {
		t.Fatalf("no regdr_target_side series before the outage:\n%s", before.series("regdr_target_side"))
	}
	before.check(t, "before the outage", []sample{
		{"regdr_monitor_rounds_total", nil, 3},
		{"regdr_endpoint_up", []string{"endpoint", "primary"}, 1},
		{"regdr_endpoint_up", []string{"endpoint", "secondary"}, 1},
		{"regdr_probe_up", []string{"endpoint", "primary"}, 1},
		{"regdr_probe_consecutive_failures", []string{"endpoint", "primary"}, 0},
		{"regdr_replication_rpo_seconds", nil, 3600},
		{"regdr_replication_missing_artifacts", nil, 0},
		{"regdr_replication_lag_checked_timestamp_seconds", nil, start + 60},
		{"regdr_replication_lag_age_seconds", nil, 0},
		{"regdr_target_side", []string{"target", target}, 0},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 0},
	})
	if _, ok := before.value("regdr_target_last_switch_timestamp_seconds", "target", target); ok {
		t.Errorf("a last switch time before any switch:\n%s", before.series("regdr_target_last_switch_timestamp_seconds"))
	}
	if before["go_goroutines"] == nil || before["process_cpu_seconds_total"] == nil {
		t.Error("the Go and process collectors are not registered")
	}

	w.harborDown.Store(true)
	d.round()
	d.round() // t=120s: Harbor failed 2 probes, not yet -threshold
	down := scrape(t, addr)
	down.check(t, "after 2 failed probes", []sample{
		{"regdr_probe_up", []string{"endpoint", "primary"}, 0},
		{"regdr_probe_consecutive_failures", []string{"endpoint", "primary"}, 2},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", "primary"}, 2},
		{"regdr_probe_up", []string{"endpoint", "secondary"}, 1},
		{"regdr_replication_lag_checked_timestamp_seconds", nil, start + 60},
		{"regdr_replication_lag_age_seconds", nil, 60}, // not refreshed while Harbor is down
		{"regdr_target_side", []string{"target", target}, 0},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 0},
	})

	d.round() // t=150s: down 3 rounds, failed over
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" {
		t.Fatalf("not failed over: %+v\n%s", got, d.out.String())
	}
	after := scrape(t, addr)
	after.check(t, "after the failover", []sample{
		{"regdr_monitor_rounds_total", nil, 6},
		{"regdr_endpoint_up", []string{"endpoint", "primary"}, 0},
		{"regdr_endpoint_consecutive_failures", []string{"endpoint", "primary"}, 3},
		{"regdr_replication_lag_age_seconds", nil, 90},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 1},
		{"regdr_failover_applied_total", []string{"kind", "failover", "result", "ok"}, 1},
		{"regdr_target_side", []string{"target", target}, 1},
		{"regdr_target_last_switch_timestamp_seconds", []string{"target", target}, start + 150},
	})
	if code, body := get(t, addr, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %q, want 200", code, body)
	}

	code, out, errOut := d.stop()
	if code != 0 {
		t.Fatalf("exit %d after cancel, want 0:\n%s\n%s", code, out, errOut)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if resp, err := client.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the metrics server still answers after the daemon stopped: %s", resp.Status)
	}
}

// TestWatchMetricsRestart: a daemon restarted after a failover reports the target on the
// secondary from the journal, with the journal's switch time, and the lag -lag-file
// seeded, before it has measured anything itself (Harbor is still down).
func TestWatchMetricsRestart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	first := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes"))
	switched := float64(first.clock.Now().Add(2 * watchInterval).Unix())
	first.round()
	first.round() // down 3 rounds: failed over
	if code, out, errOut := first.stop(); code != 0 || !strings.Contains(out, "applied failover") {
		t.Fatalf("the first daemon did not fail over: exit %d\n%s\n%s", code, out, errOut)
	}

	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes", "-metrics-addr", "127.0.0.1:0",
		"-rpo", "1h", "-lag-file", w.lagReport(t, lag.Report{CheckedAt: time.Date(2025, 12, 31, 23, 50, 0, 0, time.UTC), Expected: 3, Present: 2,
			Missing: []lag.Artifact{{Source: "library/app", Dest: "acr-ns/app", Tag: "v2"}}, OldestMissing: 5 * time.Minute})))
	s := scrape(t, d.metricsAddr())
	target := ""
	for _, m := range s["regdr_target_side"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "target" {
				target = l.GetValue()
			}
		}
	}
	s.check(t, "after the restart", []sample{
		{"regdr_target_side", []string{"target", target}, 1},
		{"regdr_target_last_switch_timestamp_seconds", []string{"target", target}, switched},
		{"regdr_failover_plans_total", []string{"kind", "failover"}, 0},
		{"regdr_replication_missing_artifacts", nil, 1},
		{"regdr_replication_lag_checked_timestamp_seconds", nil, float64(time.Date(2025, 12, 31, 23, 50, 0, 0, time.UTC).Unix())},
		{"regdr_replication_oldest_missing_age_seconds", nil, 300},
		{"regdr_replication_lag_age_seconds", nil, 600},
	})
	if code, out, errOut := d.stop(); code != 0 {
		t.Fatalf("exit %d after cancel, want 0:\n%s\n%s", code, out, errOut)
	}
}

// lagReport writes rep as examples/verify -json would, and returns the file's path.
func (w *world) lagReport(t *testing.T, rep lag.Report) string {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "lag.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
