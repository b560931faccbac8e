package lag

import (
	"context"

	"github.com/regdr/regdr/acr"
)

// TagLister lists the tags of an ACR EE repository at path "namespace/repo" with their
// digests; a repository that does not exist is an error matching acr.ErrNotFound, or no
// tags. *acr.Client satisfies it (ListRepoTag); so does RegistryTagLister (registry HEADs).
type TagLister interface {
	TagsOf(ctx context.Context, path string) ([]acr.Tag, error)
}

// RepositoryLister is an optional extension of a TagLister, discovered by type assertion:
// listing a namespace's repositories lets Verify report extra repositories too.
// *acr.Client satisfies it.
type RepositoryLister interface {
	ListRepositories(ctx context.Context, namespace string) ([]acr.Repository, error)
}

var (
	_ TagLister        = (*acr.Client)(nil)
	_ RepositoryLister = (*acr.Client)(nil)
)
