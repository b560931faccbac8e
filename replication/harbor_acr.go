package replication

import (
	"context"
	"time"
)

// ACRNamespace is an ACR EE namespace as Harbor replication needs to see it.
type ACRNamespace struct {
	Name            string
	AutoCreateRepo  bool
	DefaultRepoType string // "PRIVATE" or "PUBLIC"
}

// NamespaceEnsurer reads and ensures ACR EE namespaces (runbook step 1).
type NamespaceEnsurer interface {
	// GetNamespace returns the namespace, or nil and no error when it does not exist.
	GetNamespace(ctx context.Context, name string) (*ACRNamespace, error)
	// EnsureNamespace creates the namespace (auto-create repository ON, default repository
	// type PRIVATE) or switches auto-create on, and reports whether it changed anything.
	EnsureNamespace(ctx context.Context, name string) (changed bool, err error)
}

// ACRTag is one tag of an ACR EE repository.
type ACRTag struct {
	Tag    string
	Digest string
	// Updated is when the tag last moved, if known.
	Updated time.Time
}

// TagLister lists what an ACR EE repository ("namespace/repo") holds. A repository that
// does not exist has no tags.
type TagLister interface {
	ListTags(ctx context.Context, repo string) ([]ACRTag, error)
}

// RepositoryLister is an optional extension of TagLister, discovered by type assertion:
// listing a namespace's repositories lets Verify report extra repositories too.
type RepositoryLister interface {
	ListRepositories(ctx context.Context, namespace string) ([]string, error)
}
