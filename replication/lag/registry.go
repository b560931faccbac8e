package lag

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/regdr/regdr/replication/mirror"
)

// RegistryTagLister is a TagLister over any registry's distribution API: tags/list, then
// one manifest HEAD per tag for its digest. ACR's ListRepoTag gives digests in one call and
// is cheaper; this one needs nothing but registry credentials. It speaks through the sync
// engine's client (a mirror.RegistrySource), so it shares its guarantees: HTTPS unless the
// endpoint says otherwise, no fallback to plain HTTP, every request bounded by an idle
// timeout, retries with backoff, a certificate that does not verify reported at once, and a
// registry that answers nothing for a while declared down (mirror.ErrRegistryDown).
type RegistryTagLister struct {
	src *mirror.RegistrySource
}

var (
	_ TagLister       = (*RegistryTagLister)(nil)
	_ ManifestChecker = (*RegistryTagLister)(nil)
)

// NewRegistryTagLister returns a TagLister for the registry ep.
func NewRegistryTagLister(ep mirror.Endpoint) *RegistryTagLister {
	return &RegistryTagLister{src: mirror.NewRegistrySource(ep)}
}

// TagsOf lists the tags of repo ("namespace/name") and HEADs each for its digest, four at
// a time. A repository that does not exist has no tags.
func (l *RegistryTagLister) TagsOf(ctx context.Context, repo string) ([]Tag, error) {
	tags, err := l.src.Tags(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s in %s: %w", repo, l.src, err)
	}
	found := make([]Tag, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, t := range tags {
		g.Go(func() error {
			d, ok, err := l.src.Digest(gctx, repo, t.Name)
			if ok { // else deleted between the listing and the HEAD
				found[i] = Tag{Name: t.Name, Digest: d}
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(tags))
	for _, t := range found {
		if t.Name != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// HasManifest HEADs the manifest digest in repo.
func (l *RegistryTagLister) HasManifest(ctx context.Context, repo, digest string) (bool, error) {
	_, ok, err := l.src.Digest(ctx, repo, digest)
	return ok, err
}

// Format implements fmt.Formatter: the lister shows its registry's (redacted) host only,
// under every verb; its authenticator may hold a password.
func (l *RegistryTagLister) Format(f fmt.State, verb rune) {
	if l == nil || l.src == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	_, _ = fmt.Fprintf(f, "RegistryTagLister(%s)", l.src)
}

var _ fmt.Formatter = (*RegistryTagLister)(nil)
