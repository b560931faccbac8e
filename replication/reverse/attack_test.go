package reverse_test

import (
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/reverse"
)

// outageEnv is an environment after an outage: library/nginx:1.25 replicated, hotfix and
// v2 pushed into ACR EE during the outage (digests hotfix, v2), and a Harbor project
// "secret" outside the replication holding secret/nginx:prod.
type outageEnv struct {
	*env
	cfg         reverse.Config
	hotfix, v2  string
	secretImage string
}

func newOutage(t *testing.T) *outageEnv {
	t.Helper()
	e := newEnv(t, harbortest.WithProject("secret", false))
	o := &outageEnv{env: e}
	e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	o.secretImage = e.push(t, e.harborHost(), "secret/nginx:prod", e.harborAuth())
	o.hotfix = e.outage(t, "dr-ns/nginx:hotfix")
	o.v2 = e.outage(t, "dr-ns/nginx:v2")
	o.cfg = e.config(t, setup(nil))
	return o
}

// harborTags returns repo's tags in Harbor, tag → digest.
func (e *env) harborTags(repo string) map[string]string {
	out := map[string]string{}
	for _, a := range e.harborSrv.Artifacts(repo) {
		for _, tag := range a.Tags {
			out[tag] = a.Digest
		}
	}
	return out
}

// TestMalformedSavedPlan: an empty, null or truncated saved plan, or no plan at all, is
// refused without a panic and without a write.
func TestMalformedSavedPlan(t *testing.T) {
	t.Parallel()
	o := newOutage(t)
	c := ctx(t)
	for _, tc := range []struct{ name, json string }{
		{"empty object", `{}`},
		{"null", `null`},
		{"no sync", `{"source":"` + o.acrHost + `","destination":"` + o.harborHost() + `","inverse":{"dr-ns/nginx":"library/nginx"}}`},
		{"null sync items", `{"source":"` + o.acrHost + `","destination":"` + o.harborHost() + `","inverse":{"dr-ns/nginx":"library/nginx"},"sync":{"items":null}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p *reverse.Plan
			if err := json.Unmarshal([]byte(tc.json), &p); err != nil {
				t.Fatal(err)
			}
			before := o.writes()
			var (
				res *reverse.Result
				err error
			)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Apply of %s panicked: %v", tc.json, r)
					}
				}()
				_ = p.String()
				_ = p.HasChanges()
				_ = p.Err()
				res, err = p.Apply(c, o.cfg)
			}()
			if err == nil && res.Copied() != 0 {
				t.Errorf("Apply of %s = %v, want nothing copied", tc.json, res)
			}
			if got := o.writes() - before; got != 0 {
				t.Errorf("Apply of %s wrote %d times", tc.json, got)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		plan, err := reverse.Compute(c, o.cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(plan)
		var p reverse.Plan
		if err := json.Unmarshal(b[:len(b)/2], &p); err == nil {
			t.Errorf("a truncated plan read back without an error")
		}
	})
}

// TestSignaturesCarriedBack: an image pushed into ACR EE during the outage with its
// cosign signature tag, and a signature tag pushed for an image Harbor already holds, are
// carried back and verified; a second apply writes nothing.
func TestSignaturesCarriedBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := ctx(t)
	old := e.replicated(t, "library/nginx:1.25", "dr-ns/nginx:1.25")
	img := e.fx.Image("signed", 0)
	if err := testutil.PushAuth(c, e.acrHost, "dr-ns/nginx:signed", img, e.acrAuth()); err != nil {
		t.Fatal(err)
	}
	for _, subject := range []v1.Descriptor{testutil.Descriptor(img), {MediaType: types.DockerManifestSchema2, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(old, "sha256:")}}} {
		d := testutil.Descriptor(img)
		if subject.Digest.Hex != d.Digest.Hex {
			// the replicated image: its descriptor from Harbor's listing
			for _, a := range e.harborSrv.Artifacts("library/nginx") {
				if a.Digest == old {
					subject = v1.Descriptor{MediaType: types.MediaType(a.MediaType), Size: a.Size, Digest: subject.Digest}
				}
			}
		}
		sig := e.fx.Signature(subject, "sig of "+subject.Digest.String())
		tag := "sha256-" + subject.Digest.Hex + ".sig"
		if err := testutil.PushAuth(c, e.acrHost, "dr-ns/nginx:"+tag, sig, e.acrAuth()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := e.config(t, setup(nil))
	plan, err := reverse.Compute(c, cfg)
	if err != nil || plan.Err() != nil {
		t.Fatal(err, plan.Err())
	}
	res, err := plan.Apply(c, cfg)
	if err != nil {
		t.Fatalf("Apply = %v, %v\n%s", res, err, plan)
	}
	if r, err := reverse.Measure(c, cfg); err != nil || !r.Complete() {
		t.Errorf("Measure after the apply = %v, %v; want complete", r, err)
	}
	before := e.writes()
	if _, err := plan.Apply(c, cfg); err != nil {
		t.Fatal(err)
	}
	if got := e.writes() - before; got != 0 {
		t.Errorf("a second apply wrote %d times", got)
	}
}
