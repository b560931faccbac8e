package replication_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/replication"
)

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkLimiterAccuracy moves three seconds' worth of bytes at 8 MiB/s through one shared
// limiter, split across 1 or 16 concurrent readers, and reports the achieved aggregate rate
// as a ratio of the limit (goal: within ±5 %, i.e. 0.95–1.05).
func BenchmarkLimiterAccuracy(b *testing.B) {
	const rate = 8 << 20
	const seconds = 3
	for _, readers := range []int{1, 16} {
		b.Run(map[int]string{1: "readers=1", 16: "readers=16"}[readers], func(b *testing.B) {
			var ratio float64
			for b.Loop() {
				l := replication.NewBandwidthLimiter(rate)
				per := int64(rate * seconds / readers)
				start := time.Now()
				var wg sync.WaitGroup
				for range readers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := replication.NewReader(context.Background(), io.LimitReader(zeros{}, per), l)
						if _, err := io.Copy(io.Discard, r); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
				achieved := float64(per*int64(readers)) / time.Since(start).Seconds()
				ratio = achieved / rate
			}
			b.ReportMetric(ratio, "rate/limit")
		})
	}
}

// BenchmarkReaderOverhead measures what throttling costs a stream whose limit is never
// reached, against the bare reader and the Unlimited limiter.
func BenchmarkReaderOverhead(b *testing.B) {
	const size = 8 << 20
	cases := []struct {
		name string
		l    replication.BandwidthLimiter
	}{
		{"bare", nil},
		{"unlimited", replication.NewBandwidthLimiter(0)},
		{"limit=1TiB/s", replication.NewBandwidthLimiter(1 << 40)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				var r io.Reader = io.LimitReader(zeros{}, size)
				if c.l != nil {
					r = replication.NewReader(context.Background(), r, c.l)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
