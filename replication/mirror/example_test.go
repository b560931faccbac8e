package mirror_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
)

// A direct sync from one registry to another: plan (a value to print, save or check), then
// apply, which copies, then verifies every planned artifact by digest.
func ExampleSyncer() {
	ctx := context.Background()
	quiet := registry.Logger(log.New(io.Discard, "", 0))
	src := httptest.NewServer(registry.New(quiet))
	defer src.Close()
	dst := httptest.NewServer(registry.New(quiet))
	defer dst.Close()
	srcHost, dstHost := strings.TrimPrefix(src.URL, "http://"), strings.TrimPrefix(dst.URL, "http://")
	for _, ref := range []string{"library/a/nginx:v1", "library/a/nginx:v2", "library/redis:v1", "library/redis:dev"} {
		img, _ := random.Image(1024, 2)
		if err := crane.Push(img, srcHost+"/"+ref); err != nil {
			log.Fatal(err)
		}
	}

	s, err := mirror.New(
		mirror.Endpoint{PlainHTTP: true, Registry: srcHost},
		mirror.Endpoint{PlainHTTP: true, Registry: dstHost},
		mirror.Options{
			Flattener: replication.HarborFlatten("acr-ns", -1), // keep the last path component
			Validate:  replication.ValidateACRName,
			Selector:  replication.MustRules(replication.Filter{Kind: replication.FilterTag, Pattern: "v*"}),
			Jobs:      4,
			Limiter:   replication.NewBandwidthLimiter(64 << 20),
		})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := s.Plan(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range plan.Items {
		fmt.Println(it.Action, it.Source+":"+it.Tag, "→", it.Ref())
	}
	rep, err := s.Apply(ctx, plan)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("copied %d, verified %d, ok %t\n", rep.Copied, rep.Verified, rep.OK())

	again, _ := s.Plan(ctx)
	fmt.Println("changes on a second run:", again.HasChanges())
	// Output:
	// copy library/a/nginx:v1 → acr-ns/nginx:v1
	// copy library/a/nginx:v2 → acr-ns/nginx:v2
	// copy library/redis:v1 → acr-ns/redis:v1
	// copied 3, verified 3, ok true
	// changes on a second run: false
}
