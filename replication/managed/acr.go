package managed

import (
	"context"
	"errors"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/replication/lag"
)

// Namespace is what a plan reads of an ACR EE namespace (runbook step 1).
type Namespace struct {
	// AutoCreateRepo: a push to a repository that does not exist creates it.
	AutoCreateRepo bool
	// DefaultRepoType is "PRIVATE" or "PUBLIC", the type of such repositories.
	DefaultRepoType string
}

// NamespaceEnsurer reads and ensures ACR EE namespaces (runbook step 1), in values this
// package owns. ACR adapts *acr.Client.
type NamespaceEnsurer interface {
	// GetNamespace returns the namespace; found is false when there is none.
	GetNamespace(ctx context.Context, name string) (ns Namespace, found bool, err error)
	// EnsureNamespace creates the namespace as want or updates it to want.
	EnsureNamespace(ctx context.Context, name string, want Namespace) error
}

// ACR adapts an ACR EE client to the consumer-side interfaces of this package and of
// lag, which speak plain values: a NamespaceEnsurer (GetNamespace, CreateNamespace,
// UpdateNamespace), a lag.TagLister (ListRepoTag: a repository's tags with digests and
// push times in one call; a repository ACR EE does not have lists no tags) and a lag.RepositoryLister
// (ListRepository). Use it for Clients.Namespaces and Clients.Tags:
// Clients{Namespaces: ACR{Client: ac}, Tags: ACR{Client: ac}}.
type ACR struct {
	Client *acr.Client
}

var (
	_ NamespaceEnsurer     = ACR{}
	_ lag.TagLister        = ACR{}
	_ lag.RepositoryLister = ACR{}
)

// GetNamespace reads the namespace called name.
func (a ACR) GetNamespace(ctx context.Context, name string) (Namespace, bool, error) {
	ns, err := a.Client.GetNamespace(ctx, name)
	if errors.Is(err, acr.ErrNotFound) {
		return Namespace{}, false, nil
	}
	if err != nil {
		return Namespace{}, false, err
	}
	return Namespace{AutoCreateRepo: ns.AutoCreateRepo, DefaultRepoType: ns.DefaultRepoType}, true, nil
}

// EnsureNamespace creates or updates the namespace called name to want.
func (a ACR) EnsureNamespace(ctx context.Context, name string, want Namespace) error {
	_, err := a.Client.EnsureNamespace(ctx, name, acr.NamespaceSpec{AutoCreateRepo: want.AutoCreateRepo, DefaultRepoType: want.DefaultRepoType})
	return err
}

// TagsOf lists the tags of the repository at path ("namespace/repo").
func (a ACR) TagsOf(ctx context.Context, path string) ([]lag.Tag, error) {
	tags, err := a.Client.TagsOf(ctx, path)
	if errors.Is(err, acr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]lag.Tag, len(tags))
	for i, t := range tags {
		// When the tag was pushed ages what ACR EE holds that Harbor lacks (the reverse
		// lag's OldestMissing): ImageUpdate, else ImageCreate (acr.Tag).
		pushed := t.Updated
		if pushed.IsZero() {
			pushed = t.Created
		}
		out[i] = lag.Tag{Name: t.Tag, Digest: t.Digest, PushTime: pushed}
	}
	return out, nil
}

// RepositoryPaths lists the paths ("namespace/repo") of namespace's repositories.
func (a ACR) RepositoryPaths(ctx context.Context, namespace string) ([]string, error) {
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

// CheckRegistryLogin asks ACR EE for temporary registry credentials (GetAuthorizationToken)
// with the client's own identity: a RAM user never activated in ACR fails with
// acr.ErrUserNotActivated. Compute calls it only to diagnose a failed connection test.
func (a ACR) CheckRegistryLogin(ctx context.Context) error {
	_, err := a.Client.GetAuthorizationToken(ctx)
	return err
}
