package replication

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
	}{
		{"20MiB/s", 20 << 20},
		{"20 MiB/s", 20 << 20},
		{"512KiB", 512 << 10},
		{"1.5MB/s", 1500000},
		{"10M", 10 << 20},
		{"1048576", 1048576},
		{"100B/s", 100},
		{"", 0},
		{"unlimited", 0},
		{"-1", 0},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"fast", "10Mbit/s", "-5MiB", "1..2M"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) succeeded, want an error", in)
		}
	}
}

// TestParseRateRefusesNonRates: none of these may become "unlimited" (0) or a negative rate.
func TestParseRateRefusesNonRates(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"NaN", "nan", "NaNMiB/s", "Inf", "+Inf", "-Inf", "infinity", "InfGiB/s",
		"1e30GiB/s", "9.3e18", "9223372036854775808", "8EiB", "1e19B/s",
		"0.5B/s", "0.5", "1e-9MiB/s", "0x1p4", "0x10", "MiB/s", "1_000",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseRate(in)
			if !errors.Is(err, ErrInvalidRate) {
				t.Errorf("ParseRate(%q) = %d, %v, want ErrInvalidRate", in, got, err)
			}
		})
	}
	// The largest rates that fit are kept.
	for in, want := range map[string]int64{"9223372036854774784": 9223372036854774784, "1B/s": 1, "0MiB/s": 0, "0.001KiB/s": 1} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
}

// FuzzParseRateBounds holds the round trip: whatever ParseRate refuses is ErrInvalidRate;
// whatever it accepts is a rate ≥ 0 that reads back the same when written as a plain
// number, and FormatRate never says "unlimited" for a positive one.
func FuzzParseRateBounds(f *testing.F) {
	for _, s := range []string{"20MiB/s", "1.5MB/s", "NaN", "Inf", "1e30GiB/s", "9.3e18", "0.5B/s", "0", "-1", "unlimited", "1048576", "0x1p4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRate) {
				t.Fatalf("ParseRate(%q) = %v, want ErrInvalidRate", s, err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseRate(%q) = %d, negative", s, v)
		}
		back, err := ParseRate(strconv.FormatInt(v, 10))
		if err != nil || back != v {
			t.Fatalf("ParseRate(%q) = %d, but ParseRate(%d) = %d, %v", s, v, v, back, err)
		}
		if v > 0 && FormatRate(v) == "unlimited" {
			t.Fatalf("FormatRate(%d) = unlimited", v)
		}
	})
}

func TestFormatRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{0: "unlimited", 100: "100 B/s", 20 << 20: "20.0 MiB/s", 1536: "1.5 KiB/s"} {
		if got := FormatRate(in); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSpeedConversion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		speed int32
		bps   int64
	}{{-1, 0}, {0, 0}, {1, 128}, {1024, 128 << 10}, {8192, 1 << 20}}
	for _, tt := range tests {
		if got := SpeedToBytesPerSecond(tt.speed); got != tt.bps {
			t.Errorf("SpeedToBytesPerSecond(%d) = %d, want %d", tt.speed, got, tt.bps)
		}
	}
	back := []struct {
		bps   int64
		speed int32
	}{{0, -1}, {-5, -1}, {1, 1}, {127, 1}, {128, 1}, {1 << 20, 8192}, {1<<20 + 100, 8192}, {1 << 50, 1<<31 - 1}}
	for _, tt := range back {
		if got := BytesPerSecondToSpeed(tt.bps); got != tt.speed {
			t.Errorf("BytesPerSecondToSpeed(%d) = %d, want %d", tt.bps, got, tt.speed)
		}
	}
}
