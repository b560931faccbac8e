package failover

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/clock/clocktest"
)

// harborLag is a lag source that fails, as a Verifier does, once Harbor cannot be listed.
type harborLag struct {
	mu    sync.Mutex
	clock clock.Clock
	down  bool
	lag   Lag
	calls int
}

var errHarborDown = errors.New("listing Harbor: connection refused")

func (h *harborLag) Lag(context.Context) (Lag, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	if h.down {
		return Lag{}, errHarborDown
	}
	l := h.lag
	l.CheckedAt = h.clock.Now()
	return l, nil
}

func (h *harborLag) set(down bool) {
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
}

func TestLastKnownLag(t *testing.T) {
	t.Parallel()
	clock := clocktest.NewFake(time.Time{})
	src := &harborLag{clock: clock, lag: Lag{Missing: 1, OldestMissing: 2 * time.Minute}}
	l := &LastKnownLag{Reporter: src, Clock: clock, MaxAge: 30 * time.Minute, Every: 5 * time.Minute}
	if _, ok := l.Last(); ok {
		t.Fatal("a new LastKnownLag remembers a lag")
	}
	src.set(true)
	if _, err := l.Lag(ctx(t)); !errors.Is(err, errHarborDown) {
		t.Fatalf("nothing measured yet, source down: %v, want the source's error", err)
	}
	src.set(false)
	if err := l.Refresh(ctx(t)); err != nil {
		t.Fatal(err)
	}
	measured := clock.Now()
	clock.Advance(time.Minute)
	if err := l.Refresh(ctx(t)); err != nil || src.calls != 2 {
		t.Fatalf("Refresh within Every: %v after %d measurements; want no new measurement (2)", err, src.calls)
	}

	src.set(true)
	clock.Advance(9 * time.Minute)
	if err := l.Refresh(ctx(t)); !errors.Is(err, errHarborDown) {
		t.Errorf("Refresh past Every with the source down: %v, want its error", err)
	}
	got, err := l.Lag(ctx(t))
	if err != nil {
		t.Fatalf("Lag with the source down and a 10-minute-old measurement: %v", err)
	}
	want := Lag{Missing: 1, OldestMissing: 12 * time.Minute, CheckedAt: measured}
	if got != want {
		t.Errorf("aged lag = %+v, want %+v (2m old when measured, 10m ago)", got, want)
	}
	if last, _ := l.Last(); last.OldestMissing != 2*time.Minute {
		t.Errorf("Last = %+v; want the measurement as taken", last)
	}

	l.Seed(Lag{CheckedAt: measured.Add(-time.Hour)})
	if last, _ := l.Last(); !last.CheckedAt.Equal(measured) {
		t.Errorf("an older seed replaced the newer measurement: %+v", last)
	}
	clock.Advance(21 * time.Minute)
	if _, err := l.Lag(ctx(t)); !errors.Is(err, errHarborDown) || !strings.Contains(err.Error(), "31m0s old") {
		t.Errorf("31 minutes after the measurement (MaxAge 30m): %v, want the source's error naming the age", err)
	}
	l.Seed(Lag{CheckedAt: clock.Now().Add(-time.Minute), Stale: 3})
	if got, err := l.Lag(ctx(t)); err != nil || got.Stale != 3 || got.OldestMissing != time.Minute {
		t.Errorf("after a fresh seed: %+v, %v; want the seed aged by 1m", got, err)
	}
	if _, err := (&LastKnownLag{}).Lag(ctx(t)); !errors.Is(err, ErrInvalid) {
		t.Errorf("no reporter: %v, want ErrInvalid", err)
	}
}

