package aliyuntest

import (
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// InstantClock is a clock.Clock for retry tests: every wait ends at once and moves the
// clock on by its length, and the waits are recorded. It is safe for concurrent use.
type InstantClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

var _ clock.Clock = (*InstantClock)(nil)

// NewInstantClock returns a clock reading start.
func NewInstantClock(start time.Time) *InstantClock { return &InstantClock{now: start} }

// Now returns the clock's time.
func (c *InstantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After records d, moves the clock on by d and returns a channel that has fired.
func (c *InstantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// Advance moves the clock on by d without recording a wait.
func (c *InstantClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Waits returns the waits asked for so far.
func (c *InstantClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
