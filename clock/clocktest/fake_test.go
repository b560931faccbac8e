package clocktest_test

import (
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

func TestFakeAfterFiresOnlyWhenAdvanced(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clocktest.NewFake(start)
	ch := c.After(time.Minute)
	if !c.WaitForWaiters(1, time.Second) {
		t.Fatal("WaitForWaiters(1) = false, want the After call counted")
	}
	c.Advance(59 * time.Second)
	select {
	case <-ch:
		t.Fatal("After(1m) fired after 59s")
	default:
	}
	c.Advance(time.Second)
	select {
	case got := <-ch:
		if want := start.Add(time.Minute); !got.Equal(want) {
			t.Errorf("After(1m) sent %v, want %v", got, want)
		}
	default:
		t.Fatal("After(1m) did not fire after 60s")
	}
	if n := c.Waiters(); n != 0 {
		t.Errorf("Waiters() = %d, want 0", n)
	}
}

func TestFakeAfterNonPositiveFiresAtOnce(t *testing.T) {
	c := clocktest.NewFake(time.Time{})
	select {
	case <-c.After(0):
	default:
		t.Fatal("After(0) did not fire at once")
	}
}

func TestInstantFiresAtOnceAndRecords(t *testing.T) {
	var c clocktest.Instant // the zero value is ready
	start := c.Now()
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); !start.Equal(want) {
		t.Fatalf("zero Instant reads %v, want %v", start, want)
	}
	select {
	case got := <-c.After(2 * time.Second):
		if want := start.Add(2 * time.Second); !got.Equal(want) {
			t.Errorf("After(2s) sent %v, want %v", got, want)
		}
	default:
		t.Fatal("After(2s) did not fire at once")
	}
	<-c.After(-time.Second) // recorded, never moves time back
	c.Advance(time.Minute)
	if got, want := c.Now(), start.Add(2*time.Second+time.Minute); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if got := c.Waits(); len(got) != 2 || got[0] != 2*time.Second || got[1] != -time.Second {
		t.Errorf("Waits() = %v, want [2s -1s]", got)
	}
}
