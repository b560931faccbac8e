package aliyun

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Retry says how Do retries a call that failed temporarily (throttled, 5xx, no answer).
// Errors that retrying cannot fix (not found, unauthorized, invalid) are returned at once.
type Retry struct {
	// MaxAttempts is the number of attempts in all; 0 means 3, 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff, doubled each attempt up to MaxDelay, with full jitter.
	// Zero means 200ms and 5s.
	BaseDelay, MaxDelay time.Duration
	// Sleep waits between attempts; nil sleeps on a timer and honours ctx. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (r Retry) attempts() int {
	if r.MaxAttempts <= 0 {
		return 3
	}
	return r.MaxAttempts
}

// Backoff returns the delay before retry number attempt (1-based), before jitter.
func (r Retry) Backoff(attempt int) time.Duration {
	base, maxd := orDefault(r.BaseDelay, 200*time.Millisecond), orDefault(r.MaxDelay, 5*time.Second)
	d := base
	for i := 1; i < attempt && d < maxd; i++ {
		d *= 2
	}
	return min(d, maxd)
}

func (r Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do calls fn until it succeeds, fails permanently, runs out of attempts, or ctx is done.
// fn's errors are converted with Convert(op, err); the last one is returned.
func Do(ctx context.Context, r Retry, op string, fn func() error) error {
	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return errors.Join(last, err)
			}
			return err
		}
		err := Convert(op, fn())
		if err == nil {
			return nil
		}
		last = err
		var e *Error
		if !errors.As(err, &e) || !e.Temporary() || attempt >= r.attempts() {
			return err
		}
		d := r.Backoff(attempt)
		d = d/2 + rand.N(d/2+1) // jitter: spread retries of many callers
		if serr := r.sleep(ctx, d); serr != nil {
			return errors.Join(last, serr)
		}
	}
}
