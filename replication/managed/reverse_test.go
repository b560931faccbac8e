package managed_test

import (
	"context"
	"testing"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/managed"
)

// TestReverseLagOnEmulators: after replication, Harbor holds everything ACR EE holds;
// a tag pushed into ACR EE only (during an outage) is reported missing in Harbor, mapped
// back to its Harbor repository, and a repository created in ACR EE under a new name is
// reported unmapped. The summary converts to failover.ReverseLag field for field.
func TestReverseLagOnEmulators(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	v := mustVerifier(t, e.setup(), e.client, e.tags())
	r, err := v.Reverse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete() || r.Checked != 1 || r.Present != 1 {
		t.Fatalf("reverse lag after replication = %v, want complete with 1/1", r)
	}
	// During the outage a client pushes a new tag by the same name into ACR EE.
	if err := testutil.PushAuth(ctx, e.acrHost, "dr-ns/nginx:hotfix", e.fx.Image("outage-push", 0), e.acrEndpoint().Auth); err != nil {
		t.Fatal(err)
	}
	if err := testutil.PushAuth(ctx, e.acrHost, "dr-ns/renamed:1", e.fx.Image("outage-new-repo", 0), e.acrEndpoint().Auth); err != nil {
		t.Fatal(err)
	}
	r, err = v.Reverse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) != 1 || r.Missing[0].Source != "library/nginx" || r.Missing[0].Dest != "dr-ns/nginx" || r.Missing[0].Tag != "hotfix" {
		t.Errorf("missing = %+v, want library/nginx:hotfix (dr-ns/nginx:hotfix)", r.Missing)
	}
	if len(r.Unmapped) != 1 || r.Unmapped[0].Dest != "dr-ns/renamed" || r.Unmapped[0].Source != "" {
		t.Errorf("unmapped = %+v, want dr-ns/renamed:1 with no source", r.Unmapped)
	}
	if len(r.Stale) != 0 || r.Present != 1 || r.Complete() {
		t.Errorf("reverse lag = %v, want 1 present, 1 missing, 1 unmapped", r)
	}
	var rl failover.ReverseLagReporter = failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) {
		s, err := v.ReverseLag(ctx)
		return failover.ReverseLag(s), err
	})
	got, err := rl.ReverseLag(ctx)
	if err != nil || got.Missing != 1 || got.Unmapped != 1 || !got.Behind() {
		t.Errorf("failover.ReverseLag = %+v, %v; want 1 missing, 1 unmapped", got, err)
	}
}
