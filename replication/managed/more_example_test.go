package managed_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// exampleWorld is a Harbor (project test-project with nginx:1.25 and redis:7) and an
// ACR EE instance on loopback, with the clients and the runbook's setup.
type exampleWorld struct {
	clients        managed.Clients
	setup          managed.Setup
	harborRegistry mirror.Endpoint
	acrRegistry    mirror.Endpoint
	close          func()
}

func newExampleWorld() *exampleWorld {
	hb := harbortest.New(harbortest.WithProject("test-project", false), harbortest.WithSyncExecutions())
	hs := httptest.NewServer(hb)
	ee := acrtest.New()
	api := httptest.NewServer(ee.OpenAPI())
	reg := httptest.NewServer(ee.Registry())
	_ = ee.SetPassword(acrtest.DefaultInstanceID, "dr-login", "registry-password")
	w := &exampleWorld{close: func() { hs.Close(); hb.Close(); api.Close(); reg.Close() }}
	admin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	for _, r := range []string{"test-project/nginx:1.25", "test-project/redis:7"} {
		img, _ := random.Image(256, 1)
		ref, _ := name.ParseReference(strings.TrimPrefix(hs.URL, "http://") + "/" + r)
		if err := remote.Write(ref, img, remote.WithAuth(admin)); err != nil {
			log.Fatal(err)
		}
	}
	hc, err := harbor.New(hs.URL, harbor.WithBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword))
	if err != nil {
		log.Fatal(err)
	}
	ac, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
	}})
	if err != nil {
		log.Fatal(err)
	}
	w.clients = managed.Clients{Harbor: hc, Namespaces: managed.ACR{Client: ac}, Tags: managed.ACR{Client: ac}}
	w.setup = managed.Setup{
		Policy:   "test-project-to-acr",
		Projects: []string{"test-project"},
		Endpoint: managed.Endpoint{Name: "acr-ee", URL: reg.URL, AccessKey: "dr-login", AccessSecret: "registry-password"},
	}
	w.harborRegistry = mirror.Endpoint{PlainHTTP: true, Registry: strings.TrimPrefix(hs.URL, "http://"), Auth: admin}
	w.acrRegistry = mirror.Endpoint{PlainHTTP: true, Registry: strings.TrimPrefix(reg.URL, "http://"),
		Auth: &authn.Basic{Username: "dr-login", Password: "registry-password"}}
	return w
}

// The runbook's "if you need higher sync speed": the same plan, but the first copy is made
// by regdr's direct sync engine (one shared bandwidth budget, layers mounted, Harbor listed
// through its API) instead of a Harbor execution. The policy still replicates later pushes.
func ExamplePlan_Apply_direct() {
	w := newExampleWorld()
	defer w.close()
	ctx := context.Background()
	plan, err := managed.Compute(ctx, w.clients, w.setup)
	if err != nil {
		log.Fatal(err)
	}
	res, err := plan.Apply(ctx, w.clients, managed.ApplyOptions{
		Direct: &managed.Direct{Source: w.harborRegistry, Dest: w.acrRegistry},
		Verify: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("copied:", res.Sync.Copied, "Harbor execution:", res.Execution != nil)
	fmt.Println(res.Lag)
	// Output:
	// copied: 2 Harbor execution: false
	// complete: 2/2 tags in ACR EE, 0 extra
}

// A policy edited by hand in Harbor's UI shows up in the next plan as an update listing the
// fields that differ; applying it puts them back.
func ExamplePlan_drift() {
	w := newExampleWorld()
	defer w.close()
	ctx := context.Background()
	plan, _ := managed.Compute(ctx, w.clients, w.setup)
	res, err := plan.Apply(ctx, w.clients, managed.ApplyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Someone sets a bandwidth limit and turns flattening off in the UI.
	p, _ := w.clients.Harbor.GetPolicy(ctx, res.PolicyID)
	p.Speed, p.DestNamespaceReplaceCount = 2048, harbor.FlattenNone
	_ = w.clients.Harbor.UpdatePolicy(ctx, *p)

	drift, err := managed.Compute(ctx, w.clients, w.setup)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range drift.Actions {
		fmt.Printf("%s %q: %s\n", a.Kind, a.Name, a.Reason)
		for _, c := range a.Changes {
			fmt.Printf("    %s: %s → %s\n", c.Field, c.Old, c.New)
		}
	}
	// Output:
	// update-policy "test-project-to-acr": policy drifted
	//     dest_namespace_replace_count: 0 → 1
	//     speed: 2048 kbit/s → unlimited
	// run-execution "test-project-to-acr": run the changed policy once
}
