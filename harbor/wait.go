package harbor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Clock is Wait's time source. Tests give a fake one so that they never sleep.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// WaitOptions tunes Wait. The zero value polls every 2 seconds on the real clock.
type WaitOptions struct {
	// Interval between polls. The default is 2 seconds.
	Interval time.Duration
	// Clock to wait on. The default is the real clock.
	Clock Clock
	// Progress, if set, is called with the execution after every poll,
	// including the last one.
	Progress func(Execution)
	// Retries is how many polls in a row may fail with a transient error — a
	// transport error, a 5xx or a 429 — before Wait gives up: an execution runs for
	// hours, and a Harbor restart or a proxy hiccup should not lose track of it. Other
	// errors (401, 403, 404…) end Wait at once. The default is DefaultWaitRetries;
	// negative means none.
	Retries int
}

// DefaultWaitRetries is WaitOptions.Retries' default.
const DefaultWaitRetries = 5

// Wait polls execution id until it reaches a terminal status or ctx is done, and
// returns the last execution seen. Transient poll failures are retried (see
// WaitOptions.Retries). A Failed execution is returned with an error
// matching ErrExecutionFailed, a Stopped one with ErrStopped.
func (c *Client) Wait(ctx context.Context, id int64, opts WaitOptions) (*Execution, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: execution ID %d", ErrInvalidArgument, id)
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	clock := opts.Clock
	if clock == nil {
		clock = realClock{}
	}
	retries := opts.Retries
	if retries == 0 {
		retries = DefaultWaitRetries
	}
	var last *Execution
	failed := 0
	for {
		e, err := c.GetExecution(ctx, id)
		switch {
		case err == nil:
			failed = 0
			last = e
		case transient(err) && failed < retries && ctx.Err() == nil:
			failed++
			select {
			case <-ctx.Done():
				return last, fmt.Errorf("waiting for replication execution %d: %w", id, ctx.Err())
			case <-clock.After(interval):
			}
			continue
		default:
			return last, fmt.Errorf("waiting for replication execution %d: %w", id, err)
		}
		if opts.Progress != nil {
			opts.Progress(*e)
		}
		switch e.Status {
		case StatusSucceed:
			return e, nil
		case StatusFailed:
			return e, fmt.Errorf("replication execution %d: %d of %d tasks failed: %w", id, e.Failed, e.Total, ErrExecutionFailed)
		case StatusStopped:
			return e, fmt.Errorf("replication execution %d: %w", id, ErrStopped)
		}
		select {
		case <-ctx.Done():
			return e, fmt.Errorf("waiting for replication execution %d: %w", id, ctx.Err())
		case <-clock.After(interval):
		}
	}
}

// transient reports whether a failed poll is worth repeating: the request did not
// reach Harbor, timed out, or Harbor could not answer it (5xx, 429). The caller checks
// its own context.
func transient(err error) bool {
	var api *APIError
	if !errors.As(err, &api) {
		return !errors.Is(err, ErrInvalidArgument)
	}
	return api.Status >= 500 || api.Status == http.StatusTooManyRequests
}
