package reverse_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/reverse"
)

// TestHostileInverseNames: a recorded inverse naming a repository that is not one — a
// path escape, uppercase, an escaped slash, too long, empty — is refused before any
// request (ErrInvalidConfig).
func TestHostileInverseNames(t *testing.T) {
	t.Parallel()
	o := newOutage(t)
	long := "library/" + strings.Repeat("a", 250)
	for _, tc := range []struct {
		name    string
		inverse map[string]string
	}{
		{"dot dot in the Harbor repository", map[string]string{"dr-ns/nginx": "library/../secret/nginx"}},
		{"dot dot in the ACR EE repository", map[string]string{"dr-ns/../dr-ns/nginx": "library/nginx"}},
		{"uppercase", map[string]string{"dr-ns/nginx": "library/NGINX"}},
		{"escaped slash", map[string]string{"dr-ns/nginx": "library%2Fnginx"}},
		{"escaped slash in ACR EE", map[string]string{"dr-ns%2Fnginx": "library/nginx"}},
		{"leading slash", map[string]string{"dr-ns/nginx": "/library/nginx"}},
		{"double slash", map[string]string{"dr-ns/nginx": "library//nginx"}},
		{"too long", map[string]string{"dr-ns/nginx": long}},
		{"empty", map[string]string{"dr-ns/nginx": ""}},
		{"a tag in the name", map[string]string{"dr-ns/nginx": "library/nginx:latest"}},
		{"a query in the name", map[string]string{"dr-ns/nginx": "library/nginx?x=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := o.cfg
			cfg.Inverse = tc.inverse
			before := o.writes()
			var reqs int
			var mu sync.Mutex
			setHook(&o.harborHook, func(http.ResponseWriter, *http.Request) bool { mu.Lock(); reqs++; mu.Unlock(); return false })
			defer setHook(&o.harborHook, nil)
			if p, err := reverse.Compute(ctx(t), cfg); !errors.Is(err, reverse.ErrInvalidConfig) {
				t.Errorf("Compute = %v, %v; want ErrInvalidConfig", p, err)
			}
			if _, err := reverse.Measure(ctx(t), cfg); !errors.Is(err, reverse.ErrInvalidConfig) {
				t.Errorf("Measure = %v; want ErrInvalidConfig", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := o.writes() - before; got != 0 || reqs != 0 {
				t.Errorf("refused config wrote %d times and sent Harbor %d requests", got, reqs)
			}
		})
	}
}

// hostileTags is an ACR EE tag lister that adds tags to a repository's listing, as a
// faulty or hostile ACR EE OpenAPI could.
type hostileTags struct {
	lag.TagLister
	repo  string
	extra []lag.Tag
}

func (h hostileTags) TagsOf(ctx context.Context, path string) ([]lag.Tag, error) {
	tags, err := h.TagLister.TagsOf(ctx, path)
	if path == h.repo {
		tags = append(tags, h.extra...)
	}
	return tags, err
}

func (h hostileTags) RepositoryPaths(ctx context.Context, ns string) ([]string, error) {
	return h.TagLister.(lag.RepositoryLister).RepositoryPaths(ctx, ns)
}

// TestHostileACRListing: tags ACR EE lists that are not tags, or whose digests are not
// sha256 digests — a path escape, too long, another algorithm, a digest carrying a path
// — never reach a request path on Harbor, never write outside the repository they map
// back to, and never make the apply claim success.
func TestHostileACRListing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tag  func(o *outageEnv) lag.Tag
	}{
		{"tag with a path escape", func(o *outageEnv) lag.Tag {
			return lag.Tag{Name: "../../secret/nginx/manifests/prod", Digest: o.hotfix}
		}},
		{"tag too long", func(o *outageEnv) lag.Tag { return lag.Tag{Name: strings.Repeat("t", 200), Digest: o.hotfix} }},
		{"tag with a query", func(o *outageEnv) lag.Tag { return lag.Tag{Name: "x?digest=1", Digest: o.hotfix} }},
		{"sha512 digest", func(o *outageEnv) lag.Tag {
			return lag.Tag{Name: "sha512", Digest: "sha512:" + strings.Repeat("ab", 64)}
		}},
		{"md5 digest", func(o *outageEnv) lag.Tag {
			return lag.Tag{Name: "md5", Digest: "md5:0123456789abcdef0123456789abcdef"}
		}},
		{"digest carrying a path", func(o *outageEnv) lag.Tag {
			return lag.Tag{Name: "escape", Digest: "sha256:../../../secret/nginx/manifests/prod"}
		}},
		{"empty digest", func(o *outageEnv) lag.Tag { return lag.Tag{Name: "nodigest"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOutage(t)
			c := ctx(t)
			hostile := tc.tag(o)
			v := *o.cfg.Verifier
			v.Tags = hostileTags{TagLister: v.Tags, repo: "dr-ns/nginx", extra: []lag.Tag{hostile}}
			o.cfg.Verifier = &v
			var mu sync.Mutex
			var bad []string
			setHook(&o.harborHook, func(w http.ResponseWriter, r *http.Request) bool {
				if p := r.URL.EscapedPath(); strings.Contains(p, "..") || strings.Contains(p, "secret") || strings.Contains(p, "%2F") || r.URL.RawQuery != "" && strings.Contains(r.URL.RawQuery, "digest=1") {
					mu.Lock()
					bad = append(bad, r.Method+" "+r.URL.String())
					mu.Unlock()
				}
				return false
			})
			var res *reverse.Result
			plan, err := reverse.Compute(c, o.cfg)
			if err == nil {
				res, err = plan.Apply(c, o.cfg)
			}
			setHook(&o.harborHook, nil)
			if err == nil {
				t.Errorf("Apply with ACR EE listing %+v = %v, nil; want an error (it cannot be carried back)", hostile, res)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bad) > 0 {
				t.Errorf("requests to Harbor built from a hostile listing: %q", bad)
			}
			if got := o.harborTags("secret/nginx"); len(got) != 1 || got["prod"] != o.secretImage {
				t.Errorf("Harbor secret/nginx = %v, want only prod", got)
			}
			for tag := range o.harborTags("library/nginx") {
				if tag != "1.25" && tag != "hotfix" && tag != "v2" {
					t.Errorf("Harbor library/nginx got tag %q", tag)
				}
			}
		})
	}
}

// TestHostileNamesInPlanText: a tag ACR EE lists with a line break or a terminal escape
// in its name cannot forge a line in the plan a reviewer reads, nor in its refusal.
func TestHostileNamesInPlanText(t *testing.T) {
	t.Parallel()
	o := newOutage(t)
	c := ctx(t)
	o.outage(t, "dr-ns/renamed:1")
	o.push(t, o.harborHost(), "library/nginx:stale", o.harborAuth())
	o.outage(t, "dr-ns/nginx:stale")
	forged := "x\nnothing to carry back\x1b[2K"
	v := *o.cfg.Verifier
	v.Tags = hostileTags{TagLister: hostileTags{TagLister: v.Tags, repo: "dr-ns/renamed", extra: []lag.Tag{{Name: forged, Digest: o.hotfix}}},
		repo: "dr-ns/nginx", extra: []lag.Tag{{Name: forged + "\n", Digest: o.v2}}}
	o.cfg.Verifier = &v
	plan, err := reverse.Compute(c, o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{"plan": plan.String(), "refusal": plan.Err().Error()} {
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(line, "nothing to carry back") || strings.Contains(line, "\x1b") {
				t.Errorf("the %s holds a line forged by a tag name: %q\n%s", what, line, s)
			}
		}
	}
}
