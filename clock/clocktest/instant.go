package clocktest

import (
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

var _ clock.Clock = (*Instant)(nil)

// Instant is a clock.Clock for code that backs off: every After fires at once and moves the
// clock on by its length, and the waits are recorded, so retries run at full speed and a
// test can still check how long they would have waited. The zero value reads
// 2026-01-01T00:00:00Z. It is safe for concurrent use.
type Instant struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// NewInstant returns an Instant clock reading start (the zero time: 2026-01-01T00:00:00Z).
func NewInstant(start time.Time) *Instant { return &Instant{now: start} }

func (c *Instant) nowLocked() time.Time {
	if c.now.IsZero() {
		c.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.now
}

// Now returns the clock's time, which moves only by waits and Advance.
func (c *Instant) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// After records d, moves the clock on by d (if positive) and returns a channel that has
// already fired with the new time.
func (c *Instant) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	now := c.nowLocked()
	if d > 0 {
		now = now.Add(d)
		c.now = now
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

// Advance moves the clock on by d without recording a wait.
func (c *Instant) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.nowLocked().Add(d)
}

// Waits returns every duration passed to After, in order.
func (c *Instant) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
