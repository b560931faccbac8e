package reverse_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// TestEditedSavedPlan: a saved plan edited by hand (or by an attacker) before its apply
// never makes Apply write what ACR EE does not hold under the tag, nor anywhere the
// replication does not map back to: it is refused before any write, or writes only what
// a fresh plan would.
func TestEditedSavedPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, o *outageEnv, p *reverse.Plan)
		// want: the sentinel Apply must fail with (nil: Apply may succeed, but may write
		// only the outage's two tags to library/nginx).
		want error
	}{
		{"item added under a tag ACR EE does not hold", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			p.Sync.Items = append(p.Sync.Items, mirror.Item{Source: "dr-ns/nginx", Dest: "secret/nginx", Tag: "evil", Digest: o.hotfix, Action: mirror.Copy})
		}, nil},
		{"item added from an ACR EE repository outside the inverse", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			p.Sync.Items = append(p.Sync.Items, mirror.Item{Source: "dr-ns/other", Dest: "secret/other", Tag: "v1", Digest: o.hotfix, Action: mirror.Copy})
		}, reverse.ErrUnmapped},
		{"inverse into a Harbor project outside the replication", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			p.Inverse["dr-ns/nginx"] = "secret/nginx" // flattens to dr-ns/nginx too
		}, reverse.ErrPlanMismatch},
		{"inverse into a Harbor repository the forward map does not produce", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			p.Inverse["dr-ns/nginx"] = "library/other"
		}, reverse.ErrPlanMismatch},
		{"other destination registry", func(t *testing.T, o *outageEnv, p *reverse.Plan) { p.Destination = "127.0.0.1:1" }, reverse.ErrPlanMismatch},
		{"other source registry", func(t *testing.T, o *outageEnv, p *reverse.Plan) { p.Source = "127.0.0.1:1" }, reverse.ErrPlanMismatch},
		{"overwrite turned on", func(t *testing.T, o *outageEnv, p *reverse.Plan) { p.Overwrite = true }, reverse.ErrPlanMismatch},
		{"recorded turned on", func(t *testing.T, o *outageEnv, p *reverse.Plan) { p.Recorded = true }, reverse.ErrPlanMismatch},
		{"digests of two tags swapped", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			for i, it := range p.Sync.Items {
				switch it.Tag {
				case "hotfix":
					p.Sync.Items[i].Digest = o.v2
				case "v2":
					p.Sync.Items[i].Digest = o.hotfix
				}
			}
		}, reverse.ErrStalePlan},
		{"tag renamed", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			for i, it := range p.Sync.Items {
				if it.Tag == "hotfix" {
					p.Sync.Items[i].Tag = "latest"
				}
			}
		}, nil},
		{"items duplicated", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			p.Sync.Items = append(p.Sync.Items, p.Sync.Items...)
		}, nil},
		{"duplicated tag with another digest", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			for _, it := range p.Sync.Items {
				if it.Tag == "hotfix" {
					it.Digest = o.v2
					p.Sync.Items = append(p.Sync.Items, it)
					break
				}
			}
		}, reverse.ErrStalePlan},
		{"digest of another algorithm", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			for i, it := range p.Sync.Items {
				if it.Tag == "hotfix" {
					p.Sync.Items[i].Digest = "sha512:" + strings.Repeat("ab", 64)
				}
			}
		}, reverse.ErrStalePlan},
		{"tag with a path", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			for i, it := range p.Sync.Items {
				if it.Tag == "hotfix" {
					p.Sync.Items[i].Tag = "../../secret/nginx:1.25"
				}
			}
		}, nil},
		{"refusals removed", func(t *testing.T, o *outageEnv, p *reverse.Plan) { p.Lag = nil }, nil},
		{"an unmapped repository mapped by hand, refusal removed", func(t *testing.T, o *outageEnv, p *reverse.Plan) {
			d := o.outage(t, "dr-ns/renamed:1") // after the plan: Harbor has no library/renamed
			p.Lag = nil
			p.Inverse["dr-ns/renamed"] = "library/renamed" // the forward map flattens it so
			p.Sync.Items = append(p.Sync.Items, mirror.Item{Source: "dr-ns/renamed", Dest: "library/renamed", Tag: "1", Digest: d, Action: mirror.Copy})
		}, reverse.ErrUnmapped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOutage(t)
			c := ctx(t)
			plan, err := reverse.Compute(c, o.cfg)
			if err != nil || plan.Err() != nil {
				t.Fatalf("Compute = %v, %v", err, plan.Err())
			}
			b, err := json.Marshal(plan)
			if err != nil {
				t.Fatal(err)
			}
			var edited reverse.Plan
			if err := json.Unmarshal(b, &edited); err != nil {
				t.Fatal(err)
			}
			tc.edit(t, o, &edited)
			if b, err = json.Marshal(&edited); err != nil {
				t.Fatal(err)
			}
			var back reverse.Plan
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			before := o.writes()
			res, err := back.Apply(c, o.cfg)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("Apply of the edited plan = %v, %v; want %v", res, err, tc.want)
				}
				if got := o.writes() - before; got != 0 {
					t.Errorf("a refused plan wrote %d times", got)
				}
			} else if err != nil && !errors.Is(err, reverse.ErrIncomplete) {
				t.Logf("Apply of the edited plan = %v", err)
			}
			if got := o.harborTags("secret/nginx"); len(got) != 1 || got["prod"] != o.secretImage {
				t.Errorf("Harbor secret/nginx = %v, want only prod at %s: written outside the replication", got, o.secretImage)
			}
			if got := o.harborTags("library/renamed"); len(got) != 0 {
				t.Errorf("Harbor library/renamed = %v, want nothing (unmapped)", got)
			}
			if got := o.harborTags("secret/other"); len(got) != 0 {
				t.Errorf("Harbor secret/other = %v, want nothing", got)
			}
			for tag, d := range o.harborTags("library/nginx") {
				want := map[string]string{"hotfix": o.hotfix, "v2": o.v2}[tag]
				if tag != "1.25" && d != want {
					t.Errorf("Harbor library/nginx:%s = %s, want %q (what ACR EE holds under the tag, or nothing)", tag, d, want)
				}
			}
		})
	}
}
