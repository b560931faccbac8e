package reverse_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// Failback without losing what clients pushed into ACR EE during the outage: plan the
// copy back to Harbor through the inverse of the flattening, review it (the dry run),
// apply it, and check the reverse lag is complete — then failback may proceed.
func Example() {
	ctx := context.Background()
	// Harbor (project library) and an ACR EE instance with namespace dr-ns, on loopback.
	hb := harbortest.New()
	hs := httptest.NewServer(hb)
	defer hs.Close()
	defer hb.Close()
	ee := acrtest.New()
	api := httptest.NewServer(ee.OpenAPI())
	defer api.Close()
	reg := httptest.NewServer(ee.Registry())
	defer reg.Close()
	_ = ee.SetPassword(acrtest.DefaultInstanceID, "dr-login", "registry-password")
	hc, err := harbor.New(hs.URL, harbor.WithBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword))
	if err != nil {
		log.Fatal(err)
	}
	ac, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region:   acrtest.DefaultRegion,
		Endpoint: api.Listener.Addr().String(), Insecure: true, // omit both for the real API
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
	}})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := ac.EnsureNamespace(ctx, "dr-ns", acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: acr.RepoTypePrivate}); err != nil {
		log.Fatal(err)
	}
	harborHost, acrHost := strings.TrimPrefix(hs.URL, "http://"), strings.TrimPrefix(reg.URL, "http://")
	harborLogin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	acrLogin := &authn.Basic{Username: "dr-login", Password: "registry-password"}
	// Before the outage library/nginx:1.25 was replicated as dr-ns/nginx:1.25; during it,
	// a client pushed nginx:hotfix into ACR EE by the same name.
	img, _ := random.Image(256, 1)
	hotfix, _ := random.Image(256, 1)
	for _, p := range []struct {
		ref  string
		img  v1.Image
		auth authn.Authenticator
	}{
		{harborHost + "/library/nginx:1.25", img, harborLogin},
		{acrHost + "/dr-ns/nginx:1.25", img, acrLogin},
		{acrHost + "/dr-ns/nginx:hotfix", hotfix, acrLogin},
	} {
		ref, _ := name.ParseReference(p.ref)
		if err := remote.Write(ref, p.img, remote.WithAuth(p.auth)); err != nil {
			log.Fatal(err)
		}
	}

	// The forward replication's setup gives the Verifier that measures the reverse lag.
	setup := managed.Setup{Projects: []string{"library"}, Namespace: "dr-ns"} // flatten 1 level
	v, err := setup.Verifier(hc, managed.ACR{Client: ac})
	if err != nil {
		log.Fatal(err)
	}
	cfg := reverse.Config{
		Verifier: v,
		// In production: the ACR EE instance's registry and Harbor's, over HTTPS.
		ACR:    mirror.Endpoint{Registry: acrHost, PlainHTTP: true, Auth: acrLogin},
		Harbor: mirror.Endpoint{Registry: harborHost, PlainHTTP: true, Auth: harborLogin},
	}
	plan, err := reverse.Compute(ctx, cfg) // the dry run: it writes nothing
	if err != nil {
		log.Fatal(err) // lag.ErrAmbiguousInverse: record the forward map (Config.Inverse)
	}
	fmt.Printf("reverse lag: %d missing, %d stale, %d unmapped\n", len(plan.Lag.Missing), len(plan.Lag.Stale), len(plan.Lag.Unmapped))
	for _, a := range plan.Lag.Missing {
		fmt.Printf("missing in Harbor: %s:%s (ACR EE %s)\n", a.Source, a.Tag, a.Dest)
	}
	fmt.Println("dr-ns/nginx →", plan.Inverse["dr-ns/nginx"])
	if err := plan.Err(); err != nil {
		log.Fatal(err) // ErrUnmapped, ErrStaleTag: reported, not guessed
	}
	res, err := plan.Apply(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("copied:", res.Copied(), "- reverse lag now", res.Lag)
	again, err := plan.Apply(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("second apply copied:", again.Copied())

	// Failback holds the same measurement at zero (failover.ErrReverseLag otherwise).
	_ = failover.FailbackRequest{ReverseLag: failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) {
		r, err := reverse.Measure(ctx, cfg)
		if err != nil {
			return failover.ReverseLag{}, err
		}
		return failover.ReverseLag(r.Summary()), nil
	})}
	// Output:
	// reverse lag: 1 missing, 0 stale, 0 unmapped
	// missing in Harbor: library/nginx:hotfix (ACR EE dr-ns/nginx)
	// dr-ns/nginx → library/nginx
	// copied: 1 - reverse lag now complete: 2/2 ACR EE tags in Harbor
	// second apply copied: 0
}
