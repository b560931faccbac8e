package aliyun_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/aliyun"
)

// sdkClient stands in for an SDK client: it records whether two calls ever shared it.
type sdkClient struct {
	id    int
	inUse bool
}

// counter creates numbered clients, failing from the failAt-th one on (0: never).
type counter struct {
	mu     sync.Mutex
	n      int
	failAt int
}

func (c *counter) new() (*sdkClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.failAt > 0 && c.n >= c.failAt {
		return nil, errors.New("cannot create")
	}
	return &sdkClient{id: c.n}, nil
}

// useAtOnce runs n calls that all hold their client until every one of them has one, and
// fails the test if two calls share a client.
func useAtOnce(t *testing.T, p *aliyun.Pool[*sdkClient], n int) {
	t.Helper()
	var mu sync.Mutex
	held := 0
	all := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := p.Use(func(c *sdkClient) error {
				mu.Lock()
				if c.inUse {
					t.Errorf("client %d used by two calls at once", c.id)
				}
				c.inUse = true
				if held++; held == n {
					close(all)
				}
				mu.Unlock()
				select {
				case <-all:
				case <-ctx.Done():
					t.Error("calls did not run at once")
				}
				mu.Lock()
				c.inUse = false
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestPoolRunsCallsInParallel(t *testing.T) {
	t.Parallel()
	var c counter
	p, err := aliyun.NewPool(c.new)
	if err != nil {
		t.Fatal(err)
	}
	if p.Created() != 1 {
		t.Errorf("Created = %d after NewPool, want 1", p.Created())
	}
	useAtOnce(t, p, 8)
	if p.Created() != 8 {
		t.Errorf("Created = %d after 8 calls at once, want 8", p.Created())
	}
	// Idle clients are reused.
	for range 5 {
		if err := p.Use(func(*sdkClient) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	useAtOnce(t, p, 8)
	if p.Created() != 8 {
		t.Errorf("Created = %d after reuse, want still 8", p.Created())
	}
	// At most 16 idle clients are kept.
	useAtOnce(t, p, 20)
	if p.Created() != 20 {
		t.Errorf("Created = %d after 20 calls at once, want 20", p.Created())
	}
	useAtOnce(t, p, 20)
	if p.Created() != 24 {
		t.Errorf("Created = %d after 20 more calls at once, want 24 (16 kept idle)", p.Created())
	}
}

func TestPoolErrors(t *testing.T) {
	t.Parallel()
	bad := counter{failAt: 1}
	if _, err := aliyun.NewPool(bad.new); err == nil {
		t.Error("NewPool with a failing constructor succeeded")
	}
	second := counter{failAt: 2}
	p, err := aliyun.NewPool(second.new)
	if err != nil {
		t.Fatal(err)
	}
	want := errors.New("call failed")
	err = p.Use(func(*sdkClient) error {
		ran := false
		if err := p.Use(func(*sdkClient) error { ran = true; return nil }); err == nil || ran {
			t.Errorf("Use while the only client is busy and creation fails = %v, ran = %v; want an error, not run", err, ran)
		}
		return want
	})
	if !errors.Is(err, want) {
		t.Errorf("Use = %v, want fn's error", err)
	}
	// The client came back despite the error.
	if err := p.Use(func(*sdkClient) error { return nil }); err != nil {
		t.Errorf("Use after an error = %v", err)
	}
}
