package clock_test

import (
	"fmt"
	"time"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/clock/clocktest"
)

// A test drives time with clocktest.Fake wherever regdr takes a clock.Clock.
func Example() {
	var c clock.Clock = clocktest.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	done := c.After(30 * time.Second)
	c.(*clocktest.Fake).Advance(30 * time.Second)
	fmt.Println((<-done).Format(time.RFC3339))
	fmt.Println(clock.Or(nil) != nil)
	// Output:
	// 2026-01-01T00:00:30Z
	// true
}
