package replication

import "testing"

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
