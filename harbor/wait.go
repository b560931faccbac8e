package harbor

import (
	"context"
	"fmt"
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
}

// Wait polls execution id until it reaches a terminal status or ctx is done, and
// returns the last execution seen. A Failed execution is returned with an error
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
	for {
		e, err := c.GetExecution(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("waiting for replication execution %d: %w", id, err)
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
