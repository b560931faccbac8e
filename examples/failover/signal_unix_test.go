//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainArgsEnv carries the arguments of main run in a child process (see TestMain).
const mainArgsEnv = "FAILOVER_TEST_MAIN_ARGS"

// TestWatchStopsOnSIGTERM: Kubernetes stops a pod with SIGTERM; -watch treats it as
// SIGINT, a clean stop with exit status 0.
func TestWatchStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	args, err := json.Marshal(w.watchArgs("-interval", "1h"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+string(args))
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "watching every") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); err != nil || code != 0 || !strings.Contains(out.String(), "stopped") {
		t.Errorf("-watch after SIGTERM: exit %d (%v), want 0 and stopped:\n%s\n%s", code, err, out.String(), errOut.String())
	}
}
