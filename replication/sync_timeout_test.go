package replication_test

import (
	"fmt"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
)

// TestSyncSurvivesThirtyPercentFaults: with 30 % of the requests to both registries failing
// independently (503, 429 with Retry-After: 1, resets, bodies cut mid-way), the default
// retry policy still plans and copies everything, and the destination verifies it.
func TestSyncSurvivesThirtyPercentFaults(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	refs := map[string]any{}
	for r := range 8 {
		for tg := range 6 {
			refs[fmt.Sprintf("proj/team/app-%d:v%d", r, tg)] = e.fx.Image(fmt.Sprintf("a%dv%d", r, tg), 60, 61+tg, 70+r*10+tg)
		}
	}
	refs["proj/multi:1"] = e.fx.Index("pm", []string{"amd64", "arm64"}, 60)
	want := e.push(t, e.src.Host, refs)
	clock := &testutil.ImmediateClock{}
	faults := func(seed int64) *testutil.FaultTransport {
		// MaxInARow high: faults are independent, as from a real flaky network or proxy.
		return testutil.NewFaultTransport(nil, testutil.Faults{Seed: seed, Rate: 0.3, RetryAfter: "1", MaxInARow: 1000})
	}
	srcFaults, dstFaults := faults(11), faults(12)
	s := e.syncer2(t, replication.SyncOptions{Clock: clock, Jobs: 4}, srcFaults, dstFaults)
	_, rep := e.run(t, s)
	for ref, d := range want {
		if got := syncHeadDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
	if rep.Retries < 20 {
		t.Errorf("%d retries: the test tests nothing", rep.Retries)
	}
}
