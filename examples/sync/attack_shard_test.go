package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// TestAttackShardsCLI: for 1, 2 and 7 parts (7: more parts than the source's three
// repositories), each part's -dry-run -json plan says which part it is and holds its
// repositories only, the parts' plans together are the whole -dry-run plan; each part's
// sync (with its own -state) exits 0 and copies its repositories only — an empty part
// sends the destination nothing — and the parts together copy every tag once.
func TestAttackShardsCLI(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 46, nil)
	for _, n := range []int{1, 2, 7} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			rec := testutil.NewRecorder()
			dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, rec.Wrap)
			dir := t.TempDir()
			base := []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-json"}
			plan := func(args ...string) mirror.Plan {
				t.Helper()
				var out, errOut bytes.Buffer
				if code := run(ctx, append(append([]string{}, base...), append(args, "-dry-run")...), &out, &errOut); code != exitOK {
					t.Fatalf("%v -dry-run: exit %d\n%s", args, code, errOut.String())
				}
				var p mirror.Plan
				if err := json.Unmarshal(out.Bytes(), &p); err != nil {
					t.Fatalf("%v -dry-run: %v\n%s", args, err, out.String())
				}
				return p
			}
			whole := plan()
			var union []string
			for i := range n {
				p := plan("-shards", strconv.Itoa(n), "-shard", strconv.Itoa(i))
				if p.Shard != i || p.Shards != n {
					t.Errorf("part %d of %d: the plan says shard %d of %d", i, n, p.Shard, p.Shards)
				}
				for _, it := range p.Items {
					if mirror.ShardIndex(it.Dest, n) != i {
						t.Errorf("part %d of %d plans %s", i, n, it.Ref())
					}
					union = append(union, it.Ref())
				}
			}
			var all []string
			for _, it := range whole.Items {
				all = append(all, it.Ref())
			}
			if diff := cmp.Diff(all, union, cmpSorted); diff != "" {
				t.Errorf("the parts' plans together (-whole +parts):\n%s", diff)
			}
			if q := rec.Count(func(q testutil.Request) bool { return q.Method != "GET" && q.Method != "HEAD" }); q != 0 {
				t.Errorf("-dry-run wrote to the destination: %d requests", q)
			}
			seen := map[string]int{}
			for i := range n {
				rec.Reset()
				state := filepath.Join(dir, fmt.Sprintf("state-%d.json", i))
				var out, errOut bytes.Buffer
				args := append(append([]string{}, base...), "-shards", strconv.Itoa(n), "-shard", strconv.Itoa(i), "-state", state)
				if code := run(ctx, args, &out, &errOut); code != exitOK {
					t.Fatalf("part %d of %d: exit %d\n%s", i, n, code, errOut.String())
				}
				var rep mirror.Report
				if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
					t.Fatalf("part %d of %d: %v\n%s", i, n, err, out.String())
				}
				for _, res := range rep.Results {
					if mirror.ShardIndex(res.Item.Dest, n) != i {
						t.Errorf("part %d of %d synced %s", i, n, res.Item.Ref())
					}
					seen[res.Item.Dest+":"+res.Item.Tag]++
				}
				for _, q := range rec.Requests() {
					if len(rep.Results) == 0 && q.Kind != "ping" {
						t.Errorf("empty part %d of %d sent the destination %+v", i, n, q)
					}
					if q.Repo != "" && mirror.ShardIndex(q.Repo, n) != i {
						t.Errorf("part %d of %d asked the destination about %s", i, n, q.Repo)
					}
				}
			}
			for ref, ok := range e.at(t, ctx, dst.Host) {
				if !ok || seen[ref] != 1 {
					t.Errorf("%s: at the destination %v, synced by %d parts (want 1)", ref, ok, seen[ref])
				}
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
})

// TestAttackShardsHarborSource: with -harbor (the source listed through Harbor's API)
// and -namespace/-flatten, two parts split by destination name copy every selected
// repository once, each only its own.
func TestAttackShardsHarborSource(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", harbortest.DefaultAdmin)
	t.Setenv("HARBOR_PASSWORD", harbortest.DefaultPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hb := harbortest.New(harbortest.WithProject("test-project", false))
	hs := httptest.NewServer(spectest.Handler(t, hb))
	t.Cleanup(func() { hs.Close(); hb.Close() })
	src := strings.TrimPrefix(hs.URL, "http://")
	rec := testutil.NewRecorder()
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, rec.Wrap)
	fx := testutil.NewFixture(9, 1<<10)
	admin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	want := map[string]bool{}
	for k := range 6 {
		ref := fmt.Sprintf("test-project/app%d:1", k)
		if err := testutil.PushAuth(ctx, src, ref, fx.Image(ref, 1, 10+k), admin); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf("acr-ns/app%d:1", k)] = true
	}
	seen := map[string]int{}
	for i := range 2 {
		rec.Reset()
		var out, errOut bytes.Buffer
		args := []string{"-src", src, "-dst", dst.Host, "-plain-http", "-json", "-namespace", "acr-ns", "-flatten", "1",
			"-harbor", "-projects", "test-project", "-shards", "2", "-shard", strconv.Itoa(i)}
		if code := run(ctx, args, &out, &errOut); code != exitOK {
			t.Fatalf("part %d: exit %d\n%s", i, code, errOut.String())
		}
		var rep mirror.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("part %d: %v\n%s", i, err, out.String())
		}
		for _, res := range rep.Results {
			if mirror.ShardIndex(res.Item.Dest, 2) != i {
				t.Errorf("part %d synced %s", i, res.Item.Ref())
			}
			seen[res.Item.Dest+":"+res.Item.Tag]++
		}
		for _, q := range rec.Requests() {
			if q.Repo != "" && mirror.ShardIndex(q.Repo, 2) != i {
				t.Errorf("part %d asked the destination about %s", i, q.Repo)
			}
		}
		if strings.Contains(out.String()+errOut.String(), harbortest.DefaultPassword) {
			t.Errorf("the Harbor password appears in the output")
		}
	}
	for ref := range want {
		if seen[ref] != 1 {
			t.Errorf("%s synced by %d parts, want 1", ref, seen[ref])
		}
		if _, err := remote.Head(mustRef(t, dst.Host+"/"+ref)); err != nil {
			t.Errorf("%s not at the destination: %v", ref, err)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("synced %v, want %v", seen, want)
	}
}

// TestAttackShardsHugeCount: -shards past 2^32 is refused or run, never a panic (a
// division by zero in mirror.ShardIndex).
func TestAttackShardsHugeCount(t *testing.T) {
	t.Parallel()
	if strconv.IntSize < 64 {
		t.Skip("int is 32 bits")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newPipelineEnv(t, ctx, 47, nil)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, nil)
	for _, dry := range []bool{true, false} {
		args := []string{"-src", e.src.Host, "-dst", dst.Host, "-plain-http", "-json", "-shards", "4294967296", "-shard", "0"}
		if dry {
			args = append(args, "-dry-run")
		}
		var out, errOut bytes.Buffer
		code := -1
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%v panicked: %v", args, r)
				}
			}()
			code = run(ctx, args, &out, &errOut)
		}()
		if code != exitOK && code != exitUsage {
			t.Errorf("%v: exit %d\n%s", args, code, errOut.String())
		}
	}
}
