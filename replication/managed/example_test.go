package managed_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
)

// The runbook's steps 1–3 as code: namespace "test-project" in ACR EE, Harbor endpoint
// "acr-ee", replication policy flattening one level, triggered by events; then the first
// run, and the check that ACR EE holds everything.
func ExampleCompute() {
	ctx := context.Background()
	// Harbor with project test-project holding nginx:1.25, and an ACR EE instance.
	hb := harbortest.New(harbortest.WithProject("test-project", false), harbortest.WithSyncExecutions())
	hs := httptest.NewServer(hb)
	defer hs.Close()
	defer hb.Close()
	// ACR EE: its OpenAPI and its registry, with the instance's registry password.
	ee := acrtest.New()
	api := httptest.NewServer(ee.OpenAPI())
	defer api.Close()
	reg := httptest.NewServer(ee.Registry())
	defer reg.Close()
	_ = ee.SetPassword(acrtest.DefaultInstanceID, "dr-login", "registry-password")
	img, _ := random.Image(256, 1)
	ref, _ := name.ParseReference(strings.TrimPrefix(hs.URL, "http://") + "/test-project/nginx:1.25")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword})); err != nil {
		log.Fatal(err)
	}

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
	clients := managed.Clients{Harbor: hc, Namespaces: managed.ACR{Client: ac}, Tags: managed.ACR{Client: ac}}

	setup := managed.Setup{
		Policy:   "test-project-to-acr",
		Projects: []string{"test-project"}, // namespace: test-project, flatten 1 level, event-based
		Endpoint: managed.Endpoint{
			Name: "acr-ee",
			URL:  reg.URL, // in production: mirror.ACREndpointURL("myinst", "cn-hangzhou", true)
			// The registry login name and password.
			AccessKey: "dr-login", AccessSecret: "registry-password",
		},
	}
	plan, err := managed.Compute(ctx, clients, setup)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range plan.Actions {
		fmt.Printf("plan: %s %s\n", a.Kind, a.Name)
	}
	fmt.Println("test-project/nginx →", plan.Repositories["test-project/nginx"])

	res, err := plan.Apply(ctx, clients, managed.ApplyOptions{
		Wait: harbor.WaitOptions{Interval: time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("execution:", res.Execution.Status)

	v, err := setup.Verifier(hc, clients.Tags)
	if err != nil {
		panic(err)
	}
	lag, err := v.Verify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lag)

	again, _ := managed.Compute(ctx, clients, setup)
	fmt.Println("changes on a second plan:", again.HasChanges())

	// failover consults the same check before switching DNS.
	var _ failover.LagReporter = failover.LagFunc(func(ctx context.Context) (failover.Lag, error) {
		s, err := v.Lag(ctx)
		return failover.Lag(s), err
	})
	// Output:
	// plan: ensure-namespace test-project
	// plan: create-endpoint acr-ee
	// plan: create-policy test-project-to-acr
	// plan: run-execution test-project-to-acr
	// test-project/nginx → test-project/nginx
	// execution: Succeed
	// complete: 1/1 tags in ACR EE, 0 extra
	// changes on a second plan: false
}
