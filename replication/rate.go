package replication

import (
	"fmt"
	"strconv"
	"strings"
)

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
// the bare K, M, G) and decimal (KB, MB, GB) units are accepted; bits are not.
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
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("parsing rate %q: want a number of bytes per second such as 20MiB/s", s)
	}
	return int64(v * mult), nil
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
