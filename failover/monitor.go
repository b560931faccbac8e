package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/regdr/regdr/clock"
)

// Monitor defaults.
const (
	// DefaultMonitorInterval is the pause between two probe rounds.
	DefaultMonitorInterval = 30 * time.Second
	// DefaultHoldDown is the minimum time between two switches made by a monitor.
	DefaultHoldDown = 30 * time.Minute
	// DefaultLagWait is MonitorConfig.LagWait's default.
	DefaultLagWait = 10 * time.Second
)

// MonitorConfig configures a [Monitor].
type MonitorConfig struct {
	// Switcher plans and applies; required.
	Switcher *Switcher
	// Primary (Harbor) and Secondary (ACR EE) are probed every round; required.
	Primary, Secondary *Checker
	// Interval between probe rounds. The default is DefaultMonitorInterval.
	Interval time.Duration
	// HoldDown is the minimum time between two switches in opposite directions, so the
	// monitor cannot flap. It counts from the latest write of the other direction in the
	// switcher's journal, so it covers switches applied by hand and survives a restart;
	// finishing a switch whose write to one name failed is not held down. The default is
	// DefaultHoldDown.
	HoldDown time.Duration
	// AutoApply applies the plans the monitor makes; otherwise they are only reported
	// (EventPlanned) for a person to apply.
	AutoApply bool
	// AutoFailback lets the monitor plan failback once the primary is healthy again.
	// The default (false) leaves failback manual.
	AutoFailback bool
	// Failover is the template of failover requests: Lag, RPO, Reason, Actor, Targets
	// (health is filled in each round). Force is refused: a monitor never forces. A Lag
	// that is a LagRefresher (LastKnownLag) is refreshed in the background: a round in
	// which the primary is up starts a refresh unless one is still running (a lag check
	// can take minutes, and a Harbor API that wedged while /v2/ still answers must not
	// stop the probes); the round waits for it at most LagWait, and the round that finds
	// it ended reports its failure (EventLagError). A LastKnownLag's failover is held to
	// the RPO with the last measurement that completed, aged by the time since it was
	// taken (OldestMissing grows by it), never with a new one measured in the round: none
	// yet, or one older than its MaxAge, is an unknown lag, and the failover is refused.
	// Another LagRefresher's Lag is read as the plan reads it. A NameMap that is a NameMapRefresher (LastKnownNameMap) is
	// refreshed every round the primary is up, within NameMapTimeout, so the failover
	// records the name map Harbor last had.
	Failover FailoverRequest
	// LagWait is how long a round waits for the lag refresh it started (wall time) before
	// it goes on without it, the refresh running on in the background; 0 is
	// DefaultLagWait, negative is refused.
	LagWait time.Duration
	// Failback is the template of failback requests: MinHealthy, MinDwell, ReverseLag,
	// Reason, Actor, Targets. Force is refused. With a ReverseLag, automatic failback
	// waits (EventRefused with ErrReverseLag each round) while ACR EE holds artifacts
	// Harbor lacks; without one it is decided on health and dwell alone.
	Failback FailbackRequest
	// Clock drives the interval. The default (nil) is the Switcher's clock.
	Clock clock.Clock
	// OnEvent receives every event, synchronously. Optional.
	OnEvent func(MonitorEvent)
	// Logger receives a record per event worth a person's attention: a registry's health
	// changing (Info; Warn when it goes down), a switch planned (Warn), applied (Info;
	// Error when its verification failed), refused (Warn), held down (Info), the lag not
	// refreshed (Warn); and each round at Debug. Records name endpoints by name and plans
	// by ID, and carry the events' errors, which never hold a credential. The default
	// (nil) is the Switcher's logger (WithLogger), which discards unless one was given.
	Logger *slog.Logger
}

// EventKind says what a [MonitorEvent] reports.
type EventKind string

// Monitor event kinds.
const (
	// EventProbed: a probe round finished (Primary and Secondary set).
	EventProbed EventKind = "probed"
	// EventPlanned: the decision rules call for a switch; Plan is set.
	EventPlanned EventKind = "planned"
	// EventApplied: the plan was applied; Result is set (Err when verification failed).
	EventApplied EventKind = "applied"
	// EventRefused: planning or applying was refused; Err says why.
	EventRefused EventKind = "refused"
	// EventHoldDown: a switch is called for but the hold-down is in effect.
	EventHoldDown EventKind = "hold-down"
	// EventLagError: refreshing the replication lag (a LagRefresher in Failover.Lag,
	// refreshed in the background: reported in the first round that finds it ended with
	// the primary up) or the name map (a NameMapRefresher in Failover.NameMap) failed
	// while the primary was up; Err says why.
	EventLagError EventKind = "lag-error"
)

