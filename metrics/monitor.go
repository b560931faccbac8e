package metrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/failover"
)

// ErrNotReady is returned by [Monitor.Ready] before the monitor has completed a probe
// round, or when its last round is older than MonitorOptions.MaxRoundAge.
var ErrNotReady = errors.New("metrics: monitor not ready")

// Endpoint label values: the role of the endpoint, never its name or URL.
const (
	EndpointPrimary   = "primary"
	EndpointSecondary = "secondary"
)

// Side values of regdr_target_side.
const (
	SidePrimary   = 0
	SideSecondary = 1
)

// MonitorOptions configures a [Monitor].
type MonitorOptions struct {
	// RPO is the data-loss budget the monitor holds failover to (MonitorConfig.Failover.RPO),
	// exported as regdr_replication_rpo_seconds so alerts compare the lag with it. 0: the
	// metric is not exported.
	RPO time.Duration
	// Clock dates scrapes: the age of the last lag measurement and readiness. The default
	// (nil) is the system clock; give the monitor's clock.
	Clock clock.Clock
	// MaxRoundAge makes Ready fail when the last probe round is older, so a stuck monitor
	// stops being ready. 0: a completed round keeps the monitor ready; negative is
	// treated as 0. Three times MonitorConfig.Interval is a sensible value.
	MaxRoundAge time.Duration
	// Targets names the switcher's targets (failover.Switcher.Targets). Each is reported on
	// the primary until a plan, a result or the journal (ObserveJournal) says otherwise:
	// a name regdr never switched is where clients use Harbor. Empty: a target's side is
	// exported once it is known.
	Targets []string
}

// Monitor is a prometheus.Collector of a failover.Monitor's view: probe results and health
// per endpoint and vantage point, replication lag against the RPO, plans made, applied and
// refused, and each target's side. Feed it every failover.MonitorEvent with Observe (give
// Observe as MonitorConfig.OnEvent, or call it from yours), and lag measurements with
// ObserveLag or WatchLag; register it with a prometheus.Registerer. The zero value is not
// usable: call NewMonitor. A Monitor is safe for concurrent use.
type Monitor struct {
	opts MonitorOptions

	mu         sync.Mutex
	rounds     float64
	lastRound  time.Time
	endpoints  map[string]failover.HealthStatus // by role, after the latest round
	probes     map[probeKey]*probeState
	lag        *failover.Lag
	lagErrors  float64
	plans      map[failover.Kind]float64
	applied    map[appliedKey]float64
	refused    map[string]float64
	sides      map[string]int
	lastSwitch map[string]time.Time
}

type probeKey struct{ endpoint, vantage string }

type probeState struct {
	last   failover.ProbeResult
	downs  int
	counts [2]float64 // down, up
}

type appliedKey struct {
	kind   failover.Kind
	result string
}

var kinds = []failover.Kind{failover.KindFailover, failover.KindFailback}

// NewMonitor returns a collector with every counter at zero.
func NewMonitor(opts MonitorOptions) *Monitor {
	opts.Clock = clock.Or(opts.Clock)
	m := &Monitor{
		opts:       opts,
		endpoints:  map[string]failover.HealthStatus{},
		probes:     map[probeKey]*probeState{},
		plans:      map[failover.Kind]float64{},
		applied:    map[appliedKey]float64{},
		refused:    map[string]float64{},
		sides:      map[string]int{},
		lastSwitch: map[string]time.Time{},
	}
	for _, k := range kinds {
		m.plans[k] = 0
		m.applied[appliedKey{k, "ok"}] = 0
		m.applied[appliedKey{k, "error"}] = 0
	}
	for _, r := range Reasons() {
		m.refused[r] = 0
	}
	for _, t := range opts.Targets {
		m.sides[t] = SidePrimary
	}
	return m
}

// Observe records one monitor event. It is meant as (or to be called from)
// failover.MonitorConfig.OnEvent.
func (m *Monitor) Observe(ev failover.MonitorEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch ev.Kind {
	case failover.EventProbed:
		m.rounds++
		m.lastRound = ev.Time
		m.observeHealth(EndpointPrimary, ev.Primary)
		m.observeHealth(EndpointSecondary, ev.Secondary)
	case failover.EventLagError:
		m.lagErrors++
	case failover.EventPlanned:
		if ev.Plan != nil {
			m.plans[ev.Plan.Kind]++
			m.observePlanSides(ev.Plan)
		}
	case failover.EventApplied:
		if ev.Plan != nil && ev.Result != nil {
			result := "ok"
			if ev.Err != nil {
				result = "error"
			}
			m.applied[appliedKey{ev.Plan.Kind, result}]++
			m.observeResult(ev.Result)
		}
	case failover.EventRefused, failover.EventHoldDown:
		m.refused[RefusalReason(ev.Err)]++
	}
}

