package replication

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/regdr/regdr/acr"
)

// RegistryTagLister is a TagLister over any registry's distribution API: tags/list, then
// one manifest HEAD per tag for its digest. ACR's ListRepoTag gives digests in one call and
// is cheaper; this one needs nothing but registry credentials. It speaks through the sync
// engine's client, so it shares its guarantees: HTTPS unless the endpoint says otherwise, no
// fallback to plain HTTP, every request bounded by an idle timeout, retries with backoff,
// and a registry that answers nothing for a while is declared down (ErrSyncRegistryDown).
type RegistryTagLister struct {
	c *syncClient
}

var (
	_ TagLister       = (*RegistryTagLister)(nil)
	_ ManifestChecker = (*RegistryTagLister)(nil)
)

// NewRegistryTagLister returns a TagLister for the registry ep.
func NewRegistryTagLister(ep SyncEndpoint) *RegistryTagLister {
	return &RegistryTagLister{c: newSyncClient(ep, nil, false)}
}

// TagsOf lists the tags of repo ("namespace/name") and HEADs each for its digest, four at
// a time. A repository that does not exist has no tags.
func (l *RegistryTagLister) TagsOf(ctx context.Context, repo string) ([]acr.Tag, error) {
	if err := ValidateRepositoryName(repo); err != nil {
		return nil, err
	}
	tags, err := syncListTags(ctx, l.c, repo, "")
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s in %s: %w", repo, l.c.ep, err)
	}
	found := make([]acr.Tag, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, t := range tags {
		g.Go(func() error {
			d, ok, err := l.c.headManifest(gctx, repo, t)
			if err != nil {
				return fmt.Errorf("reading %s:%s in %s: %w", repo, t, l.c.ep, err)
			}
			if ok { // else deleted between the listing and the HEAD
				found[i] = acr.Tag{Tag: t, Digest: d}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]acr.Tag, 0, len(tags))
	for _, t := range found {
		if t.Tag != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// HasManifest HEADs the manifest digest in repo.
func (l *RegistryTagLister) HasManifest(ctx context.Context, repo, digest string) (bool, error) {
	if err := ValidateRepositoryName(repo); err != nil {
		return false, err
	}
	_, ok, err := l.c.headManifest(ctx, repo, digest)
	if err != nil {
		return false, fmt.Errorf("reading %s@%s in %s: %w", repo, digest, l.c.ep, err)
	}
	return ok, nil
}
