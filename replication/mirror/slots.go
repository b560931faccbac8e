package mirror

import (
	"context"
	"slices"
	"sync"
)

// slots is one registry's Jobs request slots (a Syncer has the source's and the
// destination's), which Plan's per-tag requests take and a pipelined Sync's copies share: a slot freed goes to a waiting planning request before
// any copy, so planning, which keeps the copies fed, never waits behind the copies'
// queue. Each class is served in arrival order.
type slots struct {
	mu     sync.Mutex
	free   int
	hi, lo []chan struct{}
}

func newSlots(n int) *slots { return &slots{free: n} }

// Acquire takes a slot for planning (n is 1; the signature is semaphore.Weighted's).
func (s *slots) Acquire(ctx context.Context, _ int64) error { return s.acquire(ctx, true) }

// Release gives back a slot taken by Acquire or by the copy side.
func (s *slots) Release(int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(s.hi) > 0:
		close(s.hi[0])
		s.hi = s.hi[1:]
	case len(s.lo) > 0:
		close(s.lo[0])
		s.lo = s.lo[1:]
	default:
		s.free++
	}
}

func (s *slots) acquire(ctx context.Context, hi bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.free > 0 && len(s.hi) == 0 && (hi || len(s.lo) == 0) {
		s.free--
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	q := &s.lo
	if hi {
		q = &s.hi
	}
	*q = append(*q, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(*q, ch); i >= 0 {
			*q = slices.Delete(*q, i, i+1)
			s.mu.Unlock()
			return ctx.Err()
		}
		s.mu.Unlock()
		s.Release(1) // granted meanwhile: hand it on
		return ctx.Err()
	}
}

// copySlots is the copy's side of slots: served after planning.
type copySlots struct{ s *slots }

func (c copySlots) Acquire(ctx context.Context, _ int64) error { return c.s.acquire(ctx, false) }

func (c copySlots) Release(n int64) { c.s.Release(n) }

// slotter is what an applyRun takes its request slots from: a semaphore of its own
// (Apply), or the copy's side of the Syncer's slots (Sync).
type slotter interface {
	Acquire(ctx context.Context, n int64) error
	Release(n int64)
}
