package failover

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/clock/clocktest"
)

// script is a vantage point answering from a list of up/down values, then repeating the last.
type script struct {
	mu   sync.Mutex
	name string
	ups  []bool
	at   clock.Clock
}

func (s *script) Probe(_ context.Context, e Endpoint) ProbeResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	up := s.ups[0]
	if len(s.ups) > 1 {
		s.ups = s.ups[1:]
	}
	r := ProbeResult{Endpoint: e.Name, Vantage: s.name, Up: up, At: s.at.Now()}
	if !up {
		r.Error = "scripted failure"
	}
	return r
}

func (s *script) set(ups ...bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ups = ups
}

func TestCheckerThreshold(t *testing.T) {
	t.Parallel()
	clock := clocktest.NewFake(time.Time{})
	v := &script{name: "hz", ups: []bool{true, true, true, false, true, false, false, false}, at: clock}
	c, err := NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{v}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Health
	for range 8 {
		got = append(got, c.Check(context.Background()).Health)
		clock.Advance(10 * time.Second)
	}
	want := []Health{HealthUnknown, HealthUnknown, HealthUp, HealthUp, HealthUp, HealthUp, HealthUp, HealthDown}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("health after each probe (-want +got):\n%s", diff)
	}
	st := c.Status()
	if st.DownStreak != 3 || st.UpStreak != 0 || !st.Since.Equal(clock.Now().Add(-10*time.Second)) {
		t.Errorf("Status() = %+v, want down streak 3 since the last probe", st)
	}
}

func TestCheckerQuorum(t *testing.T) {
	t.Parallel()
	clock := clocktest.NewFake(time.Time{})
	a := &script{name: "a", ups: []bool{true}, at: clock}
	b := &script{name: "b", ups: []bool{true}, at: clock}
	c := &script{name: "c", ups: []bool{true}, at: clock}
	ch, err := NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{a, b, c}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		ch.Check(ctx)
	}
	if h := ch.Status().Health; h != HealthUp {
		t.Fatalf("health after 3 up rounds = %s, want up", h)
	}
	// One vantage point losing its path is not a quorum.
	a.set(false)
	for range 5 {
		if h := ch.Check(ctx).Health; h != HealthUp {
			t.Fatalf("one of three vantage points down: health = %s, want up", h)
		}
	}
	// A second one makes a quorum; it still takes three consecutive rounds.
	b.set(false)
	for i := range 3 {
		st := ch.Check(ctx)
		want := HealthUp
		if i == 2 {
			want = HealthDown
		}
		if st.Health != want {
			t.Fatalf("round %d with two of three down: health = %s, want %s (%+v)", i+1, st.Health, want, st)
		}
	}
	if st := ch.Status(); st.Quorum != 2 || len(st.Vantages) != 3 || st.Vantages[0].DownStreak != 8 {
		t.Errorf("Status() = %+v", st)
	}
}

func TestNewCheckerValidates(t *testing.T) {
	t.Parallel()
	ep := Endpoint{Name: "x", URL: "https://x.example"}
	v := ProbeFunc(func(context.Context, Endpoint) ProbeResult { return ProbeResult{} })
	for name, f := range map[string]func() error{
		"no vantage": func() error { _, err := NewChecker(ep, nil, HealthPolicy{}); return err },
		"quorum":     func() error { _, err := NewChecker(ep, []Vantage{v}, HealthPolicy{Quorum: 2}); return err },
		"negative":   func() error { _, err := NewChecker(ep, []Vantage{v}, HealthPolicy{Threshold: -1}); return err },
		"endpoint": func() error {
			_, err := NewChecker(Endpoint{URL: "https://x"}, []Vantage{v}, HealthPolicy{})
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: NewChecker succeeded, want ErrInvalid", name)
		}
	}
}
