package reverse_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// TestCarriesBackOutagePushes: tags pushed into ACR EE during the outage — into a
// repository flattened one level and into a nested one — are planned without a write
// (the dry run), carried back to the Harbor repositories they map back to, and verified;
// a second Apply of the same plan, and a new plan, write nothing.
func TestCarriesBackOutagePushes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.replicated(t, "library/team-a/api:v1", "dr-ns/team-a/api:v1")
	hotfix := e.outage(t, "dr-ns/nginx:hotfix")
	v2 := e.outage(t, "dr-ns/team-a/api:v2")
	cfg := e.config(t, setup(nil))

	before := e.writes()
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("Compute (the dry run) wrote %d times, want 0", got)
	}
	if err := plan.Err(); err != nil || !plan.HasChanges() {
		t.Fatalf("plan: Err() = %v, HasChanges() = %t; want nil, true:\n%s", err, plan.HasChanges(), plan)
	}
	wantInverse := map[string]string{"dr-ns/nginx": "library/nginx", "dr-ns/team-a/api": "library/team-a/api"}
	if diff := cmp.Diff(wantInverse, plan.Inverse); diff != "" {
		t.Errorf("plan.Inverse (-want +got):\n%s", diff)
	}
	var missing []string
	for _, a := range plan.Lag.Missing {
		missing = append(missing, a.Source+":"+a.Tag+"@"+a.DestDigest)
	}
	if diff := cmp.Diff([]string{"library/nginx:hotfix@" + hotfix, "library/team-a/api:v2@" + v2}, missing); diff != "" {
		t.Errorf("plan.Lag.Missing (-want +got):\n%s", diff)
	}
	if e.harborDigest(t, "library/nginx", "hotfix") != "" {
		t.Fatal("Harbor holds nginx:hotfix before the apply")
	}

	res, err := plan.Apply(c, cfg)
	if err != nil {
		t.Fatalf("Apply: %v\n%s", err, plan)
	}
	if res.Copied() != 2 || !res.Lag.Complete() || res.Sync == nil || !res.Sync.OK() {
		t.Errorf("Apply = %v, want 2 copied and the reverse lag complete", res)
	}
	for ref, want := range map[[2]string]string{{"library/nginx", "hotfix"}: hotfix, {"library/team-a/api", "v2"}: v2} {
		if got := e.harborDigest(t, ref[0], ref[1]); got != want {
			t.Errorf("Harbor %s:%s = %q, want %q (pushed into ACR EE during the outage)", ref[0], ref[1], got, want)
		}
	}

	t.Run("second apply", func(t *testing.T) {
		before := e.writes()
		res, err := plan.Apply(c, cfg)
		if err != nil {
			t.Fatalf("second Apply: %v", err)
		}
		if got := e.writes() - before; got != 0 || res.Copied() != 0 || res.Sync != nil {
			t.Errorf("second Apply wrote %d times and copied %d (%v), want nothing", got, res.Copied(), res)
		}
	})
	t.Run("plan again", func(t *testing.T) {
		before := e.writes()
		again, err := reverse.Compute(c, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if again.HasChanges() || !again.Lag.Complete() || again.Sync != nil {
			t.Errorf("a new plan after the apply has changes:\n%s", again)
		}
		res, err := again.Apply(c, cfg)
		if err != nil || res.Copied() != 0 {
			t.Errorf("applying the empty plan = %v, %v; want nothing copied", res, err)
		}
		if got := e.writes() - before; got != 0 {
			t.Errorf("planning and applying again wrote %d times, want 0", got)
		}
	})
}