// MonitorEvent is one thing a monitor saw or did.
type MonitorEvent struct {
	// Time is when the event happened; Kind what it reports.
	Time time.Time `json:"time"`
	Kind EventKind `json:"kind"`
	// Primary and Secondary are both registries' health after the round's probes.
	Primary   HealthStatus `json:"primary"`
	Secondary HealthStatus `json:"secondary"`
	// Plan and Result are set for planned, applied, refused and hold-down events.
	Plan   *Plan   `json:"plan,omitempty"`
	Result *Result `json:"result,omitempty"`
	// Err says why a plan was refused, held down, or not verified.
	Err error `json:"-"`
}

// Monitor probes both registries at an interval and, when the primary is down by the
// health policy (N consecutive results agreed by a quorum) and the secondary is up, plans
// failover — and applies it when AutoApply is set. It is driven by one goroutine
// ([Monitor.Run]) or by the caller ([Monitor.Tick]); it is not safe to run both at once.
type Monitor struct {
	cfg    MonitorConfig
	health [2]Health // primary's and secondary's as last logged
	// refreshing, when not nil, receives the outcome of a name map refresh that outlived
	// its round's NameMapTimeout: no other starts until it ends.
	refreshing chan error
	// lagRun is the lag refresh running in the background (or finished, its outcome not
	// yet reported); nil when none.
	lagRun *lagRun
}

// lagRun is one background lag refresh: err is set before done is closed.
type lagRun struct {
	done chan struct{}
	err  error
}

// NewMonitor validates cfg and returns a monitor.
func NewMonitor(cfg MonitorConfig) (*Monitor, error) {
	if cfg.Switcher == nil || cfg.Primary == nil || cfg.Secondary == nil {
		return nil, fmt.Errorf("%w: monitor needs a switcher and both checkers", ErrInvalid)
	}
	if cfg.Interval < 0 || cfg.HoldDown < 0 || cfg.Failover.NameMapTimeout < 0 || cfg.LagWait < 0 {
		return nil, fmt.Errorf("%w: negative monitor interval, hold-down, name map timeout or lag wait", ErrInvalid)
	}
	if cfg.Failover.Force || cfg.Failback.Force {
		return nil, fmt.Errorf("%w: a monitor never forces a failover or a failback", ErrInvalid)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultMonitorInterval
	}
	if cfg.HoldDown == 0 {
		cfg.HoldDown = DefaultHoldDown
	}
	if cfg.LagWait == 0 {
		cfg.LagWait = DefaultLagWait
	}
	if cfg.Clock == nil {
		cfg.Clock = cfg.Switcher.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Switcher.logger
	}
	return &Monitor{cfg: cfg, health: [2]Health{HealthUnknown, HealthUnknown}}, nil
}

// Run probes every Interval until ctx is done, and returns ctx's error.
func (m *Monitor) Run(ctx context.Context) error {
	for {
		m.Tick(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.cfg.Clock.After(m.cfg.Interval):
		}
	}
}

