package aliyun_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

// failing returns fn failing with errs in turn, then succeeding, and a counter of calls.
func failing(errs ...error) (func() error, *int) {
	n := 0
	return func() error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		return nil
	}, &n
}

var (
	throttled    = &aliyun.Error{Op: "Op", StatusCode: 400, Code: "Throttling.User"}
	unavailable  = &aliyun.Error{Op: "Op", StatusCode: 503, Code: "ServiceUnavailable"}
	errNoAnswer  = errors.New("connection reset by peer")
	unauthorized = &aliyun.Error{Op: "Op", StatusCode: 400, Code: "InvalidAccessKeyId.NotFound"}
	forbidden    = &aliyun.Error{Op: "Op", StatusCode: 403, Code: "Forbidden.RAM"}
	notFound     = &aliyun.Error{Op: "Op", StatusCode: 200, Code: "NAMESPACE_NOT_EXIST"}
	invalid      = &aliyun.Error{Op: "Op", StatusCode: 400, Code: "InvalidParameter"}
)

func TestDoRetries(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		maxAttempts int
		errs        []error
		wantCalls   int
		wantErr     error // nil: success
	}{
		{"success at once", 0, nil, 1, nil},
		{"throttled then success", 0, []error{throttled, throttled}, 3, nil},
		{"5xx then success", 0, []error{unavailable}, 2, nil},
		{"no answer then success", 0, []error{errNoAnswer}, 2, nil},
		{"throttled past the attempts", 3, []error{throttled, throttled, throttled, throttled}, 3, aliyun.ErrThrottled},
		{"five attempts", 5, []error{throttled, unavailable, errNoAnswer, throttled}, 5, nil},
		{"one attempt", 1, []error{unavailable}, 1, aliyun.ErrServer},
		{"unauthorized never retried", 0, []error{unauthorized}, 1, aliyun.ErrUnauthorized},
		{"forbidden never retried", 0, []error{forbidden}, 1, aliyun.ErrUnauthorized},
		{"not found never retried", 0, []error{notFound}, 1, aliyun.ErrNotFound},
		{"invalid never retried", 0, []error{invalid}, 1, aliyun.ErrInvalidArgument},
		{"permanent after temporary", 0, []error{throttled, forbidden}, 2, aliyun.ErrUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := aliyuntest.NewInstantClock(time.Time{})
			fn, calls := failing(tt.errs...)
			r := retry.Policy{Attempts: tt.maxAttempts, Initial: 100 * time.Millisecond, Max: time.Second}
			err := aliyun.Do(context.Background(), c, r, "Op", fn)
			s := c.Waits()
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Do = %v, want %v", err, tt.wantErr)
			}
			var e *aliyun.Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("Do = %T, want an *aliyun.Error", err)
			}
			if *calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", *calls, tt.wantCalls)
			}
			if len(s) != tt.wantCalls-1 {
				t.Fatalf("sleeps = %v, want %d", s, tt.wantCalls-1)
			}
			for i, d := range s {
				// Full jitter over the upper half of the exponential backoff.
				base := r.Backoff(i+1, 0, 1)
				if d < base/2 || d > base {
					t.Errorf("sleep %d = %v, want within [%v, %v]", i+1, d, base/2, base)
				}
			}
		})
	}
}

func TestDoDefaultsToRetrysAttempts(t *testing.T) {
	t.Parallel()
	errs := make([]error, retry.DefaultAttempts+2)
	for i := range errs {
		errs[i] = throttled
	}
	fn, calls := failing(errs...)
	err := aliyun.Do(context.Background(), aliyuntest.NewInstantClock(time.Time{}), retry.Policy{}, "Op", fn)
	if !errors.Is(err, aliyun.ErrThrottled) || *calls != retry.DefaultAttempts {
		t.Errorf("Do = %v after %d calls, want throttled after %d", err, *calls, retry.DefaultAttempts)
	}
}

func TestDoHonoursContext(t *testing.T) {
	t.Parallel()
	t.Run("canceled before", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		fn, calls := failing()
		if err := aliyun.Do(ctx, nil, retry.Policy{}, "Op", fn); !errors.Is(err, context.Canceled) || *calls != 0 {
			t.Errorf("Do = %v after %d calls, want canceled before any call", err, *calls)
		}
	})
	t.Run("canceled while sleeping", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fn, calls := failing(throttled, throttled)
		c := clocktest.NewFake(time.Time{})
		go func() {
			if c.WaitForWaiters(1, 10*time.Second) {
				cancel()
			}
		}()
		err := aliyun.Do(ctx, c, retry.Policy{}, "Op", fn)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, aliyun.ErrThrottled) || *calls != 1 {
			t.Errorf("Do = %v after %d calls, want canceled and throttled after 1", err, *calls)
		}
	})
	t.Run("canceled between attempts", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fn, calls := failing(unavailable, unavailable)
		// The wait ends and ctx is done at once: either way, no second try.
		err := aliyun.Do(ctx, cancelingClock{cancel}, retry.Policy{}, "Op", fn)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, aliyun.ErrServer) || *calls != 1 {
			t.Errorf("Do = %v after %d calls, want canceled and server error after 1", err, *calls)
		}
	})
	t.Run("the default sleep stops on cancel", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		fn := func() error {
			n++
			cancel() // the hour-long backoff must end at once
			return throttled
		}
		done := make(chan error, 1)
		go func() { done <- aliyun.Do(ctx, nil, retry.Policy{Initial: time.Hour, Max: time.Hour}, "Op", fn) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || n != 1 {
				t.Errorf("Do = %v after %d calls, want canceled after 1", err, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Do slept through a canceled context")
		}
	})
}

// cancelingClock cancels a context whenever a wait begins, and ends the wait at once.
type cancelingClock struct{ cancel context.CancelFunc }

func (cancelingClock) Now() time.Time { return time.Time{} }

func (c cancelingClock) After(time.Duration) <-chan time.Time {
	c.cancel()
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func TestDetached(t *testing.T) {
	t.Parallel()
	t.Run("returns fn's error", func(t *testing.T) {
		t.Parallel()
		if err := aliyun.Detached(context.Background(), func() error { return throttled }); !errors.Is(err, aliyun.ErrThrottled) {
			t.Errorf("Detached = %v, want fn's error", err)
		}
	})
	t.Run("returns when ctx ends, fn finishes later", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- aliyun.Detached(ctx, func() error {
				close(started)
				<-release
				close(finished)
				return nil
			})
		}()
		<-started
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Detached = %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Detached waited for fn after ctx ended")
		}
		close(release)
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatal("fn did not finish in the background")
		}
	})
	t.Run("does not start after ctx ended", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		if err := aliyun.Detached(ctx, func() error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
			t.Errorf("Detached = %v (ran %v), want canceled without running fn", err, ran)
		}
	})
}
