package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

// syncBuffer is a bytes.Buffer safe to read while the daemon writes to it.
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

const watchInterval = 30 * time.Second

// daemon is `failover -watch` running in a goroutine on a fake clock: a round runs when
// the test advances the clock by the interval, and nothing sleeps.
type daemon struct {
	t           *testing.T
	clock       *clocktest.Fake
	out, errOut syncBuffer
	cancel      context.CancelFunc
	done        chan int
	code        int
	exited      bool
}

// watchArgs are solution (a) as a daemon: the one-shot probe flags of common() dropped.
func (w *world) watchArgs(extra ...string) []string {
	args := w.solutionA()
	args[0] = "watch"
	i := slices.Index(args, "-probes")
	args = slices.Delete(args, i, i+4) // -probes 5 -probe-interval 0
	return append(append(args, "-interval", watchInterval.String()), extra...)
}

// startWatch starts the daemon and waits for its first round.
func startWatch(t *testing.T, args []string) *daemon {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	d := &daemon{t: t, clock: clocktest.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), cancel: cancel, done: make(chan int, 1)}
	t.Cleanup(func() {
		cancel()
		if !d.exited {
			<-d.done
		}
	})
	go func() { d.done <- runWith(ctx, args, &d.out, &d.errOut, hooks{clock: d.clock}) }()
	d.waitRound()
	return d
}

// waitRound waits until the daemon has finished a round and waits on the clock for the
// next one. It fails the test if the daemon exits instead.
func (d *daemon) waitRound() {
	d.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case code := <-d.done:
			d.exited, d.code = true, code
			d.t.Fatalf("the daemon exited %d instead of waiting for the next round:\n%s\n%s", code, d.out.String(), d.errOut.String())
		default:
		}
		if d.clock.WaitForWaiters(1, 50*time.Millisecond) {
			return
		}
	}
	d.t.Fatalf("the daemon never finished its round:\n%s\n%s", d.out.String(), d.errOut.String())
}

// round advances the clock by one interval and waits for that round to finish.
func (d *daemon) round() {
	d.t.Helper()
	d.clock.Advance(watchInterval)
	d.waitRound()
}

// stop cancels the daemon's context, as SIGINT or SIGTERM does, and returns its exit
// status and output; no secret may appear in it.
func (d *daemon) stop() (code int, stdout, stderr string) {
	d.t.Helper()
	d.cancel()
	select {
	case d.code = <-d.done:
		d.exited = true
	case <-time.After(30 * time.Second):
		d.t.Fatal("the daemon did not stop when its context was cancelled")
	}
	stdout, stderr = d.out.String(), d.errOut.String()
	for _, s := range []string{stdout, stderr} {
		if strings.Contains(s, keySecret) || strings.Contains(s, harborSecret) {
			d.t.Errorf("a secret was printed:\n%s", s)
		}
	}
	return d.code, stdout, stderr
}