func (m *Monitor) observeHealth(role string, h failover.HealthStatus) {
	m.endpoints[role] = h
	for _, v := range h.Vantages {
		k := probeKey{role, v.Vantage}
		p := m.probes[k]
		if p == nil {
			p = &probeState{}
			m.probes[k] = p
		}
		// A round reports every vantage's latest result; count each result once.
		if !v.Last.At.IsZero() && !v.Last.At.Equal(p.last.At) {
			if v.Last.Up {
				p.counts[1]++
			} else {
				p.counts[0]++
			}
		}
		p.last, p.downs = v.Last, v.DownStreak
	}
}

// observePlanSides learns each target's side from a plan: a change already Done is on
// the side the plan moves to, one still to write on the other.
func (m *Monitor) observePlanSides(p *failover.Plan) {
	to, from := planSides(p.Kind)
	for _, c := range p.Changes {
		if c.Done {
			m.sides[c.Target] = to
		} else {
			m.sides[c.Target] = from
		}
	}
}

func (m *Monitor) observeResult(r *failover.Result) {
	to, _ := planSides(r.Kind)
	for _, c := range r.Changes {
		if c.Error != "" && !c.Written {
			continue // the record stays where the plan found it
		}
		m.sides[c.Target] = to
		if c.Written && c.WrittenAt.After(m.lastSwitch[c.Target]) {
			m.lastSwitch[c.Target] = c.WrittenAt
		}
	}
}

func planSides(k failover.Kind) (to, from int) {
	if k == failover.KindFailback {
		return SidePrimary, SideSecondary
	}
	return SideSecondary, SidePrimary
}

// ObserveJournal learns each target's side and last switch from a switcher's journal
// (failover.ReadJournalFile), so the metrics are right from the first scrape after a
// restart, before the monitor plans anything. Entries that are only an intent, or whose
// write failed, are skipped.
func (m *Monitor) ObserveJournal(entries []failover.JournalEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	latest := map[string]failover.JournalEntry{}
	for _, e := range entries {
		if e.Outcome != "" && e.Outcome != failover.OutcomeWritten {
			continue
		}
		if l, ok := latest[e.Target]; !ok || !e.At.Before(l.At) {
			latest[e.Target] = e
		}
	}
	for t, e := range latest {
		m.sides[t], _ = planSides(e.Kind)
		if e.At.After(m.lastSwitch[t]) {
			m.lastSwitch[t] = e.At
		}
	}
}

// ObserveLag records a replication lag measurement; a lag.Summary converts to one
// (failover.Lag(s)). A measurement older than the one recorded is ignored.
func (m *Monitor) ObserveLag(l failover.Lag) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lag != nil && l.CheckedAt.Before(m.lag.CheckedAt) {
		return
	}
	m.lag = &l
}

// WatchLag returns a LagReporter that answers r's lag and records every successful
// measurement with ObserveLag. Wrap the Reporter of a failover.LastKnownLag with it, so
// the fresh measurements are recorded and the remembered, aged ones are not:
//
//	lag := &failover.LastKnownLag{Reporter: m.WatchLag(verifier)}
func (m *Monitor) WatchLag(r failover.LagReporter) failover.LagReporter {
	return failover.LagFunc(func(ctx context.Context) (failover.Lag, error) {
		l, err := r.Lag(ctx)
		if err == nil {
			m.ObserveLag(l)
		}
		return l, err
	})
}

// Ready returns nil once the monitor has completed a probe round (and, with MaxRoundAge,
// completed one recently), ErrNotReady otherwise: a /readyz check.
func (m *Monitor) Ready() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rounds == 0 {
		return fmt.Errorf("%w: no probe round completed yet", ErrNotReady)
	}
	if age := m.opts.Clock.Now().Sub(m.lastRound); m.opts.MaxRoundAge > 0 && age > m.opts.MaxRoundAge {
		return fmt.Errorf("%w: last probe round %v ago", ErrNotReady, age.Round(time.Second))
	}
	return nil
}

