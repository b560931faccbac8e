package mirror

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
)

// A freed slot goes to a waiting planning request before any copy, each class in
// arrival order; a waiter that gives up passes on a slot granted to it meanwhile.
func TestSlotsServePlanningFirst(t *testing.T) {
	ctx := context.Background()
	s := newSlots(1)
	if err := s.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 4)
	// wait starts acquire in a goroutine and returns once it is queued.
	wait := func(name string, acquire func() error) {
		n := len(s.waiting())
		go func() {
			if err := acquire(); err != nil {
				t.Error(err)
			}
			order <- name
		}()
		for len(s.waiting()) == n {
			runtime.Gosched()
		}
	}
	copies := copySlots{s}
	wait("copy 1", func() error { return copies.Acquire(ctx, 1) })
	wait("copy 2", func() error { return copies.Acquire(ctx, 1) })
	wait("plan", func() error { return s.Acquire(ctx, 1) })
	var got []string
	for range 3 {
		s.Release(1)
		got = append(got, <-order)
	}
	if want := []string{"plan", "copy 1", "copy 2"}; !slices.Equal(got, want) {
		t.Errorf("served %v, want %v", got, want)
	}

	// A cancelled waiter leaves the queue; the slot still held comes back to free.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- copies.Acquire(cctx, 1) }()
	for len(s.waiting()) == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Acquire = %v, want context.Canceled", err)
	}
	s.Release(1)
	if s.free != 1 || len(s.waiting()) != 0 {
		t.Errorf("after the cancellation and the release: %d free, %d waiting; want 1 and 0", s.free, len(s.waiting()))
	}
}

// waiting lists the queued waiters, planning's first.
func (s *slots) waiting() []chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(append([]chan struct{}(nil), s.hi...), s.lo...)
}

// Each registry has Jobs slots of its own: the destination's all taken, the source's are
// all free (and Apply's run has a semaphore per registry too).
func TestSlotsPerRegistry(t *testing.T) {
	s, err := New(Endpoint{Registry: "127.0.0.1:1", PlainHTTP: true}, Endpoint{Registry: "127.0.0.1:2", PlainHTTP: true}, Options{Jobs: 3})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := s.dstSlots.Acquire(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if s.srcSlots == s.dstSlots || s.srcSlots.free != 3 || s.dstSlots.free != 0 {
		t.Errorf("after taking the destination's 3 slots: source %d free, destination %d free; want 3 and 0", s.srcSlots.free, s.dstSlots.free)
	}
	r := s.newApplyRun(&Plan{}, copySlots{s.srcSlots}, copySlots{s.dstSlots})
	if err := r.acquireSrc(context.Background()); err != nil || s.srcSlots.free != 2 {
		t.Errorf("a copy's source slot: %v, %d left; want 2", err, s.srcSlots.free)
	}
	r.releaseSrc()
}
