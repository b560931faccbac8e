package mirror_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
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

// TestSyncShards: three Syncers given Options.Shard 0, 1, 2 of 3 each Sync their part —
// the same items Plan.ShardOf gives that part of the whole plan — and together land every
// tag once; a part asks the source and the destination about its own repositories only
// (each lists the source's catalog), and its plan says which part it is.
func TestSyncShards(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	refs := map[string]any{}
	for i := range 9 {
		refs[fmt.Sprintf("s/r%d:1", i)] = e.fx.Image(fmt.Sprintf("s%d", i), 90, 91+i)
	}
	digests := e.push(t, e.src.Host, refs)
	ctx := testCtx(t)
	whole, err := e.syncer(t, mirror.Options{}, nil).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 3 {
		s := e.syncer(t, mirror.Options{Shard: i, Shards: 3}, nil)
		p, err := s.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := whole.ShardOf(i, 3)
		if diff := cmp.Diff(want, p, cmpopts.IgnoreUnexported(mirror.Plan{})); diff != "" {
			t.Errorf("shard %d's own plan differs from ShardOf(%d, 3) of the whole plan:\n%s", i, i, diff)
		}
		e.srcRec.Reset()
		e.dstRec.Reset()
		rep, err := s.Sync(ctx)
		if err != nil || !rep.OK() {
			t.Fatalf("Sync(shard %d): %v\n%v", i, err, rep)
		}
		for _, res := range rep.Results {
			seen[res.Item.Dest+":"+res.Item.Tag]++
		}
		for _, rec := range []*testutil.Recorder{e.srcRec, e.dstRec} {
			for _, q := range rec.Requests() {
				if q.Repo != "" && mirror.ShardIndex(q.Repo, 3) != i {
					t.Errorf("shard %d asked about %s, another part's repository: %+v", i, q.Repo, q)
				}
			}
		}
	}
	for ref, d := range digests {
		if seen[ref] != 1 {
			t.Errorf("%s synced by %d parts, want 1", ref, seen[ref])
		}
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s at the destination is %q, want %s", ref, got, d)
		}
	}
}

// TestSyncShardsRefuseBadMappingAlike: two repositories flattened to one destination name
// are refused by every part — also the parts neither repository belongs to — before any
// destination request; a part outside 0..Shards-1 is refused by New.
func TestSyncShardsRefuseBadMappingAlike(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	e.push(t, e.src.Host, map[string]any{
		"a/x:1": e.fx.Image("x", 1, 2),
		"b/x:1": e.fx.Image("y", 1, 3),
		"c/z:1": e.fx.Image("z", 1, 4),
	})
	flat := replication.FlattenFunc(func(r string) (string, error) {
		_, base, _ := strings.Cut(r, "/")
		return "ns/" + base, nil
	})
	for i := range 4 {
		s := e.syncer(t, mirror.Options{Flattener: flat, Shard: i, Shards: 4}, nil)
		if _, err := s.Sync(testCtx(t)); !errors.Is(err, replication.ErrCollision) {
			t.Errorf("shard %d: Sync = %v, want ErrCollision", i, err)
		}
		if _, err := s.Plan(testCtx(t)); !errors.Is(err, replication.ErrCollision) {
			t.Errorf("shard %d: Plan = %v, want ErrCollision", i, err)
		}
	}
	if n := e.dstRec.Count(func(q testutil.Request) bool { return q.Kind != "ping" }); n != 0 {
		t.Errorf("%d destination requests before the mapping was refused", n)
	}
	for _, o := range []mirror.Options{{Shard: 3, Shards: 3}, {Shard: -1, Shards: 3}, {Shard: 1}, {Shards: -2}} {
		_, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}, mirror.Endpoint{PlainHTTP: true, Registry: e.dst.Host}, o)
		if !errors.Is(err, mirror.ErrInvalidOptions) {
			t.Errorf("New(shard %d of %d) = %v, want ErrInvalidOptions", o.Shard, o.Shards, err)
		}
	}
}