// TestAmbiguousInverseRefusedBeforeAnyWrite: a forward map that cannot be inverted —
// flatten-all over nested repositories, or a recorded map in which two repositories
// meet — is refused with lag.ErrAmbiguousInverse before any write.
func TestAmbiguousInverseRefusedBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	all := harbor.FlattenAll
	// library/a/api and library/b/api both flatten to dr-ns/api.
	e.replicated(t, "library/a/api:v1", "dr-ns/api:v1")
	e.push(t, e.harborHost(), "library/b/api:v1", e.harborAuth())
	e.outage(t, "dr-ns/api:v2")

	for _, tc := range []struct {
		name    string
		inverse map[string]string
	}{
		{"flatten all over nested repositories", nil},
		{"recorded map, two ACR EE repositories back to one", map[string]string{"dr-ns/api": "library/a/api", "dr-ns/other": "library/a/api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.config(t, setup(&all))
			cfg.Inverse = tc.inverse
			before := e.writes()
			plan, err := reverse.Compute(c, cfg)
			if !errors.Is(err, lag.ErrAmbiguousInverse) {
				t.Fatalf("Compute = %v, %v; want ErrAmbiguousInverse", plan, err)
			}
			if got := e.writes() - before; got != 0 {
				t.Errorf("a refused plan wrote %d times", got)
			}
		})
	}
	t.Run("forward map with a collision", func(t *testing.T) {
		_, err := reverse.Invert(map[string]string{"library/a/api": "dr-ns/api", "library/b/api": "dr-ns/api"})
		if !errors.Is(err, lag.ErrAmbiguousInverse) {
			t.Errorf("Invert = %v, want ErrAmbiguousInverse", err)
		}
	})
	// The map recorded at failover says which one dr-ns/api came from: exact, carried back.
	t.Run("recorded map", func(t *testing.T) {
		cfg := e.config(t, setup(&all))
		var err error
		if cfg.Inverse, err = reverse.Invert(map[string]string{"library/a/api": "dr-ns/api"}); err != nil {
			t.Fatal(err)
		}
		plan, err := reverse.Compute(c, cfg)
		if err != nil {
			t.Fatalf("Compute with a recorded map: %v", err)
		}
		if !plan.Recorded || plan.Inverse["dr-ns/api"] != "library/a/api" {
			t.Errorf("plan = %s, want dr-ns/api → library/a/api, recorded", plan)
		}
		// Failback is held to the same inverse: Measure is exact where the Verifier refuses.
		if _, err := cfg.Verifier.ReverseLag(c); !errors.Is(err, lag.ErrAmbiguousInverse) {
			t.Errorf("Verifier.ReverseLag = %v, want ErrAmbiguousInverse", err)
		}
		r, err := reverse.Measure(c, cfg)
		if err != nil || r.Summary().Missing != 1 {
			t.Errorf("Measure with the recorded map = %v, %v; want 1 missing", r, err)
		}
		res, err := plan.Apply(c, cfg)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if res.Copied() != 1 || e.harborDigest(t, "library/a/api", "v2") == "" || e.harborDigest(t, "library/b/api", "v2") != "" {
			t.Errorf("Apply = %v; want v2 carried back to library/a/api only", res)
		}
		if r, err := reverse.Measure(c, cfg); err != nil || !r.Complete() {
			t.Errorf("Measure after the apply = %v, %v; want complete", r, err)
		}
	})
}

// TestStaleHarborTagNotOverwritten: a Harbor tag that holds another digest than ACR EE
// (Harbor got a newer push) is reported and refuses the plan (ErrStaleTag) without a
// write, unless the plan was made with Overwrite; a tag pushed into Harbor between the
// plan and its apply fails the apply with ErrStalePlan, and is left alone.
func TestStaleHarborTagNotOverwritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	acrDigest := e.outage(t, "dr-ns/nginx:latest")
	newer := e.push(t, e.harborHost(), "library/nginx:latest", e.harborAuth()) // after failback started
	cfg := e.config(t, setup(nil))

	before := e.writes()
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var refusal *reverse.RefusalError
	if err := plan.Err(); !errors.Is(err, reverse.ErrStaleTag) || !errors.As(err, &refusal) {
		t.Fatalf("plan.Err() = %v, want ErrStaleTag", err)
	}
	want := []lag.Artifact{{Source: "library/nginx", Dest: "dr-ns/nginx", Tag: "latest", Digest: newer, DestDigest: acrDigest}}
	if diff := cmp.Diff(want, refusal.Artifacts, ignorePushTime); diff != "" {
		t.Errorf("refused artifacts (-want +got):\n%s", diff)
	}
	if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrStaleTag) {
		t.Errorf("Apply = %v, want ErrStaleTag", err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("refused plan wrote %d times", got)
	}
	if got := e.harborDigest(t, "library/nginx", "latest"); got != newer {
		t.Errorf("Harbor nginx:latest = %s, want the newer %s kept", got, newer)
	}

	t.Run("overwrite", func(t *testing.T) {
		cfg := cfg
		cfg.Overwrite = true
		if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrPlanMismatch) {
			t.Errorf("applying a plan made without Overwrite with Overwrite = %v, want ErrPlanMismatch", err)
		}
		plan, err := reverse.Compute(c, cfg)
		if err != nil || plan.Err() != nil {
			t.Fatalf("Compute with Overwrite = %v, %v", err, plan.Err())
		}
		if _, err := plan.Apply(c, cfg); err != nil {
			t.Fatalf("Apply with Overwrite: %v", err)
		}
		if got := e.harborDigest(t, "library/nginx", "latest"); got != acrDigest {
			t.Errorf("Harbor nginx:latest = %s, want ACR EE's %s", got, acrDigest)
		}
	})
}

