package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLogFormat: -log-format json puts the library's log lines on stderr as JSON, from
// -log-level on; stdout keeps the results only; a bad level or format is bad usage.
func TestLogFormat(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-yes", "-log-format", "json", "-log-level", "debug")...)
	if code != exitOK {
		t.Fatalf("apply: exit %d:\n%s\n%s", code, out, errOut)
	}
	var written bool
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
			continue
		}
		written = written || rec["msg"] == "failover record written" && rec["level"] == "INFO" && rec["fqdn"] == zoneName
	}
	if !written {
		t.Errorf("no JSON log line of the write on stderr:\n%s", errOut)
	}
	if strings.Contains(out, `"msg"`) || !strings.Contains(out, "wrote "+zoneName) {
		t.Errorf("stdout should hold the report, not log lines:\n%s", out)
	}

	// Switched already: back to Harbor with -log-level warn logs nothing at info.
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-resolver", w.vpcResolver,
		"-journal", w.journal(), "-min-dwell", "0", "-yes", "-log-level", "warn")
	w.harborDown.Store(false)
	if code, out, errOut := cli(t, back...); code != exitOK || errOut != "" {
		t.Errorf("failback -log-level warn: exit %d, want 0 with nothing on stderr:\n%s\n%s", code, out, errOut)
	}

	for name, args := range map[string][]string{
		"bad level":  w.solutionA("-log-level", "loud"),
		"bad format": w.solutionA("-log-format", "xml"),
	} {
		if code, _, errOut := cli(t, args...); code != exitUsage {
			t.Errorf("%s: exit %d, want 2:\n%s", name, code, errOut)
		}
	}
}
