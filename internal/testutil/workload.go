package testutil

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// Workload is a many-repository fixture: Repos repositories × Tags tags, each image three
// layers — one from a pool of four shared by every repository, one shared by the tags of
// its repository, one of its own — and the first MultiArch repositories holding two-platform
// indexes instead.
type Workload struct {
	Repos, Tags, MultiArch int
	LayerSize              int64
	Seed                   int64
}

// Refs returns every "repo:tag" of the workload with its image or index.
func (w Workload) Refs() map[string]any {
	fx := NewFixture(w.Seed, w.LayerSize)
	out := map[string]any{}
	for r := range w.Repos {
		for t := range w.Tags {
			ref := fmt.Sprintf("bench/repo%02d:v%d", r, t)
			shared, base, own := r%4, 100+r, 1000+r*100+t
			if r < w.MultiArch {
				out[ref] = fx.Index(ref, []string{"amd64", "arm64"}, shared, base)
				continue
			}
			out[ref] = fx.Image(ref, shared, base, own)
		}
	}
	return out
}

// Push writes the workload to host, a few images at a time.
func (w Workload) Push(ctx context.Context, host string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for ref, img := range w.Refs() {
		g.Go(func() error { return Push(ctx, host, ref, img) })
	}
	return g.Wait()
}