// TestWatchFailsOverWithYes runs the daemon round by round: while Harbor is up nothing is
// written; once Harbor has answered 503 for -threshold (3) rounds the record is switched,
// verified through the VPC's DNS server and journaled, once; cancelling ends it with 0.
func TestWatchFailsOverWithYes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes"))
	d.round()
	d.round() // Harbor and ACR EE have been up for 3 rounds
	if out := d.out.String(); !strings.Contains(out, "health harbor: up (3 up, 0 down in a row; last up (HTTP 401)), acr-ee: up") || strings.Contains(out, "planned") {
		t.Errorf("after 3 healthy rounds, want both up and no plan:\n%s", out)
	}
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 0 || w.pzRecord(t, w.recB.ID) != w.recB {
		t.Errorf("a healthy Harbor was failed over: %d updates", n)
	}

	w.harborDown.Store(true)
	d.round()
	d.round()
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 0 || strings.Contains(d.out.String(), "planned") {
		t.Errorf("failed over after 2 failed probes, want 3 (-threshold):\n%s", d.out.String())
	}
	d.round()
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" || got.Value != acrDomain || got.TTL != 60 {
		t.Errorf("after 3 rounds with Harbor down the record is %+v, want CNAME %s ttl 60", got, acrDomain)
	}
	if got := lookup(t, w.vpcResolver, zoneName, "CNAME"); !slices.Equal(got, []string{acrDomain}) {
		t.Errorf("%s CNAME through the VPC resolver = %v, want %s", zoneName, got, acrDomain)
	}
	if n := lines(t, w.journal()); n != 2 {
		t.Errorf("journal has %d entries, want 2 (intent and outcome)", n)
	}
	d.round() // still down: already failed over, nothing more to do
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 1 {
		t.Errorf("UpdateZoneRecord called %d times, want 1", n)
	}

	code, out, errOut := d.stop()
	if code != 0 {
		t.Fatalf("exit %d after cancel, want 0:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"watching every 30s", "health harbor: down (0 up, 3 down in a row; last down (HTTP 503)), acr-ee: up",
		"planned failover", "-> CNAME " + acrDomain + " ttl 60", "wrote " + zoneName + " record " + w.recB.ID,
		"verified " + zoneName + " through " + w.vpcResolver, "applied failover", "stopped: context canceled",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Rounds are printed only when health changes: unknown, both up, Harbor down.
	if n := strings.Count(out, "Z health harbor: "); n != 3 {
		t.Errorf("%d health lines, want 3 (only changes):\n%s", n, out)
	}
	if n := strings.Count(out, "planned failover"); n != 1 {
		t.Errorf("%d plans printed, want 1:\n%s", n, out)
	}
}

// TestWatchWithoutYesOnlyReports: the same outage without -yes prints the plan every
// round it is called for, and writes nothing — no record, no journal.
func TestWatchWithoutYesOnlyReports(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-reason", "harbor down"))
	d.round()
	d.round()
	d.round()
	code, out, errOut := d.stop()
	if code != 0 {
		t.Fatalf("exit %d after cancel, want 0:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"plans are only reported (no -yes)", "not applied (no -yes)", "-> CNAME " + acrDomain + " ttl 60", "harbor down"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "planned failover"); n != 2 {
		t.Errorf("%d plans printed in rounds 3 and 4, want 2:\n%s", n, out)
	}
	if strings.Contains(out, "wrote ") || strings.Contains(out, "applied failover") {
		t.Errorf("a plan was applied without -yes:\n%s", out)
	}
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 0 || w.pzRecord(t, w.recB.ID) != w.recB {
		t.Errorf("without -yes: %d updates, record %+v", n, w.pzRecord(t, w.recB.ID))
	}
	if exists(w.journal()) {
		t.Error("the journal file was created by a daemon that writes nothing")
	}
}

// TestWatchAutoFailbackHoldDown: with -auto-failback the daemon fails back once Harbor is
// up again, but not before -hold-down has passed since the failover.
func TestWatchAutoFailbackHoldDown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes", "-auto-failback", "-reverse-check=false", "-hold-down", "2m", "-min-healthy", "2", "-min-dwell", "0"))
	d.round()
	d.round() // t=60s: down 3 rounds, failed over
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" {
		t.Fatalf("not failed over: %+v\n%s", got, d.out.String())
	}
	w.harborDown.Store(false)
	d.round()
	d.round()
	d.round() // t=150s: Harbor up 3 rounds; the failover was 90s ago, hold-down 2m
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" || !strings.Contains(d.out.String(), "hold-down: failback") {
		t.Errorf("failed back within the hold-down (record %+v):\n%s", got, d.out.String())
	}
	d.round() // t=180s: the hold-down is over
	if got := w.pzRecord(t, w.recB.ID); got != w.recB {
		t.Errorf("after the hold-down the record is %+v, want the original %+v", got, w.recB)
	}
	if n := lines(t, w.journal()); n != 4 {
		t.Errorf("journal has %d entries, want 4 (two writes, write-ahead)", n)
	}
	code, out, errOut := d.stop()
	if code != 0 || !strings.Contains(out, "applied failback") || !strings.Contains(out, "hold-down: failback") {
		t.Errorf("exit %d, want 0 with a held-down then applied failback:\n%s\n%s", code, out, errOut)
	}
}

// TestWatchRPO keeps the last known lag fresh while Harbor is up — measured once per
// -lag-every, not every round — and holds the failover to -rpo with it once Harbor is
// down and cannot be listed. Not parallel: it sets the environment.
func TestWatchRPO(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	rpo := []string{"-rpo", "1h", "-lag-every", "5m", "-projects", "library", "-namespace", "acr-ns", "-journal", w.journal(), "-yes"}
	d := startWatch(t, w.watchArgs(rpo...))
	measured := func() int { return strings.Count(d.out.String(), "replication lag: 0 missing") }
	for range 10 {
		d.round()
	}
	// Harbor is up from round 3 (t=1m): measured then, not again in the 4m since.
	if n := measured(); n != 1 {
		t.Errorf("the lag was measured %d times from 1m to 5m, want once (-lag-every 5m):\n%s", n, d.out.String())
	}
	d.round()
	d.round() // t=6m
	if n := measured(); n != 2 {
		t.Errorf("the lag was measured %d times by 6m, want twice (-lag-every 5m):\n%s", n, d.out.String())
	}
	w.harborDown.Store(true)
	d.round()
	d.round()
	d.round() // t=7m30s: Harbor down for 3 rounds
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" {
		t.Errorf("with a lag 1m30s old and an RPO of 1h the failover did not happen: %+v\n%s", got, d.out.String())
	}
	code, out, errOut := d.stop()
	if code != 0 || !strings.Contains(out, "applied failover") || strings.Contains(out, "lag-error") {
		t.Errorf("exit %d, want 0 with the failover applied and no lag error:\n%s\n%s", code, out, errOut)
	}
	// The plan rests on the lag measured at 6m, aged by the 1m30s since.
	if !strings.Contains(out, "oldest 1m30s (RPO 1h0m0s), measured 1m30s before the plan") {
		t.Errorf("the plan does not show the last known lag, aged:\n%s", out)
	}
}

