package mirror_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// TestAttackShardStateFilesSwapped: parts' state files swapped for one run, one file
// shared by parts one after another, or a new number of parts, must never make a part
// skip a tag the destination does not hold. Repository x's tags are recorded in one
// file; the source moves them and another part or file copies the new digests, while x's
// first file is written by a part x is not in; the source moves the tags back and x's
// part, given its first file again, must not take the old records for what the
// destination holds (the run said 8 verified, 7 unchanged, with the tags elsewhere).
func TestAttackShardStateFilesSwapped(t *testing.T) {
	t.Parallel()
	type run struct{ shard, shards, file int }
	for _, tc := range []struct {
		name                    string
		before, moved, rollback []run
	}{
		{"swapped", []run{{0, 2, 0}, {1, 2, 1}}, []run{{0, 2, 1}, {1, 2, 0}}, []run{{0, 2, 0}}},
		{"shared", []run{{0, 2, 0}, {1, 2, 0}}, []run{{1, 2, 0}, {0, 2, 0}}, []run{{0, 2, 0}}},
		{"reshard 2-3-2", []run{{0, 2, 0}, {1, 2, 1}}, []run{{0, 3, 0}, {1, 3, 1}, {2, 3, 2}}, []run{{0, 2, 0}, {1, 2, 1}}},
		{"unsharded then parts", []run{{0, 0, 0}}, []run{{0, 2, 1}, {1, 2, 0}}, []run{{0, 2, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			ctx := testCtx(t)
			x := "s/p0"
			for k := 0; mirror.ShardIndex(x, 2) != 0 || mirror.ShardIndex(x, 3) == 0; k++ {
				x = fmt.Sprintf("s/p%d", k)
			}
			old, moved := map[string]any{}, map[string]any{}
			for k := range 8 { // 8 tags: whichever turn to be looked at again, some are not
				old[fmt.Sprintf("%s:t%d", x, k)] = e.fx.Image(fmt.Sprintf("old%d", k), 1, 100+k)
				moved[fmt.Sprintf("%s:t%d", x, k)] = e.fx.Image(fmt.Sprintf("new%d", k), 1, 200+k)
			}
			oldDigests := e.push(t, e.src.Host, old)
			for k := range 6 {
				e.push(t, e.src.Host, map[string]any{fmt.Sprintf("s/q%d:1", k): e.fx.Image(fmt.Sprintf("q%d", k), 1, 300+k)})
			}
			dir := t.TempDir()
			var rep *mirror.Report
			do := func(runs []run) {
				t.Helper()
				for _, r := range runs {
					var err error
					state := filepath.Join(dir, fmt.Sprintf("part%d.json", r.file))
					rep, err = e.syncer(t, mirror.Options{Shard: r.shard, Shards: r.shards, State: state, Override: true}, nil).Sync(ctx)
					if err != nil || !rep.OK() {
						t.Fatalf("Sync(part %d of %d, file %d): %v\n%v", r.shard, r.shards, r.file, err, rep)
					}
				}
			}
			do(tc.before)
			e.push(t, e.src.Host, moved)
			do(tc.moved)
			e.push(t, e.src.Host, old) // the source rolled back
			do(tc.rollback)
			for ref, d := range oldDigests {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s at the destination is %.19s, want %.19s (the last run: %v)", ref, got, d, rep)
				}
			}
		})
	}
}

// cancelAfterPut cancels a context after the destination's first manifest PUT answered.
type cancelAfterPut struct {
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAfterPut) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := testClient.Transport.RoundTrip(req)
	if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/") {
		c.once.Do(c.cancel)
	}
	return resp, err
}

// TestAttackShardsConcurrentAndInterrupted: the parts of 3 run at once, one of them cut
// short after its first manifest; each says it failed or was cut short, not OK, and
// never mounts from another part's repository; re-run with their state files, every part
// finishes and the destination holds everything, the re-run copying only what was left.
func TestAttackShardsConcurrentAndInterrupted(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	want := shardSource(t, e)
	const n = 3
	dir := t.TempDir()
	opts := func(i int) mirror.Options {
		return mirror.Options{Shard: i, Shards: n, State: filepath.Join(dir, fmt.Sprintf("part%d.json", i))}
	}
	cut := 0
	for mirror.ShardIndex("s/r0", n) != cut { // the part holding s/r0 (2 tags) is cut short
		cut++
	}
	var wg sync.WaitGroup
	reps := make([]*mirror.Report, n)
	errs := make([]error, n)
	for i := range n {
		ctx := testCtx(t)
		var rt http.RoundTripper
		if i == cut {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			rt = &cancelAfterPut{cancel: cancel}
		}
		s := e.syncer(t, opts(i), rt)
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = s.Sync(ctx)
		}()
	}
	wg.Wait()
	if errs[cut] == nil && reps[cut].OK() {
		t.Errorf("the part cut short reported OK: %v", reps[cut])
	}
	for _, q := range e.dstRec.Requests() {
		if q.Mount != "" && q.Repo != "" && mirror.ShardIndex(q.Mount, n) != mirror.ShardIndex(q.Repo, n) {
			t.Errorf("%s mounted from %s, another part's repository", q.Repo, q.Mount)
		}
	}
	for i := range n {
		rep, err := e.syncer(t, opts(i), nil).Sync(testCtx(t))
		if err != nil || !rep.OK() {
			t.Fatalf("re-run of part %d: %v\n%v", i, err, rep)
		}
		if i != cut && rep.Copied != 0 {
			t.Errorf("re-run of part %d, which finished, copied %d", i, rep.Copied)
		}
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s at the destination is %q, want %s", ref, got, d)
		}
	}
}

// TestAttackShardsHuge: a number of parts past 2^32 (an int, as the flag takes it) is a
// number of parts like another: ShardIndex, ShardOf and a Syncer's Sync do not panic
// (uint32(1<<32) is 0: a division by zero), and the part a repository's name hashes to
// syncs it, another part nothing.
func TestAttackShardsHuge(t *testing.T) {
	t.Parallel()
	if strconv.IntSize < 64 {
		t.Skip("int is 32 bits")
	}
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, map[string]any{"s/a:1": e.fx.Image("a", 1, 2), "s/b:1": e.fx.Image("b", 1, 3)})
	for _, n := range []int{1 << 32, 1<<32 + 1, 1<<40 + 7} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var i int
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("ShardIndex(s/a, %d) panicked: %v", n, r)
					}
				}()
				i = mirror.ShardIndex("s/a", n)
			}()
			if i < 0 || i >= n {
				t.Fatalf("ShardIndex(s/a, %d) = %d", n, i)
			}
			for _, part := range []int{i, (i + 1) % n} {
				if mirror.ShardIndex("s/b", n) == part {
					continue
				}
				var rep *mirror.Report
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("Sync(part %d of %d) panicked: %v", part, n, r)
						}
					}()
					rep, err = e.withDst(t).syncer(t, mirror.Options{Shard: part, Shards: n}, nil).Sync(testCtx(t))
				}()
				if err != nil || !rep.OK() {
					t.Fatalf("Sync(part %d of %d): %v\n%v", part, n, err, rep)
				}
				var got []string
				for _, res := range rep.Results {
					got = append(got, res.Item.Ref())
				}
				var want []string
				if part == i {
					want = []string{"s/a:1"}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("part %d of %d synced (-want +got):\n%s", part, n, diff)
				}
			}
		})
	}
}