// TestHarborPushAfterPlan: a tag the plan saw missing from Harbor and that someone pushed
// into Harbor before the apply is left alone: the apply fails with ErrStalePlan and
// writes nothing.
func TestHarborPushAfterPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.outage(t, "dr-ns/nginx:hotfix")
	cfg := e.config(t, setup(nil))
	plan, err := reverse.Compute(c, cfg)
	if err != nil || plan.Err() != nil {
		t.Fatal(err, plan.Err())
	}
	newer := e.push(t, e.harborHost(), "library/nginx:hotfix", e.harborAuth())
	before := e.writes()
	if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrStalePlan) {
		t.Errorf("Apply after a push into Harbor = %v, want ErrStalePlan", err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("a stale plan wrote %d times", got)
	}
	if got := e.harborDigest(t, "library/nginx", "hotfix"); got != newer {
		t.Errorf("Harbor nginx:hotfix = %s, want the push after the plan %s kept", got, newer)
	}
}

// TestUnmappedReported: a tag pushed into ACR EE under a repository no Harbor repository
// flattens to is reported and refuses the plan (ErrUnmapped) without a write; a recorded
// inverse that names its Harbor repository carries it back.
func TestUnmappedReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	d := e.outage(t, "dr-ns/renamed:1")
	cfg := e.config(t, setup(nil))
	before := e.writes()
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var refusal *reverse.RefusalError
	if err := plan.Err(); !errors.Is(err, reverse.ErrUnmapped) || !errors.As(err, &refusal) {
		t.Fatalf("plan.Err() = %v, want ErrUnmapped", err)
	}
	want := []lag.Artifact{{Dest: "dr-ns/renamed", Tag: "1", DestDigest: d}}
	if diff := cmp.Diff(want, refusal.Artifacts, ignorePushTime); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
	if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrUnmapped) {
		t.Errorf("Apply = %v, want ErrUnmapped", err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("refused plan wrote %d times", got)
	}

	cfg.Inverse = map[string]string{"dr-ns/nginx": "library/nginx", "dr-ns/renamed": "library/renamed"}
	plan, err = reverse.Compute(c, cfg)
	if err != nil || plan.Err() != nil {
		t.Fatalf("Compute with the recorded map = %v, %v", err, plan.Err())
	}
	if _, err := plan.Apply(c, cfg); err != nil {
		t.Fatal(err)
	}
	if got := e.harborDigest(t, "library/renamed", "1"); got != d {
		t.Errorf("Harbor library/renamed:1 = %q, want %s", got, d)
	}
}

// TestInvalidConfig: what Compute and Apply refuse before any request.
func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := e.config(t, setup(nil))
	for _, tc := range []struct {
		name string
		edit func(*reverse.Config)
	}{
		{"no verifier", func(c *reverse.Config) { c.Verifier = nil }},
		{"no namespace", func(c *reverse.Config) { v := *c.Verifier; v.Namespace = ""; c.Verifier = &v }},
		{"no flattener and no inverse", func(c *reverse.Config) { v := *c.Verifier; v.Flattener = nil; c.Verifier = &v }},
		{"no harbor registry", func(c *reverse.Config) { c.Harbor = mirror.Endpoint{} }},
		{"sync override", func(c *reverse.Config) { c.Sync.Override = true }},
		{"sync source", func(c *reverse.Config) { c.Sync.Source = mirror.NewRegistrySource(c.ACR) }},
		{"invalid inverse name", func(c *reverse.Config) { c.Inverse = map[string]string{"dr-ns/x": "Library/X"} }},
		{"two different recorded maps", func(c *reverse.Config) {
			c.Inverse = map[string]string{"dr-ns/nginx": "library/nginx"}
			v := *c.Verifier
			v.NameMap = map[string]string{"library/other": "dr-ns/nginx"}
			c.Verifier = &v
		}},
		{"credentials in the registry", func(c *reverse.Config) { c.Harbor.Registry = "http://u:" + harborPassword + "@127.0.0.1:1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			before := e.writes()
			plan, err := reverse.Compute(ctx(t), cfg)
			if !errors.Is(err, reverse.ErrInvalidConfig) {
				t.Errorf("Compute = %v, %v; want ErrInvalidConfig", plan, err)
			}
			if err != nil && containsSecret(err.Error()) {
				t.Errorf("error %q holds a secret", err)
			}
			if got := e.writes() - before; got != 0 {
				t.Errorf("wrote %d times", got)
			}
		})
	}
}

