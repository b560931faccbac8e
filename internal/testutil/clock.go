package testutil

import (
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

// Clock is the fake clock this repository's tests drive: clocktest.Fake, the one users get.
type Clock = clocktest.Fake

// NewClock returns a fake clock reading start (the zero time: 2026-01-01T00:00:00Z).
func NewClock(start time.Time) *Clock { return clocktest.NewFake(start) }
