package harbor_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
)

// The runbook's steps 2 and 3: register the ACR EE instance as an endpoint,
// test the connection, create the event-based "Flatten 1 level" policy, run it
// once and wait for it to succeed. Offline: Harbor is harbortest, and ACR EE is
// a plain registry.
func Example_runbook() {
	ctx := context.Background()
	// Synchronous executions keep the example fast: Wait's first poll sees the end.
	srv := harbortest.New(harbortest.WithSyncExecutions())
	defer srv.Close()
	hb := httptest.NewServer(srv)
	defer hb.Close()
	acr := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer acr.Close()

	// Something to replicate: library/team/nginx:1.25 in Harbor.
	img, _ := random.Image(64, 1)
	ref, _ := name.ParseReference(strings.TrimPrefix(hb.URL, "http://") + "/library/team/nginx:1.25")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "admin", Password: "Harbor12345"})); err != nil {
		log.Fatal(err)
	}

	c, err := harbor.New(hb.URL, harbor.WithBasicAuth("admin", "Harbor12345"))
	if err != nil {
		log.Fatal(err)
	}
	// Step 2: the registry endpoint, then "test connection".
	endpoint := harbor.Registry{
		Name: "acr-ee", Description: "DR copy", Type: harbor.TypeDockerRegistry, URL: acr.URL,
		Credential: &harbor.Credential{AccessKey: "login@example", AccessSecret: "registry-password"},
	}
	if err := c.PingRegistry(ctx, endpoint); err != nil {
		log.Fatal(err)
	}
	regID, err := c.CreateRegistry(ctx, endpoint)
	if err != nil {
		log.Fatal(err)
	}
	// Step 3: push-based, event-based, flatten 1 level into test-project, unlimited bandwidth.
	policyID, err := c.CreatePolicy(ctx, harbor.Policy{
		Name: "to-acr", Description: "Harbor to ACR EE", DestRegistryID: regID,
		DestNamespace: "test-project", DestNamespaceReplaceCount: harbor.Flatten1Level,
		Trigger: harbor.Trigger{Type: harbor.TriggerEventBased}, Speed: -1, Override: true, Enabled: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	execID, err := c.StartExecution(ctx, policyID)
	if err != nil {
		log.Fatal(err)
	}
	ex, err := c.Wait(ctx, execID, harbor.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("execution:", ex.Status, ex.Succeed, "of", ex.Total)
	tasks, _ := c.ListTasks(ctx, execID)
	for _, t := range tasks {
		fmt.Println(t.SrcResource, "->", t.DstResource, t.Status)
	}
	// Output:
	// execution: Succeed 1 of 1
	// library/team/nginx:[1.25] -> test-project/team/nginx:[1.25] Succeed
}

// Errors carry Harbor's status, code and message, and match the sentinels.
func ExampleAPIError() {
	srv := harbortest.New()
	defer srv.Close()
	hb := httptest.NewServer(srv)
	defer hb.Close()
	c, _ := harbor.New(hb.URL, harbor.WithBasicAuth("admin", "Harbor12345"))

	_, err := c.GetPolicy(context.Background(), 42)
	fmt.Println(errors.Is(err, harbor.ErrNotFound))
	fmt.Println(err)
	// Output:
	// true
	// harbor: getting replication policy 42: 404 Not Found (NOT_FOUND): policy 42 not found
}
