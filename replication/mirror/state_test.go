package mirror_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// stateEnv is a source with three repositories — plain images, a multi-arch index, a
// signature pushed through the referrers API and a cosign-style signature tag — and a
// destination, with a state file path.
type stateEnv struct {
	*syncEnv
	path string
	tags []string // every source "repo:tag"
	sig  string   // "repo@digest" of the referrers-API signature
	imgs map[string]any
}

func newStateEnv(t *testing.T) *stateEnv {
	t.Helper()
	e := &stateEnv{syncEnv: newSyncGGCREnv(t), path: filepath.Join(t.TempDir(), "state.json")}
	fx := e.fx
	imgs := map[string]any{
		"s/a:v1": fx.Image("a1", 1, 2),
		"s/a:v2": fx.Image("a2", 1, 3),
		"s/b:v1": fx.Image("b1", 1, 4),
		"s/b:v2": fx.Image("b2", 1, 5),
		"s/c:v1": fx.Index("c1", []string{"amd64", "arm64"}, 6),
	}
	e.imgs = imgs
	digests := e.push(t, e.src.Host, imgs)
	sig := fx.Signature(desc(imgs["s/a:v1"]), "signature of a1")
	e.sig = "s/a@" + digestOf(sig)
	cosign := fx.Signature(desc(imgs["s/b:v1"]), "cosign signature of b1")
	cosignTag := "s/b:sha256-" + strings.TrimPrefix(digests["s/b:v1"], "sha256:") + ".sig"
	e.push(t, e.src.Host, map[string]any{e.sig: sig, cosignTag: cosign})
	for ref := range imgs {
		e.tags = append(e.tags, ref)
	}
	e.tags = append(e.tags, cosignTag)
	return e
}

func (e *stateEnv) syncer(t *testing.T, opts mirror.Options) *mirror.Syncer {
	t.Helper()
	opts.State = e.path
	return e.syncEnv.syncer(t, opts, nil)
}

// mirrored reports whether every source tag and the signature are at the destination
// with the source's digests.
func (e *stateEnv) mirrored(t *testing.T, dst string) bool {
	t.Helper()
	for _, ref := range append([]string{e.sig}, e.tags...) {
		if d := headDigest(t, dst, ref); d == "" || d != headDigest(t, e.src.Host, ref) {
			return false
		}
	}
	return true
}

// syncOnce plans and applies once, returning the plan and Apply's error.
func syncOnce(t *testing.T, s *mirror.Syncer) (*mirror.Plan, error) {
	t.Helper()
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	_, err = s.Apply(ctx, p)
	return p, err
}

func countRequests(rec *testutil.Recorder, kind, method string) int {
	n := 0
	for _, q := range rec.Requests() {
		if q.Kind == kind && q.Method == method {
			n++
		}
	}
	return n
}

