package mirror_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/regdr/regdr/replication/mirror"
)

func TestShardsSplitMergeAndApply(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	refs := map[string]any{}
	for i := range 6 {
		refs[fmt.Sprintf("s/r%d:1", i)] = e.fx.Image(fmt.Sprintf("s%d", i), 90, 91+i)
	}
	e.push(t, e.src.Host, refs)
	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := p.Split(3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, part := range parts {
		again, err := p.ShardOf(i, 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(part, again, cmpopts.IgnoreUnexported(mirror.Plan{})); diff != "" {
			t.Errorf("shard %d not deterministic:\n%s", i, diff)
		}
		for _, it := range part.Items {
			seen[it.Dest]++
			if mirror.ShardIndex(it.Dest, 3) != i {
				t.Errorf("%s in shard %d", it.Dest, i)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("shards cover %d repositories, want 6", len(seen))
	}
	merged, err := mirror.MergePlans(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, merged, cmpopts.IgnoreUnexported(mirror.Plan{})); diff != "" {
		t.Errorf("Merge(Split(p)) != p:\n%s", diff)
	}
	var reports []*mirror.Report
	for _, part := range parts {
		rep, err := s.Apply(ctx, roundTrip(t, part))
		if err != nil {
			t.Fatalf("Apply(shard %d): %v", part.Shard, err)
		}
		reports = append(reports, rep)
	}
	total := mirror.MergeReports(reports...)
	if !total.OK() || total.Copied != 6 || len(total.Results) != 6 {
		t.Errorf("merged report = %v", total)
	}
	if got := mirror.ShardRate(30<<20, 3); got != 10<<20 {
		t.Errorf("ShardRate(30 MiB/s, 3) = %d", got)
	}
	if _, err := p.ShardOf(3, 3); err == nil {
		t.Error("ShardOf(3, 3) succeeded")
	}
}
