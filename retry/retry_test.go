package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/retry"
)

func TestBackoff(t *testing.T) {
	p := retry.Policy{Initial: 100 * time.Millisecond, Max: time.Second}
	for _, tc := range []struct {
		name string
		n    int
		hint time.Duration
		u    float64
		want time.Duration
	}{
		{"first, no jitter", 1, 0, 0, 50 * time.Millisecond},
		{"first, full jitter", 1, 0, 0.999999, 99999950 * time.Nanosecond},
		{"third doubles twice", 3, 0, 0, 200 * time.Millisecond},
		{"capped at max", 10, 0, 0, 500 * time.Millisecond},
		{"retry-after wins", 1, 700 * time.Millisecond, 0.5, 700 * time.Millisecond},
		{"retry-after capped", 1, time.Hour, 0, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Backoff(tc.n, tc.hint, tc.u); got != tc.want {
				t.Errorf("Backoff(%d, %v, %v) = %v, want %v", tc.n, tc.hint, tc.u, got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []retry.Policy{{Attempts: -1}, {Initial: -1}, {Max: -1}, {Initial: time.Minute, Max: time.Second}} {
		if err := p.Validate(); !errors.Is(err, retry.ErrInvalidPolicy) {
			t.Errorf("%+v.Validate() = %v, want ErrInvalidPolicy", p, err)
		}
	}
	if err := (retry.Policy{}).Validate(); err != nil {
		t.Errorf("zero Policy.Validate() = %v, want nil", err)
	}
}

type afterErr struct{ d time.Duration }

func (e afterErr) Error() string                              { return "429" }
func (e afterErr) Temporary() bool                            { return true }
func (e afterErr) RetryAfter(time.Time) (time.Duration, bool) { return e.d, true }

func TestDo(t *testing.T) {
	permanent := errors.New("404")
	for _, tc := range []struct {
		name      string
		errs      []error
		attempts  int
		wantCalls int
		wantErr   error
	}{
		{"success at once", []error{nil}, 3, 1, nil},
		{"transient then success", []error{retry.Transient(errors.New("500")), nil}, 3, 2, nil},
		{"permanent stops", []error{permanent, nil}, 3, 1, permanent},
		{"attempts run out", []error{retry.Transient(permanent), retry.Transient(permanent), nil}, 2, 2, permanent},
		{"retry-after honoured", []error{afterErr{time.Second}, nil}, 3, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.NewFake(time.Time{})
			calls := 0
			done := make(chan error, 1)
			go func() {
				done <- retry.Do(context.Background(), clk, retry.Policy{Attempts: tc.attempts}, func(context.Context) error {
					err := tc.errs[calls]
					calls++
					return err
				})
			}()
			for round := 0; ; round++ {
				if round > 1000 {
					t.Fatal("Do did not return after 1000 rounds of the clock")
				}
				select {
				case err := <-done:
					if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
						t.Errorf("Do = %v, want %v", err, tc.wantErr)
					}
					if calls != tc.wantCalls {
						t.Errorf("op called %d times, want %d", calls, tc.wantCalls)
					}
					return
				default:
				}
				if clk.WaitForWaiters(1, 10*time.Millisecond) {
					clk.Advance(retry.DefaultMax)
				}
			}
		})
	}
}

func TestDoStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := clocktest.NewFake(time.Time{})
	done := make(chan error, 1)
	go func() {
		done <- retry.Do(ctx, clk, retry.Policy{}, func(context.Context) error { return retry.Transient(errors.New("500")) })
	}()
	if !clk.WaitForWaiters(1, 5*time.Second) {
		t.Fatal("Do never waited")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
}