func TestStateSavesDestinationRequests(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	secret := &authn.Basic{Username: "user", Password: "hunter2-state"}
	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host, Auth: secret},
		mirror.Endpoint{PlainHTTP: true, Registry: e.dst.Host, Auth: secret},
		mirror.Options{State: e.path, Clock: &testutil.ImmediateClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := e.run(t, s); p.Recorded != 0 {
		t.Errorf("first run: Recorded = %d, want 0 (no state yet)", p.Recorded)
	}
	fi, err := os.Stat(e.path)
	if err != nil {
		t.Fatalf("no state written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state mode = %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(e.path)
	if bytes.Contains(raw, []byte("hunter2")) || bytes.Contains(raw, []byte("user")) {
		t.Errorf("state holds credentials:\n%s", raw)
	}
	// A no-op without the state, then with it: the state saves destination HEADs and
	// referrers requests, and still lists the signature.
	count := func(opts mirror.Options) (p *mirror.Plan, heads, referrers int) {
		e.dstRec.Reset()
		e.srcRec.Reset()
		p, _ = e.run(t, e.syncEnv.syncer(t, opts, nil))
		if p.HasChanges() {
			t.Fatalf("no-op plan has changes:\n%v", p)
		}
		return p, countRequests(e.dstRec, "manifest", http.MethodHead), countRequests(e.srcRec, "referrers", http.MethodGet)
	}
	_, heads0, refs0 := count(mirror.Options{})
	p, heads1, refs1 := count(mirror.Options{State: e.path})
	if p.Recorded == 0 || heads1 >= heads0 || refs1 >= refs0 {
		t.Errorf("with the state: Recorded %d, %d destination HEADs, %d referrers requests; without: %d, %d", p.Recorded, heads1, refs1, heads0, refs0)
	}
	if want := fmt.Sprintf("(%d from the state)", p.Recorded); !strings.Contains(p.String(), want) {
		t.Errorf("plan String does not say %q:\n%v", want, p)
	}
	signed := false
	for _, it := range p.Items {
		signed = signed || (it.Subject != "" && it.Tag == "" && "s/a@"+it.Digest == e.sig)
	}
	if !signed {
		t.Errorf("the plan from the state lost the signature %s:\n%v", e.sig, p)
	}
	if !e.mirrored(t, e.dst.Host) {
		t.Error("destination differs from the source")
	}
}

// TestStateHostile: whatever happens to the state file or to the registries between two
// runs, the destination ends up mirroring the source (with Override) or the run fails
// with a typed error — at once when the destination's listing or the file shows it,
// otherwise within StateRecheck runs, and at once with Reverify.
func TestStateHostile(t *testing.T) {
	t.Parallel()
	// moveA moves s/a:v1 at the source to a new image.
	moveA := func(t *testing.T, e *stateEnv) string {
		img := e.fx.Image("a1-moved", 1, 7)
		e.push(t, e.src.Host, map[string]any{"s/a:v1": img})
		return digestOf(img)
	}
	for _, tc := range []struct {
		name string
		// between runs; it returns the options of the runs after
		mutate func(t *testing.T, e *stateEnv) mirror.Options
		// at once: the first run after must mirror (or fail with wantErr); otherwise within
		// StateRecheck runs
		atOnce  bool
		wantErr error
		// noRecord: the first run after must take nothing from the file
		noRecord bool
	}{
		{name: "deleted", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			os.Remove(e.path)
			moveA(t, e)
			return mirror.Options{Override: true}
		}},
		{name: "truncated", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			raw, _ := os.ReadFile(e.path)
			os.WriteFile(e.path, raw[:len(raw)/2], 0o600)
			moveA(t, e)
			return mirror.Options{Override: true}
		}},
		{name: "garbage", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			os.WriteFile(e.path, []byte("\x00not json{"), 0o600)
			moveA(t, e)
			return mirror.Options{Override: true}
		}},
		{name: "edited to claim a digest the destination lacks", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			old := headDigest(t, e.src.Host, "s/a:v1")
			moved := moveA(t, e)
			raw, _ := os.ReadFile(e.path)
			os.WriteFile(e.path, bytes.ReplaceAll(raw, []byte(old), []byte(moved)), 0o600)
			return mirror.Options{Override: true}
		}},
		{name: "resealed claim of a tag the destination does not list", atOnce: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			img := e.fx.Image("a9", 1, 8)
			e.push(t, e.src.Host, map[string]any{"s/a:v9": img})
			e.tags = append(e.tags, "s/a:v9")
			reseal(t, e.path, "s/a", "v9", digestOf(img))
			return mirror.Options{}
		}},
		{name: "resealed claim of a digest the destination tag lacks", mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			reseal(t, e.path, "s/a", "v1", moveA(t, e))
			return mirror.Options{Override: true}
		}},
		{name: "resealed claim of a digest the destination tag lacks, Reverify", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			reseal(t, e.path, "s/a", "v1", moveA(t, e))
			return mirror.Options{Override: true, Reverify: true}
		}},
		{name: "resealed hostile names and digests", atOnce: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			mirror.ResealState(e.path, func(m map[string]any) {
				repos := m["repos"].(map[string]any)
				a := repos["s/a"].(map[string]any)
				a["tags"].(map[string]any)["../../x"] = "sha256:../../etc/passwd"
				a["referrers"] = map[string]any{headDigest(t, e.src.Host, "s/a:v1"): []any{"sha256:../../etc/passwd"}}
				repos["../evil"] = map[string]any{"source": "s/a", "tags": map[string]any{"v1": "sha256:x"}}
			})
			moveA(t, e)
			return mirror.Options{Override: true}
		}},
		{name: "destination tag changed by someone else", wantErr: mirror.ErrConflict, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			e.push(t, e.dst.Host, map[string]any{"s/b:v2": e.fx.Image("intruder", 9)})
			return mirror.Options{}
		}},
		{name: "destination tag changed by someone else, Reverify", atOnce: true, wantErr: mirror.ErrConflict, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			e.push(t, e.dst.Host, map[string]any{"s/b:v2": e.fx.Image("intruder", 9)})
			return mirror.Options{Reverify: true}
		}},
		{name: "destination tag changed by someone else, Override", mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			e.push(t, e.dst.Host, map[string]any{"s/b:v2": e.fx.Image("intruder", 9)})
			return mirror.Options{Override: true}
		}},
		{name: "signature added later through the referrers API", mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			sig := e.fx.Signature(desc(e.imgs["s/b:v2"]), "late signature of b2")
			e.sig = "s/b@" + digestOf(sig)
			e.push(t, e.src.Host, map[string]any{e.sig: sig})
			return mirror.Options{}
		}},
		{name: "signature added later, Reverify", atOnce: true, noRecord: true, mutate: func(t *testing.T, e *stateEnv) mirror.Options {
			sig := e.fx.Signature(desc(e.imgs["s/b:v2"]), "late signature of b2")
			e.sig = "s/b@" + digestOf(sig)
			e.push(t, e.src.Host, map[string]any{e.sig: sig})
			return mirror.Options{Reverify: true}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newStateEnv(t)
			e.run(t, e.syncer(t, mirror.Options{}))
			opts := tc.mutate(t, e)
			e.srcRec.Reset()
			e.dstRec.Reset()
			runs := 1
			if !tc.atOnce {
				runs = mirror.StateRecheck
			}
			done := false
			for i := range runs {
				p, err := syncOnce(t, e.syncer(t, opts))
				if i == 0 && tc.noRecord && p.Recorded != 0 {
					t.Errorf("run 1 took %d items from the state, want none", p.Recorded)
				}
				switch {
				case tc.wantErr != nil && errors.Is(err, tc.wantErr):
					done = true
				case err != nil:
					t.Fatalf("run %d: Apply: %v", i+1, err)
				case tc.wantErr == nil && e.mirrored(t, e.dst.Host):
					done = true
				}
				if done {
					t.Logf("done after %d runs (recorded %d in the last)", i+1, p.Recorded)
					break
				}
			}
			if !done {
				t.Errorf("after %d runs: destination not mirrored (want error %v)", runs, tc.wantErr)
			}
			for _, rec := range []*testutil.Recorder{e.srcRec, e.dstRec} {
				for _, q := range rec.Requests() {
					if strings.Contains(q.Repo+q.Ref, "..") || strings.Contains(q.Repo, "evil") {
						t.Errorf("request from a hostile record: %+v", q)
					}
				}
			}
		})
	}
}