// TestWatchBadFlags: contradictions with -watch are found before any I/O (exit 2).
func TestWatchBadFlags(t *testing.T) {
	t.Parallel()
	flags := []string{"-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-region", "cn-hangzhou",
		"-primary", harborIP, "-instance", "cri-x", "-acr", "https://acr.example", "-harbor", "https://harbor.example"}
	a := append([]string{"watch"}, flags...)
	apply := append([]string{"apply"}, flags...)
	tests := map[string][]string{
		"failback":                       {"watch", "-failback", "-solution", "public", "-zone", "z", "-region", "r", "-harbor", "h.example", "-journal", "j"},
		"plan":                           append(slices.Clone(a), "-plan", "plan.json"),
		"out":                            append(slices.Clone(a), "-out", "plan.json"),
		"dry run":                        append(slices.Clone(a), "-dry-run"),
		"json":                           append(slices.Clone(a), "-json"),
		"force":                          append(slices.Clone(a), "-force", "-reason", "r", "-rpo", "1h"),
		"probes":                         append(slices.Clone(a), "-probes", "3"),
		"zero interval":                  append(slices.Clone(a), "-interval", "0"),
		"negative interval":              append(slices.Clone(a), "-interval", "-30s"),
		"zero hold-down":                 append(slices.Clone(a), "-hold-down", "0"),
		"no harbor":                      slices.Delete(slices.Clone(a), 15, 17),
		"auto-failback no yes":           append(slices.Clone(a), "-auto-failback"),
		"reverse-check no auto-failback": append(slices.Clone(a), "-reverse-check", "-namespace", "ns"),
		"auto-failback no namespace":     append(slices.Clone(a), "-auto-failback", "-yes", "-journal", "j"),
		"auto-failback two projects":     append(slices.Clone(a), "-auto-failback", "-yes", "-journal", "j", "-projects", "a,b"),
		"yes without journal":            append(slices.Clone(a), "-yes"),
		"lag-every without rpo":          append(slices.Clone(a), "-lag-every", "1m"),
		"min-dwell no failback":          append(slices.Clone(a), "-min-dwell", "1h"),
		"metrics-addr no port":           append(slices.Clone(a), "-metrics-addr", "localhost"),
		"metrics-addr no watch":          append(slices.Clone(apply), "-metrics-addr", "127.0.0.1:0"),
		"interval without watch":         append(slices.Clone(apply), "-interval", "1m"),
		"auto-failback no watch":         append(slices.Clone(apply), "-auto-failback", "-yes", "-journal", "j"),
		"hold-down without watch":        append(slices.Clone(apply), "-hold-down", "1h"),
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := cli(t, args...)
			if code != 2 {
				t.Errorf("run(%q) = %d, want 2:\n%s", args, code, errOut)
			}
		})
	}
}

// TestWatchLogsMonitorEvents: with -log-format json the monitor's own records reach stderr
// as JSON lines (failover.MonitorConfig.Logger, the switcher's logger): Harbor going down,
// the failover applied; each once.
func TestWatchLogsMonitorEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes", "-log-format", "json"))
	d.round()
	d.round()
	w.harborDown.Store(true)
	for range 4 {
		d.round()
	}
	code, out, errOut := d.stop()
	if code != 0 {
		t.Fatalf("exit %d after cancel, want 0:\n%s\n%s", code, out, errOut)
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
			continue
		}
		key := fmt.Sprint(rec["level"], " ", rec["msg"])
		if rec["endpoint"] != nil {
			key += fmt.Sprint(" ", rec["endpoint"], " ", rec["health"])
		}
		count[key]++
	}
	for _, want := range []string{
		"INFO monitor: registry health changed harbor up",
		"WARN monitor: registry health changed harbor down",
		"WARN monitor: switch planned",
		"INFO failover record written",
		"INFO monitor: switch applied",
	} {
		if count[want] != 1 {
			t.Errorf("%d records %q, want 1:\n%s", count[want], want, errOut)
		}
	}
}
