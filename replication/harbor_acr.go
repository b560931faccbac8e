package replication

import (
	"context"

	"github.com/regdr/regdr/acr"
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
	_ NamespaceEnsurer = (*acr.Client)(nil)
	_ TagLister        = (*acr.Client)(nil)
	_ RepositoryLister = (*acr.Client)(nil)
)