// A monitor keeps a LastKnownLag fresh while Harbor is up; once Harbor is down (and
// cannot be listed) the failover is held to the RPO with the remembered lag, aged.
func TestMonitorHoldsFailoverToRememberedLag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rpo  time.Duration
		want []EventKind
	}{
		{"within RPO", 15 * time.Minute, []EventKind{EventPlanned, EventApplied}},
		{"beyond RPO", time.Minute, []EventKind{EventRefused}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &harborLag{}
			lk := &LastKnownLag{Reporter: src}
			r := newMonitorRig(t, MonitorConfig{AutoApply: true, Failover: FailoverRequest{Lag: lk, RPO: tc.rpo}})
			src.clock, lk.Clock = r.w.clock, r.w.clock
			for range 4 {
				r.tick(t)
			}
			if src.calls != 2 {
				t.Fatalf("lag measured %d times in 4 rounds, want 2 (the rounds Harbor was known up)", src.calls)
			}
			last, _ := lk.Last()
			src.set(true)
			r.harbor.set(false)
			var kinds []EventKind
			var plan *Plan
			for range 3 {
				kinds = kinds[:0]
				for _, e := range r.mon.Tick(ctx(t)) {
					if e.Kind != EventProbed {
						kinds = append(kinds, e.Kind)
					}
					if e.Plan != nil {
						plan = e.Plan
					}
					if e.Kind == EventRefused && !errors.Is(e.Err, ErrLagExceedsRPO) {
						t.Errorf("refused for another reason: %v", e.Err)
					}
				}
				r.w.clock.Advance(30 * time.Second)
			}
			if !equalKinds(kinds, tc.want) {
				t.Fatalf("third round with Harbor down: %v, want %v", kinds, tc.want)
			}
			if tc.want[0] != EventPlanned {
				if w := r.w.provider.Writes(); w != 0 {
					t.Errorf("a refused failover wrote %d records", w)
				}
				return
			}
			if plan == nil || plan.Evidence.Lag == nil {
				t.Fatalf("plan without a lag: %+v", plan)
			}
			if age := plan.Evidence.Lag.OldestMissing; age != plan.CreatedAt.Sub(last.CheckedAt) || age <= 0 {
				t.Errorf("plan's lag is %v old, want its age since measured (%v)", age, plan.CreatedAt.Sub(last.CheckedAt))
			}
			if !strings.Contains(plan.String(), "before the plan") {
				t.Errorf("the plan does not say its lag was measured before it:\n%s", plan)
			}
		})
	}
}

func equalKinds(a, b []EventKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLastKnownLagRefusesFutureReports: a report dated beyond the allowed clock skew (a
// host with a skewed clock) would never age and hold the RPO open: it is refused.
func TestLastKnownLagRefusesFutureReports(t *testing.T) {
	t.Parallel()
	clock := clocktest.NewFake(time.Time{})
	cases := []struct {
		name    string
		skew    time.Duration // MaxSkew; 0 is the default
		ahead   time.Duration
		refused bool
	}{
		{name: "now", ahead: 0},
		{name: "within the default skew", ahead: DefaultLagMaxSkew},
		{name: "beyond the default skew", ahead: DefaultLagMaxSkew + time.Second, refused: true},
		{name: "a year ahead", ahead: 365 * 24 * time.Hour, refused: true},
		{name: "beyond a configured skew", skew: time.Second, ahead: 2 * time.Second, refused: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lag := Lag{Missing: 1, CheckedAt: clock.Now().Add(tc.ahead)}
			src := LagFunc(func(context.Context) (Lag, error) { return lag, nil })
			l := &LastKnownLag{Reporter: src, Clock: clock, MaxSkew: tc.skew}
			if err := l.Seed(lag); errors.Is(err, ErrLagFromFuture) != tc.refused {
				t.Errorf("Seed(%v ahead) = %v, refused want %v", tc.ahead, err, tc.refused)
			}
			if _, err := l.Lag(ctx(t)); errors.Is(err, ErrLagFromFuture) != tc.refused {
				t.Errorf("Lag() measured %v ahead = %v, refused want %v", tc.ahead, err, tc.refused)
			}
			if err := l.Refresh(ctx(t)); errors.Is(err, ErrLagFromFuture) != tc.refused {
				t.Errorf("Refresh() measured %v ahead = %v, refused want %v", tc.ahead, err, tc.refused)
			}
			if _, ok := l.Last(); ok == tc.refused {
				t.Errorf("Last() remembered = %v, want %v", ok, !tc.refused)
			}
		})
	}
}

// TestLastKnownLagRefusesNegativeSettings: a negative MaxAge, Every or MaxSkew is refused
// with ErrInvalid by Lag, Refresh and Seed, not silently replaced by the default.
func TestLastKnownLagRefusesNegativeSettings(t *testing.T) {
	t.Parallel()
	ok := LagFunc(func(context.Context) (Lag, error) { return Lag{}, nil })
	for _, tc := range []struct {
		name string
		l    *LastKnownLag
	}{
		{"negative MaxAge", &LastKnownLag{Reporter: ok, MaxAge: -time.Minute}},
		{"negative Every", &LastKnownLag{Reporter: ok, Every: -time.Minute}},
		{"negative MaxSkew", &LastKnownLag{Reporter: ok, MaxSkew: -time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.l.Lag(ctx(t)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Lag = %v, want ErrInvalid", err)
			}
			if err := tc.l.Refresh(ctx(t)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Refresh = %v, want ErrInvalid", err)
			}
			if err := tc.l.Seed(Lag{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Seed = %v, want ErrInvalid", err)
			}
		})
	}
}
