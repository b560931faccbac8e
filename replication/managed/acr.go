package managed

import (
	"context"
	"errors"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/replication/lag"
)

// NamespaceEnsurer reads and ensures ACR EE namespaces (runbook step 1). *acr.Client
// satisfies it.
type NamespaceEnsurer interface {
	// GetNamespace returns the namespace, or an error matching acr.ErrNotFound.
	GetNamespace(ctx context.Context, name string) (acr.Namespace, error)
	// EnsureNamespace creates the namespace with spec or updates it to spec, and reports
	// what it changed.
	EnsureNamespace(ctx context.Context, name string, spec acr.NamespaceSpec) (acr.NamespaceChange, error)
}

var _ NamespaceEnsurer = (*acr.Client)(nil)

// ACRTags adapts an ACR EE client to lag's consumer-side interfaces, which speak plain
// values: it is a lag.TagLister (ListRepoTag: a repository's tags with digests in one
// call; a repository ACR EE does not have lists no tags) and a lag.RepositoryLister
// (ListRepository).
type ACRTags struct {
	Client *acr.Client
}

var (
	_ lag.TagLister        = ACRTags{}
	_ lag.RepositoryLister = ACRTags{}
)

// TagsOf lists the tags of the repository at path ("namespace/repo").
func (a ACRTags) TagsOf(ctx context.Context, path string) ([]lag.Tag, error) {
	tags, err := a.Client.TagsOf(ctx, path)
	if errors.Is(err, acr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]lag.Tag, len(tags))
	for i, t := range tags {
		out[i] = lag.Tag{Name: t.Tag, Digest: t.Digest}
	}
	return out, nil
}

// RepositoryPaths lists the paths ("namespace/repo") of namespace's repositories.
func (a ACRTags) RepositoryPaths(ctx context.Context, namespace string) ([]string, error) {
	repos, err := a.Client.ListRepositories(ctx, namespace)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(repos))
	for i, r := range repos {
		out[i] = r.Path()
	}
	return out, nil
}
