package aliyun

import (
	"context"
	"errors"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/retry"
)

// Do calls fn with p's retries, waiting on c (nil: the wall clock), until it succeeds,
// fails permanently, runs out of tries, or ctx is done. fn's errors are converted with
// Convert(op, err): an *Error says itself whether it is temporary (throttled, 5xx, no
// answer), which is what retry.Do retries. The last error is returned.
func Do(ctx context.Context, c clock.Clock, p retry.Policy, op string, fn func() error) error {
	var last error
	return retry.Do(ctx, c, p, func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return final{errors.Join(last, err)}
			}
			return err
		}
		err := fn()
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			// fn gave up because ctx ended (Detached): no remote failure to convert.
			if last != nil {
				return final{errors.Join(last, err)}
			}
			return err
		}
		last = Convert(op, err)
		return last
	})
}

// final is an error retrying must not try again, whatever it wraps.
type final struct{ error }

func (f final) Unwrap() error { return f.error }
func (final) Temporary() bool { return false }

// Detached runs fn, which cannot be cancelled (an SDK call without a context), in a
// goroutine of its own and returns its error — or ctx's as soon as ctx is done, while fn
// goes on in the background until it returns by itself (its HTTP client's timeouts bound
// how long). Whatever fn writes must not be read after Detached returned ctx's error.
func Detached(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