var (
	descRounds        = desc("monitor_rounds_total", "Probe rounds the monitor completed.")
	descLastRound     = desc("monitor_last_round_timestamp_seconds", "When the last probe round completed, in seconds since the epoch.")
	descEndpointUp    = desc("endpoint_up", "1 when the endpoint's decided health is up, 0 when down or unknown.", "endpoint")
	descHealth        = desc("endpoint_health", "The endpoint's decided health: 1 for the current state, 0 for the others.", "endpoint", "health")
	descEndpointFails = desc("endpoint_consecutive_failures", "Consecutive down results agreed by a quorum of vantage points.", "endpoint")
	descEndpointOKs   = desc("endpoint_consecutive_successes", "Consecutive up results agreed by a quorum of vantage points.", "endpoint")
	descHealthSince   = desc("endpoint_health_since_timestamp_seconds", "When the endpoint's decided health last changed, in seconds since the epoch.", "endpoint")
	descProbeUp       = desc("probe_up", "1 when the vantage point's last probe found the endpoint serving, else 0.", "endpoint", "vantage")
	descProbeDuration = desc("probe_duration_seconds", "How long the vantage point's last probe took.", "endpoint", "vantage")
	descProbeFails    = desc("probe_consecutive_failures", "Consecutive down results of the vantage point.", "endpoint", "vantage")
	descProbes        = desc("probes_total", "Probe results by outcome.", "endpoint", "vantage", "result")
	descMissing       = desc("replication_missing_artifacts", "Artifacts in the primary missing from the secondary at the last lag measurement.")
	descStale         = desc("replication_stale_artifacts", "Artifacts in the secondary holding another digest at the last lag measurement.")
	descOldest        = desc("replication_oldest_missing_age_seconds", "Age of the oldest missing or stale artifact at the last lag measurement: the data a failover would lose.")
	descLagChecked    = desc("replication_lag_checked_timestamp_seconds", "When the last lag measurement ran, in seconds since the epoch.")
	descLagAge        = desc("replication_lag_age_seconds", "Age of the last lag measurement at scrape time.")
	descRPO           = desc("replication_rpo_seconds", "The RPO budget failover is held to.")
	descLagErrors     = desc("replication_lag_errors_total", "Lag refreshes that failed while the primary was up.")
	descPlans         = desc("failover_plans_total", "Switch plans the monitor made.", "kind")
	descApplied       = desc("failover_applied_total", "Switch plans the monitor applied; result is error when a write or its verification failed.", "kind", "result")
	descRefused       = desc("failover_refused_total", "Switches refused or held down, by reason.", "reason")
	descSide          = desc("target_side", "The side a target's name points at: 0 primary, 1 secondary.", "target")
	descLastSwitch    = desc("target_last_switch_timestamp_seconds", "When a target's record was last switched, in seconds since the epoch.", "target")
	monitorDescs      = []*prometheus.Desc{descRounds, descLastRound, descEndpointUp, descHealth, descEndpointFails, descEndpointOKs,
		descHealthSince, descProbeUp, descProbeDuration, descProbeFails, descProbes, descMissing, descStale, descOldest,
		descLagChecked, descLagAge, descRPO, descLagErrors, descPlans, descApplied, descRefused, descSide, descLastSwitch}
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("regdr_"+name, help, labels, nil)
}

// Describe sends the descriptors of every metric the monitor exports.
func (m *Monitor) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range monitorDescs {
		ch <- d
	}
}

// Collect sends the current values. Ages are computed at scrape time on the Clock.
func (m *Monitor) Collect(ch chan<- prometheus.Metric) {
	now := m.opts.Clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	counter(descRounds, m.rounds)
	if !m.lastRound.IsZero() {
		gauge(descLastRound, seconds(m.lastRound))
	}
	for _, role := range []string{EndpointPrimary, EndpointSecondary} {
		h, ok := m.endpoints[role]
		if !ok {
			continue
		}
		gauge(descEndpointUp, boolf(h.Health == failover.HealthUp), role)
		for _, s := range []failover.Health{failover.HealthUp, failover.HealthDown, failover.HealthUnknown} {
			gauge(descHealth, boolf(h.Health == s), role, string(s))
		}
		gauge(descEndpointFails, float64(h.DownStreak), role)
		gauge(descEndpointOKs, float64(h.UpStreak), role)
		if !h.Since.IsZero() {
			gauge(descHealthSince, seconds(h.Since), role)
		}
	}
	keys := make([]probeKey, 0, len(m.probes))
	for k := range m.probes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].endpoint < keys[j].endpoint || keys[i].endpoint == keys[j].endpoint && keys[i].vantage < keys[j].vantage
	})
	for _, k := range keys {
		p := m.probes[k]
		gauge(descProbeUp, boolf(p.last.Up), k.endpoint, k.vantage)
		gauge(descProbeDuration, p.last.Latency.Seconds(), k.endpoint, k.vantage)
		gauge(descProbeFails, float64(p.downs), k.endpoint, k.vantage)
		counter(descProbes, p.counts[1], k.endpoint, k.vantage, "up")
		counter(descProbes, p.counts[0], k.endpoint, k.vantage, "down")
	}
	if l := m.lag; l != nil {
		gauge(descMissing, float64(l.Missing))
		gauge(descStale, float64(l.Stale))
		gauge(descOldest, l.OldestMissing.Seconds())
		if !l.CheckedAt.IsZero() {
			gauge(descLagChecked, seconds(l.CheckedAt))
			gauge(descLagAge, now.Sub(l.CheckedAt).Seconds())
		}
	}
	if m.opts.RPO > 0 {
		gauge(descRPO, m.opts.RPO.Seconds())
	}
	counter(descLagErrors, m.lagErrors)
	for _, k := range kinds {
		counter(descPlans, m.plans[k], string(k))
		for _, r := range []string{"ok", "error"} {
			counter(descApplied, m.applied[appliedKey{k, r}], string(k), r)
		}
	}
	for _, r := range Reasons() {
		counter(descRefused, m.refused[r], r)
	}
	for t, s := range m.sides {
		gauge(descSide, float64(s), t)
	}
	for t, at := range m.lastSwitch {
		gauge(descLastSwitch, seconds(at), t)
	}
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var _ prometheus.Collector = (*Monitor)(nil)
