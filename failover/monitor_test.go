package failover

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/dns"
)

type monitorRig struct {
	w      *world
	harbor *script
	acr    *script
	mon    *Monitor
}

func newMonitorRig(t *testing.T, cfg MonitorConfig) *monitorRig {
	t.Helper()
	return newMonitorRigWith(t, newWorld(t), cfg)
}

// newMonitorRigWith is newMonitorRig on w, with the switcher given opts.
func newMonitorRigWith(t *testing.T, w *world, cfg MonitorConfig, opts ...Option) *monitorRig {
	t.Helper()
	r := &monitorRig{w: w, harbor: &script{name: "hz", ups: []bool{true}, at: w.clock}, acr: &script{name: "hz", ups: []bool{true}, at: w.clock}}
	var err error
	cfg.Primary, err = NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{r.harbor}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Secondary, err = NewChecker(Endpoint{Name: "acr-ee", URL: "https://" + acrDomain}, []Vantage{r.acr}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Switcher = w.switcher(t, opts...)
	if r.mon, err = NewMonitor(cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick runs one round and returns the kinds of events beyond EventProbed.
func (r *monitorRig) tick(t *testing.T) []EventKind {
	t.Helper()
	var kinds []EventKind
	for _, e := range r.mon.Tick(ctx(t)) {
		if e.Kind != EventProbed {
			kinds = append(kinds, e.Kind)
		}
		if e.Kind == EventRefused || e.Kind == EventApplied && e.Err != nil {
			t.Logf("event %s: %v", e.Kind, e.Err)
		}
	}
	r.settleLag(t)
	r.w.clock.Advance(30 * time.Second)
	return kinds
}

// settleLag waits for the lag refresh the round started in the background, so that the
// next round reads what it measured; a test whose refresh hangs drives Tick itself.
func (r *monitorRig) settleLag(t *testing.T) {
	t.Helper()
	if run := r.mon.lagRun; run != nil {
		select {
		case <-run.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the background lag refresh did not end")
		}
	}
}

func TestMonitorNeverSwitchesOnOneFailedProbe(t *testing.T) {
	t.Parallel()
	r := newMonitorRig(t, MonitorConfig{AutoApply: true})
	for range 3 {
		r.tick(t)
	}
	r.harbor.set(false, true)
	for i := range 5 {
		if kinds := r.tick(t); len(kinds) != 0 {
			t.Fatalf("round %d after one failed probe: events %v, want none", i, kinds)
		}
	}
	if r.w.provider.Writes() != 0 {
		t.Fatal("a single failed probe switched DNS")
	}
	// Two failures are not enough either; the third in a row switches.
	r.harbor.set(false)
	for i := range 3 {
		kinds := r.tick(t)
		if i < 2 && len(kinds) != 0 {
			t.Fatalf("round %d of failures: events %v, want none", i+1, kinds)
		}
		if i == 2 && (len(kinds) != 2 || kinds[0] != EventPlanned || kinds[1] != EventApplied) {
			t.Fatalf("third failure: events %v, want planned, applied", kinds)
		}
	}
	if got := r.w.current(t); got.Type != dns.TypeCNAME || got.Value != acrDomain {
		t.Errorf("record after failover = %s", got)
	}
	// Still down: nothing more to do, and failback stays manual once Harbor is back.
	r.tick(t)
	r.harbor.set(true)
	for range 10 {
		if kinds := r.tick(t); len(kinds) != 0 {
			t.Fatalf("events %v while waiting for a manual failback", kinds)
		}
	}
	if r.w.provider.Writes() != 1 {
		t.Errorf("writes = %d, want 1", r.w.provider.Writes())
	}
}

func TestMonitorRefusesWhenSecondaryDown(t *testing.T) {
	t.Parallel()
	r := newMonitorRig(t, MonitorConfig{AutoApply: true})
	r.harbor.set(false)
	r.acr.set(false)
	var last []EventKind
	for range 3 {
		last = r.tick(t)
	}
	if len(last) != 1 || last[0] != EventRefused || r.w.provider.Writes() != 0 {
		t.Errorf("events %v, writes %d; want a refusal and no write", last, r.w.provider.Writes())
	}
}

func TestMonitorPlansOnlyWithoutAutoApply(t *testing.T) {
	t.Parallel()
	var planned *Plan
	r := newMonitorRig(t, MonitorConfig{OnEvent: func(e MonitorEvent) {
		if e.Kind == EventPlanned {
			planned = e.Plan
		}
	}})
	r.harbor.set(false)
	for range 3 {
		r.tick(t)
	}
	if planned == nil || !planned.HasChanges() || r.w.provider.Writes() != 0 {
		t.Fatalf("planned = %v, writes = %d; want a plan and no write", planned, r.w.provider.Writes())
	}
}

func TestMonitorHoldDownStopsFlapping(t *testing.T) {
	t.Parallel()
	r := newMonitorRig(t, MonitorConfig{AutoApply: true, AutoFailback: true, HoldDown: time.Hour,
		Failback: FailbackRequest{MinHealthy: 3, MinDwell: time.Minute}})
	r.harbor.set(false)
	for range 3 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 1 {
		t.Fatalf("writes after failover = %d, want 1", r.w.provider.Writes())
	}
	// Harbor recovers: dwell and M probes pass quickly, but the hold-down holds.
	r.harbor.set(true)
	sawHold := false
	for range 10 {
		for _, k := range r.tick(t) {
			if k == EventHoldDown {
				sawHold = true
			}
		}
	}
	if !sawHold || r.w.provider.Writes() != 1 {
		t.Fatalf("hold-down seen %v, writes %d; want hold-down and no failback yet", sawHold, r.w.provider.Writes())
	}
	r.w.clock.Advance(time.Hour)
	var kinds []EventKind
	for range 2 {
		kinds = append(kinds, r.tick(t)...)
	}
	if r.w.provider.Writes() != 2 {
		t.Fatalf("after the hold-down: events %v, writes %d; want failback", kinds, r.w.provider.Writes())
	}
	if got := r.w.current(t); got != r.w.record {
		t.Errorf("record after automatic failback = %s, want %s", got, r.w.record)
	}
	// Harbor fails again right away: the hold-down delays the next failover.
	r.harbor.set(false)
	for range 4 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 2 {
		t.Errorf("writes = %d: the monitor flapped inside the hold-down", r.w.provider.Writes())
	}
}

func TestMonitorRunStopsWithContext(t *testing.T) {
	t.Parallel()
	var events []MonitorEvent
	probed := make(chan struct{}, 16)
	r := newMonitorRig(t, MonitorConfig{Interval: 10 * time.Second, OnEvent: func(e MonitorEvent) {
		events = append(events, e)
		probed <- struct{}{}
	}})
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() { done <- r.mon.Run(c) }()
	for range 3 {
		<-probed
		if !r.w.clock.WaitForWaiters(1, 5*time.Second) {
			t.Fatal("monitor did not wait on the clock")
		}
		r.w.clock.Advance(10 * time.Second)
	}
	<-probed
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run() = %v, want context.Canceled", err)
	}
	if len(events) != 4 {
		t.Errorf("got %d probe rounds, want 4", len(events))
	}
	if _, err := NewMonitor(MonitorConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewMonitor(zero) = %v, want ErrInvalid", err)
	}
}

// TestMonitorFinishesAPartialFailoverInsideTheHoldDown: a failover whose write to one of
// two names failed is completed on the next round. The hold-down keeps the monitor from
// switching back and forth; finishing a switch in the same direction is not a flap, and
// holding it down would leave a name pointing at the dead primary for the whole hold-down.
func TestMonitorFinishesAPartialFailoverInsideTheHoldDown(t *testing.T) {
	t.Parallel()
	fail := &failOnce{}
	zones, targets, recs := twoZones(t, func(p dns.Provider) dns.Provider { fail.Provider = p; return fail })
	clock := clocktest.NewFake(time.Time{})
	s, err := NewSwitcher(targets, WithClock(clock), WithJournal(&MemoryJournal{}))
	if err != nil {
		t.Fatal(err)
	}
	harbor := &script{name: "hz", ups: []bool{false}, at: clock}
	acr := &script{name: "hz", ups: []bool{true}, at: clock}
	prim, err := NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{harbor}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := NewChecker(Endpoint{Name: "acr-ee", URL: "https://" + acrDomain}, []Vantage{acr}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := NewMonitor(MonitorConfig{Switcher: s, Primary: prim, Secondary: sec, AutoApply: true, HoldDown: time.Hour, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	tick := func() []MonitorEvent {
		evs := mon.Tick(ctx(t))
		clock.Advance(30 * time.Second)
		return evs
	}
	tick()
	tick()
	// The third failed probe fails over; one of the two writes is refused.
	fail.armed.Store(true)
	var applied bool
	for _, e := range tick() {
		if e.Kind == EventApplied {
			applied = e.Err != nil && e.Result.Writes() == 1
		}
	}
	if !applied {
		t.Fatal("the third failed probe did not apply a failover with one of two writes failed")
	}
	var kinds []EventKind
	for _, e := range tick() {
		kinds = append(kinds, e.Kind)
		if e.Kind == EventHoldDown || e.Kind == EventRefused {
			t.Logf("%s: %v", e.Kind, e.Err)
		}
	}
	for i, r := range recs {
		if got, _ := zones[i].Record(r.ID); got.Value != acrDomain {
			t.Errorf("zone %d = %s a round after a partial failover (events %v), want it failed over", i, got, kinds)
		}
	}
}

// failOnce refuses the next write once armed, as an API that fails one call does.
type failOnce struct {
	dns.Provider
	armed atomic.Bool
}

func (p *failOnce) Apply(ctx context.Context, c dns.Change) (dns.Record, error) {
	if p.armed.CompareAndSwap(true, false) {
		return dns.Record{}, errOutage
	}
	return p.Provider.Apply(ctx, c)
}

// TestMonitorAutoFailbackWaitsOnReverseLag: with a ReverseLag source the monitor's
// automatic failback is refused (EventRefused, ErrReverseLag, nothing written) every round
// while ACR EE holds what Harbor lacks, and goes once it no longer does.
func TestMonitorAutoFailbackWaitsOnReverseLag(t *testing.T) {
	t.Parallel()
	var behind atomic.Bool
	behind.Store(true)
	var refusals []error
	rl := ReverseLagFunc(func(context.Context) (ReverseLag, error) {
		if behind.Load() {
			return ReverseLag{Missing: 1}, nil
		}
		return ReverseLag{}, nil
	})
	r := newMonitorRig(t, MonitorConfig{AutoApply: true, AutoFailback: true, HoldDown: time.Minute,
		Failback: FailbackRequest{MinHealthy: 3, MinDwell: -1, ReverseLag: rl},
		OnEvent: func(e MonitorEvent) {
			if e.Kind == EventRefused {
				refusals = append(refusals, e.Err)
			}
		}})
	r.harbor.set(false)
	for range 3 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 1 {
		t.Fatalf("writes after failover = %d, want 1", r.w.provider.Writes())
	}
	r.harbor.set(true)
	for range 8 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 1 || len(refusals) == 0 {
		t.Fatalf("while ACR EE holds what Harbor lacks: writes %d, refusals %v; want no failback, refused", r.w.provider.Writes(), refusals)
	}
	for _, err := range refusals {
		if !errors.Is(err, ErrReverseLag) {
			t.Errorf("refusal %v, want ErrReverseLag", err)
		}
	}
	behind.Store(false)
	r.tick(t)
	if r.w.provider.Writes() != 2 || r.w.current(t) != r.w.record {
		t.Errorf("once Harbor holds everything: writes %d, record %s; want the failback", r.w.provider.Writes(), r.w.current(t))
	}
}

// TestMonitorLagRefreshHangs: the lag refresh runs in the background. One that never
// returns (Harbor's API wedged while /v2/ still answers, a reporter ignoring its context)
// must not stop the rounds — the probes that see Harbor fall — and no second refresh
// starts while it hangs. The failover is then held to the last measurement that
// completed, aged by the time since (on the fake clock): within the RPO it is applied,
// aged beyond the RPO it is refused (ErrLagExceedsRPO), and older than MaxAge it is an
// unknown lag and refused too.
func TestMonitorLagRefreshHangs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		rpo    time.Duration
		maxAge time.Duration
		wedged time.Duration // how long Harbor's API hangs before /v2/ fails too
		want   EventKind
		// wantErr is the refusal's sentinel; nil with want EventRefused: an unknown lag.
		wantErr error
	}{
		{"recent measurement within the RPO", 15 * time.Minute, 0, time.Minute, EventApplied, nil},
		{"aged beyond the RPO", 5 * time.Minute, 0, 4 * time.Minute, EventRefused, ErrLagExceedsRPO},
		{"older than MaxAge", time.Hour, 10 * time.Minute, 12 * time.Minute, EventRefused, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			var calls atomic.Int64
			hung := make(chan struct{}, 8)
			var clk *clocktest.Fake
			lk := &LastKnownLag{MaxAge: tc.maxAge, Reporter: LagFunc(func(context.Context) (Lag, error) {
				if calls.Add(1) > 1 {
					hung <- struct{}{}
					<-release // wedged, and ignoring its context
				}
				return Lag{Missing: 1, OldestMissing: 2 * time.Minute, CheckedAt: clk.Now()}, nil
			})}
			r := newMonitorRig(t, MonitorConfig{AutoApply: true, LagWait: time.Millisecond, Failover: FailoverRequest{Lag: lk, RPO: tc.rpo}})
			clk, lk.Clock = r.w.clock, r.w.clock
			// Harbor up: rounds until the first refresh completed.
			for i := 0; calls.Load() == 0; i++ {
				if i == 5 {
					t.Fatal("no lag refresh in 5 rounds with Harbor up")
				}
				r.tick(t)
			}
			measured, ok := lk.Last()
			if !ok {
				t.Fatal("the first refresh measured nothing")
			}
			var events []MonitorEvent
			tick := func() {
				done := make(chan []MonitorEvent, 1)
				go func() { done <- r.mon.Tick(ctx(t)) }()
				select {
				case events = <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("a monitor round waits on a lag refresh that never returns")
				}
				r.w.clock.Advance(30 * time.Second)
			}
			for range tc.wedged / (30 * time.Second) { // the API wedged: the refresh hangs
				tick()
			}
			r.harbor.set(false)
			for range 3 {
				tick()
			}
			var got *MonitorEvent
			for i, e := range events {
				if e.Kind == EventApplied || e.Kind == EventRefused {
					got = &events[i]
				}
			}
			if got == nil || got.Kind != tc.want {
				t.Fatalf("third round with Harbor down: %+v, want %s", events, tc.want)
			}
			select {
			case <-hung:
			case <-time.After(5 * time.Second):
				t.Fatal("no second lag refresh started while Harbor was up")
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("the lag was measured %d times, want 2: one completed, one hangs, none other starts, and the plan measures none", n)
			}
			switch {
			case tc.want == EventApplied:
				age := got.Plan.CreatedAt.Sub(measured.CheckedAt)
				if l := got.Plan.Evidence.Lag; l == nil || l.OldestMissing != 2*time.Minute+age || !l.CheckedAt.Equal(measured.CheckedAt) || age < tc.wedged {
					t.Errorf("plan's lag = %+v, want the measurement of %s aged by %v", l, measured.CheckedAt, age)
				}
			case tc.wantErr != nil:
				if !errors.Is(got.Err, tc.wantErr) {
					t.Errorf("refused with %v, want %v", got.Err, tc.wantErr)
				}
			default:
				if errors.Is(got.Err, ErrLagExceedsRPO) || got.Err == nil || !strings.Contains(got.Err.Error(), "old, more than 10m0s") {
					t.Errorf("refused with %v, want the lag unknown: older than MaxAge", got.Err)
				}
			}
			if w := r.w.provider.Writes(); (w != 0) != (tc.want == EventApplied) {
				t.Errorf("%d records written, want writes only when applied", w)
			}
		})
	}
}

// TestMonitorRefusesNegativeLagWait: a negative LagWait is refused, not taken as the
// default.
func TestMonitorRefusesNegativeLagWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, err := NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{&script{name: "hz", ups: []bool{true}, at: w.clock}}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMonitor(MonitorConfig{Switcher: w.switcher(t), Primary: c, Secondary: c, LagWait: -time.Second}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewMonitor(negative LagWait) = %v, want ErrInvalid", err)
	}
}

// refreshOK is a NameMapRefresher that answers at once.
type refreshOK struct{}

func (refreshOK) Refresh(context.Context) error                      { return nil }
func (refreshOK) NameMap(context.Context) (map[string]string, error) { return nil, nil }

// TestRefreshNameMapReturnsItsAnswer: a refresh that answered within its timeout is its
// answer, never the cancellation of its own context that follows the answer (the
// refresh's goroutine once cancelled the context as it returned, and the round, seeing
// both the answer and the cancellation ready, could report "context canceled" — a flaky
// lag-error in the watch daemon).
func TestRefreshNameMapReturnsItsAnswer(t *testing.T) {
	t.Parallel()
	m := &Monitor{}
	for i := range 2000 {
		if err := m.refreshNameMap(t.Context(), refreshOK{}); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
}
