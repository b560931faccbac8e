package replication_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
)

func TestLimiterReserve(t *testing.T) {
	t.Parallel()
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(1000, replication.WithBurst(50), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	if got := l.Reserve(now, 50); got != 0 {
		t.Errorf("Reserve(burst) = %v, want 0", got)
	}
	if got := l.Reserve(now, 1000); got != time.Second {
		t.Errorf("Reserve(1000) after the burst = %v, want 1s", got)
	}
	// Idle time refills the bucket up to the burst, never more.
	later := now.Add(time.Hour)
	if got := l.Reserve(later, 50); got != 0 {
		t.Errorf("Reserve(burst) after idling = %v, want 0", got)
	}
	if got := l.Reserve(later, 100); got != 100*time.Millisecond {
		t.Errorf("Reserve(100) past the burst = %v, want 100ms", got)
	}
}

// TestLimiterSharedBudget checks that sixteen concurrent callers share one budget: after the
// clock moves t seconds, no more than rate*t + burst bytes have passed in total.
func TestLimiterSharedBudget(t *testing.T) {
	t.Parallel()
	const rate, burst, callers, each = 100, 10, 16, 50
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(rate, replication.WithBurst(burst), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.WaitN(ctx, each); err != nil {
				t.Errorf("WaitN: %v", err)
				return
			}
			mu.Lock()
			passed += each
			mu.Unlock()
		}()
	}
	// Every caller parks on the clock: even the first needs more than the burst.
	if !clk.WaitForWaiters(callers, 5*time.Second) {
		t.Fatalf("only %d of %d callers waiting on the clock", clk.Waiters(), callers)
	}
	for step := 1; step <= 8; step++ {
		clk.Advance(time.Second)
		// Let woken goroutines record themselves: wait until the count settles at what the
		// clock allows, bounded by the fired channels (no sleeping).
		want := min(callers*each, (step*rate+burst)/each*each)
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			p := passed
			mu.Unlock()
			if p > step*rate+burst {
				t.Fatalf("after %ds %d bytes passed, more than rate*t+burst = %d", step, p, step*rate+burst)
			}
			if p >= want || time.Now().After(deadline) {
				break
			}
			waitBriefly()
		}
	}
	wg.Wait()
	if passed != callers*each {
		t.Errorf("%d bytes passed in total, want %d", passed, callers*each)
	}
}

// waitBriefly yields to other goroutines without sleeping on the clock under test.
func waitBriefly() {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}

func TestLimiterWaitNLargerThanBurst(t *testing.T) {
	t.Parallel()
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(1000, replication.WithBurst(10), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- l.WaitN(context.Background(), 5010) }()
	if !clk.WaitForWaiters(1, 5*time.Second) {
		t.Fatal("WaitN did not wait on the clock")
	}
	if d, _ := clk.NextDeadline(); d != 5*time.Second {
		t.Errorf("WaitN(5010) at 1000 B/s with a 10 B burst waits %v, want 5s", d)
	}
	clk.Advance(5 * time.Second)
	if err := <-errc; err != nil {
		t.Errorf("WaitN = %v", err)
	}
}

func TestLimiterDeadlineReturnsPromptly(t *testing.T) {
	t.Parallel()
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(100, replication.WithBurst(1), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(time.Second))
	defer cancel()
	// 1000 bytes at 100 B/s need 10 s; the deadline is 1 s away on the fake clock.
	err = l.WaitN(ctx, 1000)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitN past the deadline = %v, want DeadlineExceeded", err)
	}
	if clk.Waiters() != 0 {
		t.Error("WaitN past the deadline parked on the clock")
	}
	// The refused bytes were given back.
	if got := l.Reserve(clk.Now(), 1); got != 0 {
		t.Errorf("Reserve after a refused WaitN = %v, want 0", got)
	}
}

func TestLimiterCancelGivesBytesBack(t *testing.T) {
	t.Parallel()
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(100, replication.WithBurst(1), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- l.WaitN(ctx, 1000) }()
	if !clk.WaitForWaiters(1, 5*time.Second) {
		t.Fatal("WaitN did not wait")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitN after cancel = %v, want Canceled", err)
	}
	if got := l.Reserve(clk.Now(), 1); got != 0 {
		t.Errorf("Reserve after a cancelled WaitN = %v, want 0", got)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if err := l.WaitN(done, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitN on a done context = %v, want Canceled", err)
	}
}

func TestUnlimited(t *testing.T) {
	t.Parallel()
	l := replication.NewBandwidthLimiter(0)
	if err := l.WaitN(context.Background(), 1<<40); err != nil {
		t.Errorf("unlimited WaitN = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.WaitN(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("unlimited WaitN on a done context = %v, want Canceled", err)
	}
	r := bytes.NewReader([]byte("x"))
	if got := replication.NewReader(context.Background(), r, l); got != io.Reader(r) {
		t.Error("NewReader with an unlimited limiter should return the reader itself")
	}
}

func TestReaderAndTransportKeepBytes(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("regdr-"), 20000) // 120 kB
	// Fast enough to finish at once; the content, not the time, is under test here.
	l := replication.NewBandwidthLimiter(1 << 30)

	got, err := io.ReadAll(replication.NewReader(context.Background(), bytes.NewReader(payload), l))
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("NewReader altered the stream: %d bytes, err %v", len(got), err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read everything first: an HTTP/1 server stops reading a body once it answers.
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: replication.NewTransport(srv.Client().Transport, l)}
	resp, err := client.Post(srv.URL, "application/octet-stream", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	echo, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(echo, payload) {
		t.Fatalf("transport altered the round trip: %d bytes, err %v", len(echo), err)
	}
}

func TestReaderStopsOnCancel(t *testing.T) {
	t.Parallel()
	clk := testutil.NewClock(time.Time{})
	l, err := replication.NewLimiter(10, replication.WithBurst(1), replication.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := replication.NewReader(ctx, bytes.NewReader(make([]byte, 4096)), l)
	errc := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		errc <- err
	}()
	if !clk.WaitForWaiters(1, 5*time.Second) {
		t.Fatal("reader did not wait on the limiter")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAll after cancel = %v, want Canceled", err)
	}
}
