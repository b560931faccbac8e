package lag

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
)

// RegistryTagLister is a TagLister over any registry's distribution API: tags/list, then
// one manifest HEAD per tag for its digest. ACR's ListRepoTag gives digests in one call and
// is cheaper; this one needs nothing but registry credentials.
type RegistryTagLister struct {
	ep mirror.Endpoint
}

var (
	_ TagLister       = (*RegistryTagLister)(nil)
	_ ManifestChecker = (*RegistryTagLister)(nil)
)

// NewRegistryTagLister returns a TagLister for the registry ep.
func NewRegistryTagLister(ep mirror.Endpoint) *RegistryTagLister { return &RegistryTagLister{ep: ep} }

func (l *RegistryTagLister) options(ctx context.Context) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx)}
	switch {
	case l.ep.Auth != nil:
		opts = append(opts, remote.WithAuth(l.ep.Auth))
	case l.ep.Keychain != nil:
		opts = append(opts, remote.WithAuthFromKeychain(l.ep.Keychain))
	default:
		opts = append(opts, remote.WithAuth(authn.Anonymous))
	}
	if l.ep.Transport != nil {
		opts = append(opts, remote.WithTransport(l.ep.Transport))
	}
	return opts
}

// TagsOf lists the tags of repo ("namespace/name") and HEADs each for its digest, four at
// a time. A repository that does not exist has no tags.
func (l *RegistryTagLister) TagsOf(ctx context.Context, repo string) ([]Tag, error) {
	r, err := l.repository(repo)
	if err != nil {
		return nil, err
	}
	opts := l.options(ctx)
	tags, err := remote.List(r, opts...)
	if isRegistryNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", r, err)
	}
	found := make([]Tag, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, t := range tags {
		g.Go(func() error {
			d, err := remote.Head(r.Tag(t), l.options(gctx)...)
			if isRegistryNotFound(err) {
				return nil // deleted between the listing and the HEAD
			}
			if err != nil {
				return fmt.Errorf("reading %s:%s: %w", r, t, err)
			}
			found[i] = Tag{Name: t, Digest: d.Digest.String()}
			return nil
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
	r, err := l.repository(repo)
	if err != nil {
		return false, err
	}
	_, err = remote.Head(r.Digest(digest), l.options(ctx)...)
	if isRegistryNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s@%s: %w", r, digest, err)
	}
	return true, nil
}

// repository names repo ("namespace/name") in the registry.
func (l *RegistryTagLister) repository(repo string) (name.Repository, error) {
	var nopts []name.Option
	if l.ep.PlainHTTP {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.NewRepository(l.ep.Registry+"/"+repo, nopts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("%w: %q: %w", replication.ErrInvalidName, repo, err)
	}
	return r, nil
}

func isRegistryNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// Format implements fmt.Formatter: the lister shows its registry's (redacted) host only,
// under every verb; its authenticator may hold a password.
func (l *RegistryTagLister) Format(f fmt.State, verb rune) {
	if l == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	_, _ = fmt.Fprintf(f, "RegistryTagLister(%s)", l.ep)
}

var _ fmt.Formatter = (*RegistryTagLister)(nil)
