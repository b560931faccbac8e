package mirror_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// shardSource pushes to e's source repositories that share layers (so a whole run mounts
// across repositories), a multi-arch index, an image signed through the referrers API and
// one signed with a cosign sha256- tag. It returns every ref the destination must end up
// with ("repo:tag" or "repo@digest"), and its digest.
func shardSource(t *testing.T, e *syncEnv) map[string]string {
	t.Helper()
	fx := e.fx
	imgs := map[string]any{
		"s/multi:v1": fx.Index("multi", []string{"amd64", "arm64"}, 1),
		"s/signed:1": fx.OCIImage("signed", 1, 2),
		"s/cosign:1": fx.OCIImage("cosign", 1, 3),
	}
	for i := range 6 {
		imgs[fmt.Sprintf("s/r%d:1", i)] = fx.Image(fmt.Sprintf("r%d", i), 1, 2, 10+i) // 1, 2 shared
		imgs[fmt.Sprintf("s/r%d:2", i)] = fx.Image(fmt.Sprintf("r%d-2", i), 1, 20+i)
	}
	want := e.push(t, e.src.Host, imgs)
	sig := fx.Signature(desc(imgs["s/signed:1"]), "signature of signed:1")
	cosign := fx.Signature(desc(imgs["s/cosign:1"]), "cosign signature of cosign:1")
	cosignTag := "s/cosign:sha256-" + strings.TrimPrefix(want["s/cosign:1"], "sha256:") + ".sig"
	for ref, d := range e.push(t, e.src.Host, map[string]any{"s/signed@" + digestOf(sig): sig, cosignTag: cosign}) {
		want[ref] = d
	}
	return want
}

// withDst is e with a fresh destination behind its own Recorder.
func (e *syncEnv) withDst(t *testing.T) *syncEnv {
	t.Helper()
	rec := testutil.NewRecorder()
	return &syncEnv{src: e.src, srcRec: e.srcRec, dst: testutil.NewGGCRRegistry(t, rec.Wrap), dstRec: rec, fx: e.fx}
}

// TestAttackShardsCoverEverythingOnce: for 1, 2, 3, 7 and 40 parts (more parts than
// repositories: empty parts), each part's own Plan is the whole plan's ShardOf, its Sync
// copies exactly those items, the parts together land every tag, index, referrer and
// cosign tag once; a part sends the destination no request about — and mounts from — no
// other part's repository; an empty part sends the destination nothing; and a second
// pass of every part copies nothing.
func TestAttackShardsCoverEverythingOnce(t *testing.T) {
	t.Parallel()
	src := newSyncGGCREnv(t)
	want := shardSource(t, src)
	for _, n := range []int{1, 2, 3, 7, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := src.withDst(t)
			ctx := testCtx(t)
			whole, err := e.syncer(t, mirror.Options{}, nil).Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wholeItems := map[string]int{}
			for _, it := range whole.Items {
				wholeItems[it.Dest+" "+it.Tag+" "+it.Digest]++
			}
			seen := map[string]int{}
			empty := 0
			for i := range n {
				s := e.syncer(t, mirror.Options{Shard: i, Shards: n}, nil)
				p, err := s.Plan(ctx)
				if err != nil {
					t.Fatal(err)
				}
				wantPart, _ := whole.ShardOf(i, n)
				if diff := cmp.Diff(wantPart, p, cmpopts.IgnoreUnexported(mirror.Plan{})); diff != "" {
					t.Errorf("part %d of %d: own plan != ShardOf of the whole plan:\n%s", i, n, diff)
				}
				e.dstRec.Reset()
				rep, err := s.Sync(ctx)
				if err != nil || !rep.OK() {
					t.Fatalf("Sync(part %d of %d): %v\n%v", i, n, err, rep)
				}
				if len(rep.Results) != len(wantPart.Items) {
					t.Errorf("part %d of %d synced %d items, its plan has %d", i, n, len(rep.Results), len(wantPart.Items))
				}
				for _, res := range rep.Results {
					seen[res.Item.Dest+" "+res.Item.Tag+" "+res.Item.Digest]++
					if mirror.ShardIndex(res.Item.Dest, n) != i {
						t.Errorf("part %d of %d synced %s", i, n, res.Item.Ref())
					}
				}
				reqs := e.dstRec.Requests()
				if len(wantPart.Items) == 0 {
					empty++
					for _, q := range reqs {
						if q.Kind != "ping" {
							t.Errorf("empty part %d of %d sent the destination %+v", i, n, q)
						}
					}
				}
				for _, q := range reqs {
					if q.Repo != "" && mirror.ShardIndex(q.Repo, n) != i {
						t.Errorf("part %d of %d asked the destination about %s: %+v", i, n, q.Repo, q)
					}
					if q.Mount != "" && mirror.ShardIndex(q.Mount, n) != i {
						t.Errorf("part %d of %d mounted from %s, another part's repository: %+v", i, n, q.Mount, q)
					}
				}
				if v := e.dstRec.Violations(); len(v) > 0 {
					t.Errorf("part %d of %d: %v", i, n, v)
				}
			}
			if n == 40 && empty == 0 {
				t.Errorf("no empty part among 40: the test does not test that")
			}
			if diff := cmp.Diff(wholeItems, seen); diff != "" {
				t.Errorf("parts together (-whole plan +synced):\n%s", diff)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s at the destination is %q, want %s", ref, got, d)
				}
			}
			for i := range n {
				rep, err := e.syncer(t, mirror.Options{Shard: i, Shards: n}, nil).Sync(ctx)
				if err != nil || !rep.OK() || rep.Copied != 0 {
					t.Errorf("second pass of part %d of %d: %v copied %d\n%v", i, n, err, rep.Copied, rep)
				}
			}
		})
	}
}