// Tick runs one round: probe both registries, then plan (and maybe apply) a switch when
// the decision rules call for one. It returns the round's events (also sent to OnEvent).
func (m *Monitor) Tick(ctx context.Context) []MonitorEvent {
	var events []MonitorEvent
	prim, sec := m.cfg.Primary.Check(ctx), m.cfg.Secondary.Check(ctx)
	emit := func(e MonitorEvent) {
		e.Time, e.Primary, e.Secondary = m.cfg.Clock.Now(), prim, sec
		if e.Err != nil {
			e.Err = scrubbed{e.Err}
		}
		events = append(events, e)
		m.log(ctx, e)
		if m.cfg.OnEvent != nil {
			m.cfg.OnEvent(e)
		}
	}
	emit(MonitorEvent{Kind: EventProbed})
	if ctx.Err() != nil {
		return events
	}
	if r, ok := m.cfg.Failover.Lag.(LagRefresher); ok {
		if err := m.refreshLag(ctx, r, prim.Health == HealthUp); err != nil {
			emit(MonitorEvent{Kind: EventLagError, Err: err})
		}
	}
	if r, ok := m.cfg.Failover.NameMap.(NameMapRefresher); ok && prim.Health == HealthUp {
		if err := m.refreshNameMap(ctx, r); err != nil {
			emit(MonitorEvent{Kind: EventLagError, Err: err})
		}
	}
	var plan *Plan
	var err error
	switch {
	case prim.Health == HealthDown:
		req := m.cfg.Failover
		req.Primary, req.Secondary = &prim, sec
		if l, ok := req.Lag.(*LastKnownLag); ok {
			req.Lag = lastCompletedLag{l}
		}
		plan, err = m.cfg.Switcher.PlanFailover(ctx, req)
	case prim.Health == HealthUp && m.cfg.AutoFailback:
		req := m.cfg.Failback
		req.Primary, req.Secondary = prim, &sec
		plan, err = m.cfg.Switcher.PlanFailback(ctx, req)
		if errors.Is(err, ErrNothingToFailBack) || errors.Is(err, ErrDwell) || errors.Is(err, ErrPrimaryUnhealthy) {
			return events // the normal state, or waiting for the primary to prove itself
		}
	default:
		return events
	}
	if err != nil {
		emit(MonitorEvent{Kind: EventRefused, Err: err})
		return events
	}
	if !plan.HasChanges() {
		return events // already where the rules want it
	}
	last, err := m.lastSwitch(ctx, plan.Kind)
	if err != nil {
		emit(MonitorEvent{Kind: EventRefused, Plan: plan, Err: err})
		return events
	}
	if now := m.cfg.Clock.Now(); !last.IsZero() && now.Before(last.Add(m.cfg.HoldDown)) {
		emit(MonitorEvent{Kind: EventHoldDown, Plan: plan,
			Err: fmt.Errorf("%w until %s", ErrHoldDown, last.Add(m.cfg.HoldDown).UTC().Format(time.RFC3339))})
		return events
	}
	emit(MonitorEvent{Kind: EventPlanned, Plan: plan})
	if !m.cfg.AutoApply {
		return events
	}
	res, err := m.cfg.Switcher.Apply(ctx, plan)
	if res == nil {
		emit(MonitorEvent{Kind: EventRefused, Plan: plan, Err: err})
		return events
	}
	emit(MonitorEvent{Kind: EventApplied, Plan: plan, Result: res, Err: err})
	return events
}

// lastSwitch returns when the journal last recorded a write in the direction opposite to
// kind (zero if never): only switching back flaps, and a switch half done (one name's
// write failed) must be finished at once, not left pointing at the dead side.
func (m *Monitor) lastSwitch(ctx context.Context, kind Kind) (time.Time, error) {
	entries, err := m.cfg.Switcher.journal.Entries(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading journal for the hold-down: %w", err)
	}
	var last time.Time
	for _, e := range switches(entries) {
		if e.Kind != kind && e.At.After(last) {
			last = e.At
		}
	}
	return last, nil
}

// log writes e's record to the monitor's logger; a probe round is logged at Info only
// when a registry's health changed.
func (m *Monitor) log(ctx context.Context, e MonitorEvent) {
	l := m.cfg.Logger
	var plan []any
	if e.Plan != nil {
		plan = []any{slog.String("kind", string(e.Plan.Kind)), slog.String("plan", e.Plan.ID)}
	}
	withErr := func(attrs ...any) []any {
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		return attrs
	}
	switch e.Kind {
	case EventProbed:
		l.DebugContext(ctx, "monitor: probe round", slog.String("primary", string(e.Primary.Health)),
			slog.String("secondary", string(e.Secondary.Health)))
		for i, st := range []HealthStatus{e.Primary, e.Secondary} {
			if st.Health == m.health[i] {
				continue
			}
			level := slog.LevelInfo
			if st.Health == HealthDown {
				level = slog.LevelWarn
			}
			attrs := []any{slog.String("endpoint", st.Endpoint), slog.String("health", string(st.Health)),
				slog.String("was", string(m.health[i])), slog.Int("up_streak", st.UpStreak), slog.Int("down_streak", st.DownStreak)}
			for _, v := range st.Vantages {
				if v.Last.Error != "" {
					attrs = append(attrs, slog.String("vantage", v.Vantage), slog.String("error", v.Last.Error))
					break
				}
			}
			l.Log(ctx, level, "monitor: registry health changed", attrs...)
			m.health[i] = st.Health
		}
	case EventPlanned:
		l.WarnContext(ctx, "monitor: switch planned", append(plan, slog.Bool("auto_apply", m.cfg.AutoApply))...)
	case EventApplied:
		if e.Err != nil {
			l.ErrorContext(ctx, "monitor: switch applied, not verified", withErr(plan...)...)
		} else {
			l.InfoContext(ctx, "monitor: switch applied", plan...)
		}
	case EventRefused:
		l.WarnContext(ctx, "monitor: switch refused", withErr(plan...)...)
	case EventHoldDown:
		l.InfoContext(ctx, "monitor: switch held down", withErr(plan...)...)
	case EventLagError:
		l.WarnContext(ctx, "monitor: replication lag not refreshed", withErr()...)
	}
}

