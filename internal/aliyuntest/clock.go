package aliyuntest

import (
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

// InstantClock is a clock.Clock for retry tests: every wait ends at once and moves the
// clock on by its length, and the waits are recorded — clocktest.Instant, the one users get.
type InstantClock = clocktest.Instant

// NewInstantClock returns a clock reading start.
func NewInstantClock(start time.Time) *InstantClock { return clocktest.NewInstant(start) }
