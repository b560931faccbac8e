package failover

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// records decodes JSON log lines into level and msg, with the attributes named in keys.
func records(t *testing.T, out string, keys ...string) []map[string]string {
	t.Helper()
	var recs []map[string]string
	for line := range strings.Lines(out) {
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		rec := map[string]string{"level": raw["level"].(string), "msg": raw["msg"].(string)}
		for _, k := range keys {
			if v, ok := raw[k]; ok {
				rec[k] = strings.TrimSpace(strings.Trim(string(mustJSON(t, v)), `"`))
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The monitor logs through MonitorConfig.Logger, or else the Switcher's: a record when a
// registry's health changes, when a switch is planned and applied, and when one is
// refused; each round only at Debug. Nothing goes to slog's default logger.
func TestMonitorLogs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		own    bool // MonitorConfig.Logger set; else only the Switcher's WithLogger
		level  slog.Level
		rounds int // of Debug records
	}{
		{"own logger, info", true, slog.LevelInfo, 0},
		{"switcher's logger, info", false, slog.LevelInfo, 0},
		{"own logger, debug", true, slog.LevelDebug, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, global syncBuffer
			defer slog.SetDefault(slog.Default())
			slog.SetDefault(slog.New(slog.NewJSONHandler(&global, &slog.HandlerOptions{Level: slog.LevelDebug})))
			log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: tc.level}))
			w := newWorld(t)
			cfg := MonitorConfig{AutoApply: true}
			var opts []Option
			if tc.own {
				cfg.Logger = log
			} else {
				opts = append(opts, WithLogger(log))
			}
			r := newMonitorRigWith(t, w, cfg, opts...)
			for range 3 {
				r.tick(t) // both up
			}
			r.harbor.set(false)
			r.acr.set(false)
			for range 3 {
				r.tick(t) // harbor down, ACR EE down: refused once both are down
			}
			r.acr.set(true)
			for range 3 {
				r.tick(t) // refused until ACR EE is up again: then planned and applied
			}
			recs := records(t, out.String(), "endpoint", "health", "kind", "error")
			var got []string
			debug := 0
			for _, rec := range recs {
				if rec["level"] == "DEBUG" {
					debug++
					continue
				}
				line := rec["level"] + " " + rec["msg"]
				for _, k := range []string{"endpoint", "health", "kind"} {
					if rec[k] != "" {
						line += " " + k + "=" + rec[k]
					}
				}
				if rec["error"] != "" {
					line += " error"
				}
				got = append(got, line)
			}
			want := []string{
				"INFO monitor: registry health changed endpoint=harbor health=up",
				"INFO monitor: registry health changed endpoint=acr-ee health=up",
				"WARN monitor: registry health changed endpoint=harbor health=down error", // the probe's
				"WARN monitor: registry health changed endpoint=acr-ee health=down error",
				"WARN monitor: switch refused error",
				"WARN monitor: switch refused error",
				"WARN monitor: switch refused error",
				"INFO monitor: registry health changed endpoint=acr-ee health=up",
				"WARN monitor: switch planned kind=failover",
				"INFO monitor: switch applied kind=failover",
			}
			if !tc.own { // the switcher logs its DNS write too
				want = append(want[:len(want)-1], "INFO failover record written", want[len(want)-1])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s\n%s", diff, out.String())
			}
			if debug != tc.rounds {
				t.Errorf("%d debug records, want %d (one per round)", debug, tc.rounds)
			}
			if global.String() != "" {
				t.Errorf("slog's default logger got records:\n%s", global.String())
			}
			// Endpoints by name, plans by ID: no URL, no plan body.
			for _, never := range []string{"https://", `"changes"`} {
				if strings.Contains(out.String(), never) {
					t.Errorf("the log holds %q:\n%s", never, out.String())
				}
			}
		})
	}
}
