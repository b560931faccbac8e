package reverse_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/reverse"
)

// TestRecordedNameMapStale: the name map recorded at failover is as old as its last
// refresh, so a repository Harbor created (and the replication copied) since is not in
// it. What a client pushed into its ACR EE copy during the outage is carried back to it
// through Harbor's current flattening, as lag.Verifier.Reverse maps it — it was refused
// as ErrUnmapped, though failback (the reverse lag) counted it as missing from that
// repository — whether the map is given as Config.Inverse or as the Verifier's NameMap.
func TestRecordedNameMapStale(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  func(*reverse.Config, map[string]string)
	}{
		{"Config.Inverse", func(c *reverse.Config, forward map[string]string) {
			var err error
			if c.Inverse, err = reverse.Invert(forward); err != nil {
				t.Fatal(err)
			}
		}},
		{"Verifier.NameMap", func(c *reverse.Config, forward map[string]string) {
			v := *c.Verifier
			v.NameMap = forward
			c.Verifier = &v
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := ctx(t)
			e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
			e.replicated(t, "library/fresh:1", "dr-ns/fresh:1") // created after the map was recorded
			hotfix := e.outage(t, "dr-ns/nginx:hotfix")
			pushed := e.outage(t, "dr-ns/fresh:2")
			cfg := e.config(t, setup(nil))
			tc.set(&cfg, map[string]string{"library/nginx": "dr-ns/nginx"})

			plan, err := reverse.Compute(c, cfg)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			if err := plan.Err(); err != nil {
				t.Fatalf("plan.Err() = %v, want nil:\n%s", err, plan)
			}
			want := map[string]string{"dr-ns/nginx": "library/nginx", "dr-ns/fresh": "library/fresh"}
			if diff := cmp.Diff(want, plan.Inverse); diff != "" || !plan.Recorded {
				t.Errorf("plan.Inverse (-want +got):\n%s\nrecorded %t", diff, plan.Recorded)
			}
			res, err := plan.Apply(c, cfg)
			if err != nil {
				t.Fatalf("Apply = %v, %v", res, err)
			}
			for ref, d := range map[[2]string]string{{"library/fresh", "2"}: pushed, {"library/nginx", "hotfix"}: hotfix} {
				if got := e.harborDigest(t, ref[0], ref[1]); got != d {
					t.Errorf("Harbor %s:%s = %q, want %s", ref[0], ref[1], got, d)
				}
			}
			before := e.writes()
			if res, err := plan.Apply(c, cfg); err != nil || res.Copied() != 0 || e.writes() != before {
				t.Errorf("second Apply = %v, %v; wrote %d times", res, err, e.writes()-before)
			}
		})
	}
}

// TestRecordedPlanEditedToAnotherFreshRepository: a recorded plan whose inverse names a
// Harbor repository the recorded map lacks is applied only when that entry is the one the
// staleness rule derives; edited to another, it is refused before any write.
func TestRecordedPlanEditedToAnotherFreshRepository(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.replicated(t, "library/fresh:1", "dr-ns/fresh:1")
	e.outage(t, "dr-ns/fresh:2")
	cfg := e.config(t, setup(nil))
	cfg.Inverse = map[string]string{"dr-ns/nginx": "library/nginx"}
	for _, tc := range []struct {
		name string
		edit func(*reverse.Plan)
	}{
		{"to a repository flattening elsewhere", func(p *reverse.Plan) { p.Inverse["dr-ns/fresh"] = "library/other" }},
		{"to a recorded destination's source", func(p *reverse.Plan) { p.Inverse["dr-ns/fresh"] = "library/nginx" }},
		{"a recorded destination mapped elsewhere", func(p *reverse.Plan) { p.Inverse["dr-ns/nginx"] = "library/fresh" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := reverse.Compute(c, cfg)
			if err != nil || plan.Err() != nil {
				t.Fatalf("Compute = %v, %v", err, plan.Err())
			}
			tc.edit(plan)
			before := e.writes()
			if _, err := plan.Apply(c, cfg); !errors.Is(err, reverse.ErrPlanMismatch) {
				t.Errorf("Apply = %v, want ErrPlanMismatch", err)
			}
			if got := e.writes() - before; got != 0 {
				t.Errorf("an edited plan wrote %d times", got)
			}
		})
	}
}

// TestMeasureAgreesWithVerifierReverse: reverse.Measure and lag.Verifier.Reverse, given
// the same recorded map (as Config.Inverse, inverted, or as the Verifier's NameMap),
// report the same reverse lag — exact, stale, ambiguous (both refuse), or none recorded.
func TestMeasureAgreesWithVerifierReverse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	e.replicated(t, "library/fresh:1", "dr-ns/fresh:1")
	e.replicated(t, "library/a/api:v1", "dr-ns/a/api:v1")
	e.outage(t, "dr-ns/nginx:hotfix")
	e.outage(t, "dr-ns/fresh:2")
	e.outage(t, "dr-ns/a/api:v2")
	e.outage(t, "dr-ns/renamed:1") // no Harbor repository flattens here
	clk := clocktest.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	all := harbor.FlattenAll
	for _, tc := range []struct {
		name      string
		flatten   *int
		forward   map[string]string
		ambiguous bool
	}{
		{"recorded exact", nil, map[string]string{"library/nginx": "dr-ns/nginx", "library/fresh": "dr-ns/fresh", "library/a/api": "dr-ns/a/api"}, false},
		{"recorded stale", nil, map[string]string{"library/nginx": "dr-ns/nginx"}, false},
		{"recorded, a repository renamed", nil, map[string]string{"library/nginx": "dr-ns/nginx", "library/renamed": "dr-ns/renamed"}, false},
		{"recorded stale, flatten all", &all, map[string]string{"library/nginx": "dr-ns/nginx"}, false},
		{"recorded ambiguous", nil, map[string]string{"library/nginx": "dr-ns/nginx", "library/fresh": "dr-ns/nginx"}, true},
		{"none recorded", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := e.config(t, setup(tc.flatten))
			base.Verifier.Clock = clk
			v := *base.Verifier
			v.NameMap = tc.forward
			want, wantErr := v.Reverse(c)

			byInverse := base
			if tc.forward != nil && !tc.ambiguous {
				var err error
				if byInverse.Inverse, err = reverse.Invert(tc.forward); err != nil {
					t.Fatal(err)
				}
			}
			byNameMap := base
			byNameMap.Verifier = &v
			for name, cfg := range map[string]reverse.Config{"Config.Inverse": byInverse, "Verifier.NameMap": byNameMap} {
				if tc.ambiguous && name == "Config.Inverse" {
					continue // Invert refuses it (TestAmbiguousInverseRefusedBeforeAnyWrite)
				}
				got, err := reverse.Measure(c, cfg)
				if tc.ambiguous {
					if !errors.Is(err, lag.ErrAmbiguousInverse) || !errors.Is(wantErr, lag.ErrAmbiguousInverse) {
						t.Errorf("%s: Measure = %v, Reverse = %v; want both ErrAmbiguousInverse", name, err, wantErr)
					}
					continue
				}
				if err != nil || wantErr != nil {
					t.Fatalf("%s: Measure = %v, Reverse = %v", name, err, wantErr)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: Measure differs from Verifier.Reverse (-reverse +measure):\n%s", name, diff)
				}
			}
		})
	}
}
