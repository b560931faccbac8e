package harbortest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication"
)

// harbortest carries its own copy of Harbor's rules so that it does not
// confirm regdr's: these tests hold the two against each other, on a table and
// on seeded random inputs. A disagreement is a bug in one of them.

func TestReplaceNamespaceAgreesWithHarborFlatten(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, repo, ns string, count int) {
		t.Helper()
		got, gotErr := harbortest.ReplaceNamespace(repo, ns, int8(count))
		want, wantErr := replication.HarborFlatten(ns, count).Flatten(repo)
		if got != want || (gotErr != nil) != (wantErr != nil) {
			t.Errorf("repo %q ns %q count %d: harbortest %q, %v; replication %q, %v", repo, ns, count, got, gotErr, want, wantErr)
		}
	}
	for _, tc := range []struct {
		repo, ns string
		count    int
		want     string // "" = an error
	}{
		// Harbor's own examples (src/controller/replication/flow/stage.go).
		{"a/b/c/image", "n", -1, "n/image"},
		{"a/b/c/image", "n", 0, "n/a/b/c/image"},
		{"a/b/c/image", "n", 1, "n/b/c/image"},
		{"a/b/c/image", "n", 2, "n/c/image"},
		{"a/b/c/image", "n", 3, "n/image"},
		{"a/b/c/image", "n", 4, ""},
		{"library/nginx", "", 5, "library/nginx"},
		{"nginx", "n", 0, "n/nginx"},
		{"nginx", "n", 1, ""},
		{"library/nginx", "a/b", 1, "a/b/nginx"},
	} {
		t.Run(fmt.Sprintf("%s,%s,%d", tc.repo, tc.ns, tc.count), func(t *testing.T) {
			got, err := harbortest.ReplaceNamespace(tc.repo, tc.ns, int8(tc.count))
			if got != tc.want || (err != nil) != (tc.want == "") {
				t.Errorf("harbortest = %q, %v; want %q", got, err, tc.want)
			}
			check(t, tc.repo, tc.ns, tc.count)
		})
	}
	rng := rand.New(rand.NewPCG(15, 1))
	comps := []string{"library", "a", "b", "team", "x-y", "app"}
	for range 2000 {
		parts := make([]string, 1+rng.IntN(5))
		for i := range parts {
			parts[i] = comps[rng.IntN(len(comps))]
		}
		ns := []string{"", "n", "acr-ns", "a/b"}[rng.IntN(4)]
		check(t, strings.Join(parts, "/"), ns, rng.IntN(8)-2)
	}
}

// artifactCase is one artifact against one set of filters.
type artifactCase struct {
	filters []replication.Filter
	kind    string // "image" or "artifact"
	repo    string
	tags    []string
	labels  []string
}

func (c artifactCase) String() string {
	return fmt.Sprintf("%v on %s %s tags %q labels %q", c.filters, c.kind, c.repo, c.tags, c.labels)
}

// toAPI is the filters as regdr's harbor client sends them to Harbor.
func toAPI(fs []replication.Filter) []*models.ReplicationFilter {
	var out []*models.ReplicationFilter
	for _, f := range fs {
		m := &models.ReplicationFilter{Type: string(f.Kind), Decoration: string(f.Decoration), Value: f.Pattern}
		switch f.Kind {
		case replication.FilterLabel:
			vs := []any{}
			for _, l := range f.Labels {
				vs = append(vs, l)
			}
			m.Value = vs
		case replication.FilterName, replication.FilterResource:
			m.Decoration = "" // Harbor takes none here; the client sends none
		}
		out = append(out, m)
	}
	return out
}

func compareSelection(t *testing.T, c artifactCase) (agree bool) {
	t.Helper()
	gotTags, gotOK, gotErr := harbortest.Select(toAPI(c.filters), c.repo, c.tags, c.labels)
	sel, selErr := replication.NewRules(c.filters...)
	if selErr != nil || gotErr != nil {
		if (selErr != nil) != (gotErr != nil) {
			t.Errorf("%s: harbortest error %v, replication error %v", c, gotErr, selErr)
		}
		return true
	}
	wantOK := sel.MatchResource(c.kind) && sel.Match(c.repo, c.tags, c.labels)
	var wantTags []string
	if wantOK {
		wantTags = sel.FilterTags(c.tags)
	}
	if !gotOK {
		gotTags = nil
	}
	return gotOK == wantOK && cmp.Equal(gotTags, wantTags)
}