// reseal makes the state claim that dst repo's tag holds digest.
func reseal(t *testing.T, path, repo, tag, digest string) {
	t.Helper()
	err := mirror.ResealState(path, func(m map[string]any) {
		r := m["repos"].(map[string]any)[repo].(map[string]any)
		r["tags"].(map[string]any)[tag] = digest
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStateOtherRegistries(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	e.run(t, e.syncer(t, mirror.Options{}))
	other := testutil.NewGGCRRegistry(t, nil)
	s2, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}, mirror.Endpoint{PlainHTTP: true, Registry: other.Host},
		mirror.Options{State: e.path, Clock: &testutil.ImmediateClock{}})
	if err != nil {
		t.Fatal(err)
	}
	// other holds nothing: the state of dst must not make the plan believe otherwise.
	p, _ := e.run(t, s2)
	if p.Recorded != 0 || !e.mirrored(t, other.Host) {
		t.Errorf("plan for another destination took %d items from the state; mirrored = %v", p.Recorded, e.mirrored(t, other.Host))
	}
	// The file now records other; the first pair trusts nothing of it.
	p, _ = e.run(t, e.syncer(t, mirror.Options{}))
	if p.Recorded != 0 {
		t.Errorf("first pair took %d items from the other pair's state", p.Recorded)
	}
}

func TestStateRacingRuns(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	e.run(t, e.syncer(t, mirror.Options{}))
	ctx := testCtx(t)
	// Two runs read the same state, then both write it: the second write finds a
	// generation it did not read and drops the records.
	sa, sb := e.syncer(t, mirror.Options{}), e.syncer(t, mirror.Options{})
	pa, err := sa.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sb.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pa.Recorded == 0 || pb.Recorded == 0 {
		t.Fatalf("Recorded = %d, %d; want both from the state", pa.Recorded, pb.Recorded)
	}
	moved := e.fx.Image("a1-moved", 1, 7)
	e.push(t, e.dst.Host, map[string]any{"s/a:v1": moved}) // by someone else, meanwhile
	if _, err := sa.Apply(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Apply(ctx, pb); err != nil {
		t.Fatal(err)
	}
	p, err := syncOnce(t, e.syncer(t, mirror.Options{}))
	if p.Recorded != 0 {
		t.Errorf("after two racing writes, the next run took %d items from the state", p.Recorded)
	}
	if !errors.Is(err, mirror.ErrConflict) {
		t.Errorf("the moved destination tag: err = %v, want ErrConflict", err)
	}
}
