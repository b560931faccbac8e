package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
)

var start = time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)

const (
	zoneName  = "cross-region.registry.io"
	acrDomain = "a-registry.cn-hangzhou.cr.aliyuncs.com"
	harborIP  = "127.0.0.10"
)

// scrape gets /metrics from srv over HTTP and parses it with the Prometheus text parser.
func scrape(t *testing.T, srv *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series of family name with exactly labels (name=value
// pairs), and whether it exists.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// series formats a family's series as "name{l=v,...} value" lines, sorted, for messages.
func series(fams map[string]*dto.MetricFamily, name string) string {
	var out []string
	for _, m := range fams[name].GetMetric() {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		out = append(out, name+"{"+strings.Join(ls, ",")+"}")
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// outage is a failover.Monitor on an in-memory zone, whose primary's probes the test
// turns on and off, with a metrics.Monitor fed from it and served on loopback.
type outage struct {
	clock   *clocktest.Fake
	harbor  bool // the primary's next probe result
	lag     failover.Lag
	mon     *failover.Monitor
	metrics *metrics.Monitor
	srv     *httptest.Server
}

func newOutage(t *testing.T) *outage {
	t.Helper()
	o := &outage{clock: clocktest.NewFake(start), harbor: true}
	ctx := context.Background()
	mem := dnstest.NewMemory(zoneName, dns.Record{Name: dns.Apex, Type: dns.TypeA, Value: harborIP, TTL: 60})
	target, err := failover.PrivateZoneTarget(ctx, failover.TargetSpec{Name: "vpc-b", Provider: mem,
		Primary: failover.Value{Type: dns.TypeA, Value: harborIP}}, failover.StaticEndpoints{Public: acrDomain})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := failover.NewSwitcher([]failover.Target{target}, failover.WithClock(o.clock), failover.WithJournal(&failover.MemoryJournal{}))
	if err != nil {
		t.Fatal(err)
	}
	probe := func(up func() bool) failover.Vantage {
		return failover.ProbeFunc(func(_ context.Context, e failover.Endpoint) failover.ProbeResult {
			r := failover.ProbeResult{Endpoint: e.Name, Vantage: "local", At: o.clock.Now(), Up: up(), Latency: 20 * time.Millisecond}
			if !r.Up {
				r.Error = "connection refused"
			}
			return r
		})
	}
	prim, err := failover.NewChecker(failover.Endpoint{Name: "harbor", URL: "https://harbor.example"},
		[]failover.Vantage{probe(func() bool { return o.harbor })}, failover.HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := failover.NewChecker(failover.Endpoint{Name: "acr-ee", URL: "https://" + acrDomain},
		[]failover.Vantage{probe(func() bool { return true })}, failover.HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	o.metrics = metrics.NewMonitor(metrics.MonitorOptions{RPO: time.Hour, Clock: o.clock, Targets: []string{"vpc-b"}})
	o.lag = failover.Lag{Missing: 2, Stale: 1, OldestMissing: 5 * time.Minute}
	lag := &failover.LastKnownLag{Clock: o.clock, Reporter: o.metrics.WatchLag(failover.LagFunc(func(context.Context) (failover.Lag, error) {
		if !o.harbor {
			return failover.Lag{}, errors.New("listing harbor: connection refused") // Harbor cannot be listed while down
		}
		l := o.lag
		l.CheckedAt = o.clock.Now()
		return l, nil
	}))}
	o.mon, err = failover.NewMonitor(failover.MonitorConfig{
		Switcher: sw, Primary: prim, Secondary: sec, Clock: o.clock,
		HoldDown: time.Minute, AutoApply: true, AutoFailback: true,
		Failover: failover.FailoverRequest{Lag: lag, RPO: time.Hour, Reason: "test outage"},
		Failback: failover.FailbackRequest{MinDwell: -1, Reason: "test recovery"},
		OnEvent:  o.metrics.Observe,
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(o.metrics)
	o.srv = httptest.NewServer(metrics.Handler(reg, o.metrics.Ready))
	t.Cleanup(o.srv.Close)
	return o
}

// round runs one monitor round, then moves the clock on by the interval, and returns the
// kinds of the round's events beyond probed.
func (o *outage) round(t *testing.T) []failover.EventKind {
	t.Helper()
	var kinds []failover.EventKind
	for _, e := range o.mon.Tick(t.Context()) {
		if e.Kind != failover.EventProbed {
			kinds = append(kinds, e.Kind)
		}
		if e.Err != nil {
			t.Logf("event %s: %v", e.Kind, e.Err)
		}
	}
	o.clock.Advance(30 * time.Second)
	return kinds
}