func TestSelectionAgreesWithSelector(t *testing.T) {
	t.Parallel()
	nameF := func(p string) replication.Filter { return replication.Filter{Kind: replication.FilterName, Pattern: p} }
	tag := func(p string, d replication.Decoration) replication.Filter {
		return replication.Filter{Kind: replication.FilterTag, Pattern: p, Decoration: d}
	}
	label := func(d replication.Decoration, ls ...string) replication.Filter {
		return replication.Filter{Kind: replication.FilterLabel, Labels: ls, Decoration: d}
	}
	resource := func(p string) replication.Filter {
		return replication.Filter{Kind: replication.FilterResource, Pattern: p}
	}
	m, x := replication.Matches, replication.Excludes

	for _, tc := range []struct {
		name string
		c    artifactCase
	}{
		{"no filters", artifactCase{nil, "image", "library/a", []string{"1"}, nil}},
		{"name ** crosses /", artifactCase{[]replication.Filter{nameF("library/**")}, "image", "library/a/b", []string{"1"}, nil}},
		{"name * stops at /", artifactCase{[]replication.Filter{nameF("library/*")}, "image", "library/a/b", []string{"1"}, nil}},
		{"name braces", artifactCase{[]replication.Filter{nameF("library/{a,b}/**")}, "image", "library/b/c", []string{"1"}, nil}},
		{"tag keeps matching tags", artifactCase{[]replication.Filter{tag("v1.*", m)}, "image", "r", []string{"v1.0", "v2.0", "v1.1"}, nil}},
		{"tag excludes", artifactCase{[]replication.Filter{tag("dev", x)}, "image", "r", []string{"dev", "1"}, nil}},
		{"tag excludes the only tag", artifactCase{[]replication.Filter{tag("dev", x)}, "image", "r", []string{"dev"}, nil}},
		{"untagged matches the empty tag only", artifactCase{[]replication.Filter{tag("*", m)}, "image", "r", nil, nil}},
		{"untagged, excludes", artifactCase{[]replication.Filter{tag("v*", x)}, "image", "r", nil, nil}},
		{"two tag filters narrow", artifactCase{[]replication.Filter{tag("v*", m), tag("*-rc", x)}, "image", "r", []string{"v1", "v2-rc", "x"}, nil}},
		{"labels all required", artifactCase{[]replication.Filter{label(m, "prod", "signed")}, "image", "r", []string{"1"}, []string{"prod"}}},
		{"labels present", artifactCase{[]replication.Filter{label(m, "prod", "signed")}, "image", "r", []string{"1"}, []string{"signed", "prod"}}},
		{"labels excluded", artifactCase{[]replication.Filter{label(x, "wip")}, "image", "r", []string{"1"}, []string{"wip"}}},
		{"resource image on an image", artifactCase{[]replication.Filter{resource("image")}, "image", "r", []string{"1"}, nil}},
		{"resource artifact", artifactCase{[]replication.Filter{resource("artifact")}, "artifact", "r", []string{"1"}, nil}},
		{"malformed glob", artifactCase{[]replication.Filter{nameF("library/[")}, "image", "library/a", []string{"1"}, nil}},
		// Where Harbor skips a filter, replication does too.
		{"empty tag pattern with excludes", artifactCase{[]replication.Filter{tag("", x)}, "image", "r", []string{"1"}, nil}},
		{"empty label list with excludes", artifactCase{[]replication.Filter{label(x)}, "image", "r", []string{"1"}, nil}},
		{"resource image on an artifact", artifactCase{[]replication.Filter{resource("image")}, "artifact", "r", []string{"1"}, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !compareSelection(t, tc.c) {
				t.Errorf("%s: harbortest and replication disagree", tc.c)
			}
		})
	}

	rng := rand.New(rand.NewPCG(15, 2))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	repos := []string{"library/nginx", "library/a/b", "team/app", "x", "library/skip/me"}
	names := []string{"", "library/**", "library/*", "**", "team/*", "*/a/*", "library/{nginx,a/**}", "?"}
	tagPats := []string{"", "*", "v*", "v1.*", "dev", "*-rc", "{1,2}", "[0-9]*"}
	allTags := []string{"1", "2", "v1.0", "v2-rc", "dev", "latest"}
	allLabels := []string{"prod", "signed", "wip"}
	decos := []replication.Decoration{"", m, x}
	subset := func(xs []string, maxN int) []string {
		var out []string
		for _, v := range xs {
			if len(out) < maxN && rng.IntN(3) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for range 5000 {
		var fs []replication.Filter
		for range rng.IntN(4) {
			switch rng.IntN(4) {
			case 0:
				fs = append(fs, nameF(pick(names)))
			case 1:
				fs = append(fs, tag(pick(tagPats), decos[rng.IntN(3)]))
			case 2:
				fs = append(fs, label(decos[rng.IntN(3)], subset(allLabels, 2)...))
			case 3:
				fs = append(fs, resource(pick([]string{"image", "artifact"})))
			}
		}
		c := artifactCase{fs, pick([]string{"image", "artifact"}), pick(repos), subset(allTags, 3), subset(allLabels, 3)}
		if !compareSelection(t, c) {
			t.Errorf("%s: harbortest and replication disagree", c)
		}
	}
}

// The API validates filters as Harbor's Filter.Validate does, and a malformed
// glob passes creation and fails the execution, as in Harbor.
func TestPolicyFiltersValidatedAsHarborDoes(t *testing.T) {
	t.Parallel()
	srv := harbortest.New(harbortest.WithSyncExecutions())
	hs := serve(t, srv)
	api := hs.URL + "/api/v2.0"
	res := do(t, "POST", api+"/registries", `{"name":"self","type":"harbor","url":"`+hs.URL+`","credential":{"access_key":"admin","access_secret":"Harbor12345"}}`)
	if res.StatusCode != 201 {
		t.Fatalf("creating a registry: %s", res.Status)
	}
	reg := lastSegment(res.Header.Get("Location"))
	for _, tc := range []struct {
		name, filters string
		status        int
		msg           string
	}{
		{"name-decorated", `[{"type":"name","value":"library/**","decoration":"matches"}]`, 400, "only tag and label filter support decoration"},
		{"resource-bad", `[{"type":"resource","value":"chart"}]`, 400, "invalid resource filter: chart"},
		{"label-not-list", `[{"type":"label","value":"prod"}]`, 400, "the type of label filter value isn't string slice"},
		{"unknown-type", `[{"type":"size","value":"1"}]`, 400, "invalid filter type"},
		{"bad-decoration", `[{"type":"tag","value":"1","decoration":"maybe"}]`, 400, "invalid filter decoration"},
		{"tag-excludes", `[{"type":"tag","value":"dev","decoration":"excludes"}]`, 201, ""},
		{"malformed-glob", `[{"type":"name","value":"library/["}]`, 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, "POST", api+"/replication/policies", `{"name":"`+tc.name+`","dest_registry":{"id":`+reg+`},"dest_namespace":"ns","enabled":true,"filters":`+tc.filters+`}`)
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.msg) {
				t.Errorf("POST = %s %s, want %d %q", res.Status, b, tc.status, tc.msg)
			}
		})
	}
	img, _ := random.Image(32, 1) // Harbor matches the glob against each repository
	ref, _ := name.ParseReference(strings.TrimPrefix(hs.URL, "http://") + "/library/a:1")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword})); err != nil {
		t.Fatal(err)
	}
	res = do(t, "GET", api+"/replication/policies?name=malformed-glob", "")
	var ps []struct{ ID int64 }
	if err := json.NewDecoder(res.Body).Decode(&ps); err != nil || len(ps) != 1 {
		t.Fatalf("finding the policy: %v, %d", err, len(ps))
	}
	res = do(t, "POST", api+"/replication/executions", fmt.Sprintf(`{"policy_id":%d}`, ps[0].ID))
	if res.StatusCode != 201 {
		t.Fatalf("starting: %s", res.Status)
	}
	ex := srv.Executions()
	if len(ex) != 1 || ex[0].Status != "Failed" || !strings.Contains(ex[0].StatusText, "failed to fetch artifacts") {
		t.Errorf("executions = %+v, want one Failed fetching artifacts", ex)
	}
}
