package acr_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
)

// exampleClient serves an emulator on loopback and returns a client of its instance and
// the registry's host:port.
func exampleClient() (*acr.Client, string, func()) {
	srv := acrtest.New()
	api := httptest.NewServer(srv.OpenAPI())
	reg := httptest.NewServer(srv.Registry())
	c, err := acr.New(acr.Config{
		InstanceID: acrtest.DefaultInstanceID,
		Cloud: alicloud.Config{
			Region:   acrtest.DefaultRegion,
			Endpoint: api.Listener.Addr().String(), // omit for the real cr.<region>.aliyuncs.com
			Insecure: true,
			Credentials: &alicloud.Credentials{
				AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret,
			},
		},
	})
	if err != nil {
		panic(err)
	}
	return c, strings.TrimPrefix(reg.URL, "http://"), func() { api.Close(); reg.Close() }
}

// The runbook's step 1: a namespace named after the Harbor project, auto-creating
// private repositories. Running it again changes nothing.
func ExampleClient_EnsureNamespace() {
	client, _, stop := exampleClient()
	defer stop()
	ctx := context.Background()
	spec := acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: acr.RepoTypePrivate}
	for range 2 {
		change, err := client.EnsureNamespace(ctx, "test-project", spec)
		if err != nil {
			panic(err)
		}
		fmt.Println(change)
	}
	// Output:
	// namespace test-project: created
	// namespace test-project: unchanged
}

// Log in with temporary credentials from GetAuthorizationToken and push an image; the
// repository is created by the push and its tag is listed with its digest.
func ExampleClient_Authenticator() {
	client, registry, stop := exampleClient()
	defer stop()
	ctx := context.Background()
	if _, err := client.EnsureNamespace(ctx, "test-project", acr.NamespaceSpec{AutoCreateRepo: true}); err != nil {
		panic(err)
	}
	auth, err := client.Authenticator(ctx) // refreshed before it expires
	if err != nil {
		panic(err)
	}
	img, _ := random.Image(512, 1)
	ref, _ := name.ParseReference(registry+"/test-project/nginx:1.27", name.Insecure)
	if err := remote.Write(ref, img, remote.WithAuth(auth), remote.WithContext(ctx)); err != nil {
		panic(err)
	}
	repo, err := client.GetRepository(ctx, "test-project/nginx")
	if err != nil {
		panic(err)
	}
	tags, err := client.ListTags(ctx, repo.ID)
	if err != nil {
		panic(err)
	}
	digest, _ := img.Digest()
	fmt.Println(repo.Path(), repo.Type, tags[0].Tag, tags[0].Digest == digest.String())
	// Output:
	// test-project/nginx PRIVATE 1.27 true
}
