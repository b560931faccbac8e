package harbor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/retry"
)

// DefaultWaitInterval is WaitOptions.Interval's default.
const DefaultWaitInterval = 2 * time.Second

// WaitOptions tunes Wait. The zero value polls every 2 seconds on the wall clock and
// retries a failed poll with retry.Policy's defaults. Wait refuses negative values with
// [ErrInvalidArgument]; nothing is silently replaced.
type WaitOptions struct {
	// Interval between polls. The default (0) is DefaultWaitInterval; negative is refused.
	Interval time.Duration
	// Clock to wait on. The default (nil) is the wall clock.
	Clock clock.Clock
	// Progress, if set, is called with the execution after every successful poll,
	// including the last one.
	Progress func(Execution)
	// Retry is how one poll that fails with a transient error — a transport error, a 5xx
	// or a 429 — is tried again before Wait gives up: regdr's one retry policy, applied to
	// each poll. Its Attempts therefore counts failed polls in a row, not failures in all:
	// an execution runs for hours, and a Harbor restart or a proxy hiccup an hour in should
	// not lose track of it because of one an hour before. Other errors (401, 403, 404…)
	// end Wait at once. The zero value is retry.Policy's default (6 tries of a poll, that
	// is 5 retries, backing off from 200ms up to 10s with jitter); Attempts 1 disables
	// retries; an invalid policy is refused.
	Retry retry.Policy
}

// Wait polls execution id until it reaches a terminal status or ctx is done, and
// returns the last execution seen. Transient poll failures are retried (see
// WaitOptions.Retry). A Failed execution is returned with an error
// matching ErrExecutionFailed, a Stopped one with ErrStopped.
func (c *Client) Wait(ctx context.Context, id int64, opts WaitOptions) (*Execution, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: execution ID %d", ErrInvalidArgument, id)
	}
	if opts.Interval < 0 {
		return nil, fmt.Errorf("%w: wait interval %v < 0", ErrInvalidArgument, opts.Interval)
	}
	if err := opts.Retry.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	interval := opts.Interval
	if interval == 0 {
		interval = DefaultWaitInterval
	}
	clk := clock.Or(opts.Clock)
	var last *Execution
	for {
		var e *Execution
		err := retry.Do(ctx, clk, opts.Retry, func(ctx context.Context) error {
			var err error
			if e, err = c.GetExecution(ctx, id); err != nil && ctx.Err() == nil && transient(err) {
				return retry.Transient(err)
			}
			return err
		})
		if err != nil {
			return last, fmt.Errorf("waiting for replication execution %d: %w", id, err)
		}
		last = e
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
		case <-clk.After(interval):
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
