package testutil

import (
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

// Clock is clocktest.Fake, the fake clock users get. New tests use clocktest directly;
// this name stays only so that tests not yet moved to it keep compiling.
type Clock = clocktest.Fake

// NewClock is clocktest.NewFake (start's zero value reads 2026-01-01T00:00:00Z); see Clock.
func NewClock(start time.Time) *Clock { return clocktest.NewFake(start) }
