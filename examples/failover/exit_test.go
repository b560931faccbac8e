package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/regdr/regdr/failover"
)

// TestExitCode: every safety check's refusal, however wrapped, exits 3; anything else
// that stops a run exits 1.
func TestExitCode(t *testing.T) {
	cases := map[string]struct {
		err  error
		want int
	}{
		"stale plan":        {failover.ErrStalePlan, exitRefused},
		"tampered plan":     {failover.ErrTamperedPlan, exitRefused},
		"tampered journal":  {failover.ErrTamperedJournal, exitRefused},
		"lag exceeds RPO":   {failover.ErrLagExceedsRPO, exitRefused},
		"lag from future":   {failover.ErrLagFromFuture, exitRefused},
		"secondary down":    {failover.ErrSecondaryUnhealthy, exitRefused},
		"primary unhealthy": {failover.ErrPrimaryUnhealthy, exitRefused},
		"dwell":             {failover.ErrDwell, exitRefused},
		"hold-down":         {failover.ErrHoldDown, exitRefused},
		"nothing to undo":   {failover.ErrNothingToFailBack, exitRefused},
		"unexpected record": {failover.ErrUnexpectedRecord, exitRefused},
		"not verified":      {failover.ErrNotVerified, exitFailed},
		"invalid":           {failover.ErrInvalid, exitFailed},
		"no -yes":           {errRefused, exitRefused},
		"network":           {errors.New("dial tcp 127.0.0.1:1: connection refused"), exitFailed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := fmt.Errorf("planning failover: %w", tc.err)
			if got := exitCode(err); got != tc.want {
				t.Errorf("exitCode(%v) = %d, want %d", err, got, tc.want)
			}
		})
	}
}