// TestVerifiedAfterApply: Apply measures the reverse lag again after the copy; a tag
// pushed into ACR EE while the copy ran is not in Harbor yet, and Apply says so
// (ErrIncomplete) with the copy's report and the lag it measured.
func TestVerifiedAfterApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.outage(t, "dr-ns/nginx:hotfix")
	cfg := e.config(t, setup(nil))
	// Progress runs one call at a time, and every call ends before Apply returns.
	pushed := false
	late := e.fx.Image("late", 0)
	cfg.Sync.Progress = func(ev mirror.Event) {
		if ev.Kind == mirror.EventItem && !pushed {
			pushed = true
			if err := testutil.PushAuth(c, e.acrHost, "dr-ns/nginx:late", late, e.acrAuth()); err != nil {
				t.Errorf("pushing dr-ns/nginx:late during the copy: %v", err)
			}
		}
	}
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(c, cfg)
	if !errors.Is(err, reverse.ErrIncomplete) || !pushed {
		t.Fatalf("Apply with a push into ACR EE during the copy = %v, %v; want ErrIncomplete", res, err)
	}
	if res.Copied() != 1 || res.Lag == nil || len(res.Lag.Missing) != 1 || res.Lag.Missing[0].Tag != "late" {
		t.Errorf("Apply = %v, want hotfix copied and late missing", res)
	}
}

// TestPlanMismatch: a plan applied with a config for other registries, another
// Overwrite or another inverse — or whose derived inverse no longer inverts the forward
// map — is refused before any write.
func TestPlanMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.outage(t, "dr-ns/nginx:hotfix")
	derived := e.config(t, setup(nil))
	edited, err := reverse.Compute(c, derived)
	if err != nil {
		t.Fatal(err)
	}
	edited.Inverse["dr-ns/nginx"] = "library/other" // as if the saved plan were edited
	before := e.writes()
	if _, err := edited.Apply(c, derived); !errors.Is(err, reverse.ErrPlanMismatch) {
		t.Errorf("Apply of a plan whose derived inverse was edited = %v, want ErrPlanMismatch", err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("an edited plan wrote %d times", got)
	}

	cfg := e.config(t, setup(nil))
	cfg.Inverse = map[string]string{"dr-ns/nginx": "library/nginx"}
	plan, err := reverse.Compute(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*reverse.Config)
	}{
		{"other harbor", func(c *reverse.Config) { c.Harbor.Registry = "127.0.0.1:1" }},
		{"overwrite", func(c *reverse.Config) { c.Overwrite = true }},
		{"derived inverse", func(c *reverse.Config) { c.Inverse = nil }},
		{"other recorded inverse", func(c *reverse.Config) { c.Inverse = map[string]string{"dr-ns/nginx": "library/other"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfg
			tc.edit(&cfg)
			before := e.writes()
			if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrPlanMismatch) {
				t.Errorf("Apply = %v, want ErrPlanMismatch", err)
			}
			if got := e.writes() - before; got != 0 {
				t.Errorf("wrote %d times", got)
			}
		})
	}
}

// ignorePushTime leaves out ACR EE's push times (acrtest stamps them with its own clock),
// which these tests do not check; TestACRTagPushTime in replication/managed does.
var ignorePushTime = cmpopts.IgnoreFields(lag.Artifact{}, "PushTime")
