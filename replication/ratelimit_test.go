package replication_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/regdr/regdr/replication"
)

// TestThrottleWithRateLimiter plugs the first limiter a Go user reaches for, a
// *rate.Limiter, whose WaitN refuses n above its burst: NewReader and NewTransport split
// their waits by the limiter's Burst. The rate is high enough that no test waits.
func TestThrottleWithRateLimiter(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("regdr"), 20<<10) // 100 KiB, read in chunks above the burst
	for _, burst := range []int{1, 512, 4096} {
		t.Run(fmt.Sprintf("reader/burst=%d", burst), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l := rate.NewLimiter(rate.Limit(1<<30), burst)
			got, err := io.ReadAll(replication.NewReader(ctx, bytes.NewReader(data), l))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("reading through a *rate.Limiter with burst %d: %d bytes, %v; want %d bytes", burst, len(got), err, len(data))
			}
		})
	}
	t.Run("transport", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) }))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := &http.Client{Transport: replication.NewTransport(nil, rate.NewLimiter(rate.Limit(1<<30), 4096))}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if got, err := io.ReadAll(resp.Body); err != nil || !bytes.Equal(got, data) {
			t.Errorf("GET through a *rate.Limiter: %d bytes, %v; want %d bytes", len(got), err, len(data))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := io.ReadAll(replication.NewReader(ctx, bytes.NewReader(data), rate.NewLimiter(1, 1)))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("reading with a cancelled context = %v, want context.Canceled", err)
		}
	})
}

// TestNewLimiterValidates: a rate or burst that cannot be honoured is an error, not a
// silent default; a nil clock is the documented default, the system clock.
func TestNewLimiterValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rate    int64
		opts    []replication.LimiterOption
		wantErr error
	}{
		{"defaults", 100, nil, nil},
		{"zero rate", 0, nil, replication.ErrInvalidRate},
		{"negative rate", -1, nil, replication.ErrInvalidRate},
		{"zero burst", 100, []replication.LimiterOption{replication.WithBurst(0)}, replication.ErrInvalidRate},
		{"negative burst", 100, []replication.LimiterOption{replication.WithBurst(-5)}, replication.ErrInvalidRate},
		{"burst", 100, []replication.LimiterOption{replication.WithBurst(7)}, nil},
		{"nil clock", 100, []replication.LimiterOption{replication.WithClock(nil)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := replication.NewLimiter(tt.rate, tt.opts...)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("NewLimiter(%d) = %v, want %v", tt.rate, err, tt.wantErr)
			}
			if err == nil && (l.Rate() != tt.rate || l.Burst() <= 0) {
				t.Errorf("NewLimiter(%d) = rate %d burst %d", tt.rate, l.Rate(), l.Burst())
			}
		})
	}
}
