package harbortest_test

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

	"github.com/regdr/regdr/harbor/harbortest"
)

// Push an image to the emulated Harbor's registry and see it as an artifact.
func Example() {
	srv := harbortest.New() // admin / Harbor12345, public project "library"
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	img, _ := random.Image(64, 1)
	ref, _ := name.ParseReference(strings.TrimPrefix(ts.URL, "http://") + "/library/team/nginx:1.25")
	auth := remote.WithAuth(&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword})
	if err := remote.Write(ref, img, auth); err != nil {
		log.Fatal(err)
	}
	digest, _ := img.Digest()
	for _, a := range srv.Artifacts("library/team/nginx") {
		fmt.Println(a.Tags, a.Digest == digest.String())
	}
	fmt.Println(srv.Repositories())
	// Output:
	// [1.25] true
	// [library/team/nginx]
}

// Keep executions InProgress while a test looks at them, then let them finish.
func ExampleServer_HoldExecutions() {
	srv := harbortest.New()
	defer srv.Close()
	release := srv.HoldExecutions()
	// ... start an execution through the API and observe it InProgress ...
	release()
	fmt.Println(srv.WaitExecutions(context.Background()))
	// Output:
	// <nil>
}