// refreshNameMap refreshes the name map within Failover.NameMapTimeout (0:
// DefaultNameMapTimeout), even when the mapper ignores its context: a listing of Harbor
// that hangs must not stop the rounds whose probes would see Harbor fall. A refresh that
// outlives its round goes on alone; none other starts until it ends.
func (m *Monitor) refreshNameMap(ctx context.Context, r NameMapRefresher) error {
	if m.refreshing != nil {
		select {
		case err := <-m.refreshing:
			m.refreshing = nil
			if err != nil {
				return err
			}
		default:
			return nil // still running
		}
	}
	timeout := m.cfg.Failover.NameMapTimeout
	if timeout == 0 {
		timeout = DefaultNameMapTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("timed out after %v", timeout))
	// Cancelled when the round returns, not by the refresh as it ends: the select below
	// would then find the answer and the cancellation both ready and might take the
	// second. A refresh that outlives the round has its context done already.
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Refresh(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		m.refreshing = done
		return fmt.Errorf("refreshing the name map: %w", context.Cause(ctx))
	}
}

// refreshLag collects the background lag refresh if it ended, and, when the primary is
// up and none is running, starts one and waits for it at most LagWait: a lag check may
// take minutes, or hang on a wedged Harbor API, while the rounds' probes must go on, so
// one that outlives the wait runs on in the background and a later round collects it. A
// failed refresh is reported while the primary is up (once it is down, its lag cannot be
// listed: the failover reads the last measurement). The refresh runs under ctx (Run's:
// it ends with the monitor).
func (m *Monitor) refreshLag(ctx context.Context, r LagRefresher, up bool) error {
	var err error
	if run := m.lagRun; run != nil {
		select {
		case <-run.done:
			m.lagRun, err = nil, run.err
		default:
			return nil // still running: the last completed measurement stands, aging
		}
	}
	if !up {
		return nil
	}
	run := &lagRun{done: make(chan struct{})}
	m.lagRun = run
	go func() {
		defer close(run.done)
		run.err = r.Refresh(ctx)
	}()
	wait := time.NewTimer(m.cfg.LagWait)
	defer wait.Stop()
	select {
	case <-run.done:
		m.lagRun = nil
		return errors.Join(err, run.err)
	case <-wait.C:
		return err // runs on: the last completed measurement stands, aging
	}
}

// lastCompletedLag is what a monitor's failover reads of a LastKnownLag: its last
// completed measurement, aged by the time since it was taken — never a new measurement,
// which could hang the round as the refresh does. None yet, or one older than MaxAge, is
// an unknown lag (an error: the failover is refused), as LastKnownLag.Lag treats a
// stale one.
type lastCompletedLag struct{ l *LastKnownLag }

func (c lastCompletedLag) Lag(context.Context) (Lag, error) {
	if err := c.l.validate(); err != nil {
		return Lag{}, err
	}
	last, ok := c.l.Last()
	if !ok {
		return Lag{}, errors.New("no replication lag measured yet (the monitor's refresh has not completed one)")
	}
	age := max(c.l.now().Sub(last.CheckedAt), 0)
	if maxAge := c.l.maxAge(); age > maxAge {
		return Lag{}, fmt.Errorf("the last measured replication lag is %v old, more than %v", age.Round(time.Second), maxAge)
	}
	last.OldestMissing += age
	return last, nil
}
