package managed

import (
	"context"

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

var (
	_ NamespaceEnsurer     = (*acr.Client)(nil)
	_ lag.TagLister        = (*acr.Client)(nil)
	_ lag.RepositoryLister = (*acr.Client)(nil)
)
