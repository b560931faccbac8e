package replication

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidRate: a bandwidth that is not a finite number of bytes per second between 1 and
// math.MaxInt64 (or one of the spellings of "no limit").
var ErrInvalidRate = errors.New("invalid rate")

var rateUnits = []struct {
	suffix string
	mult   float64
}{
	// Longest suffixes first so "KiB" is not read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// ParseRate parses a bandwidth such as "20MiB/s", "512KiB", "1.5MB/s" or "1048576" into bytes
// per second. "0", "-1", "" and "unlimited" mean no limit (0). Binary (KiB, MiB, GiB and
// the bare K, M, G) and decimal (KB, MB, GB) units are accepted; bits are not. NaN, infinities,
// hexadecimal numbers, rates that overflow an int64 and rates below 1 B/s (other than 0) are
// refused with ErrInvalidRate: none of them may silently turn into "unlimited".
func ParseRate(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "/s")
	switch t {
	case "", "0", "-1", "unlimited":
		return 0, nil
	}
	mult := 1.0
	for _, u := range rateUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	// Only plain decimal numbers: ParseFloat would also take "NaN", "Inf" and "0x1p4".
	if t == "" || strings.Trim(t, "0123456789.eE+-") != "" {
		return 0, fmt.Errorf("parsing rate %q: %w: want a number of bytes per second such as 20MiB/s", s, ErrInvalidRate)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("parsing rate %q: %w: want a number of bytes per second such as 20MiB/s", s, ErrInvalidRate)
	}
	bps := v * mult
	switch {
	case bps == 0:
		return 0, nil
	case bps < 1:
		return 0, fmt.Errorf("parsing rate %q: %w: below 1 B/s (use 0 or unlimited for no limit)", s, ErrInvalidRate)
	case bps >= math.MaxInt64: // float64(MaxInt64) is 2⁶³, which does not fit
		return 0, fmt.Errorf("parsing rate %q: %w: above %d B/s", s, ErrInvalidRate, int64(math.MaxInt64))
	}
	return int64(bps), nil
}

// FormatRate formats bytes per second with binary units, e.g. "20.0 MiB/s"; 0 or less is
// "unlimited".
func FormatRate(bytesPerSecond int64) string {
	if bytesPerSecond <= 0 {
		return "unlimited"
	}
	return FormatBytes(bytesPerSecond) + "/s"
}

// FormatBytes formats a byte count with binary units, e.g. "1.5 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
