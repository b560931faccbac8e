package acr

import (
	"context"

	"github.com/google/go-containerregistry/pkg/authn"
)

// The small interfaces the Client satisfies, for consumers that want one capability
// and a fake of it. Consumers in other packages may declare their own subsets.

// NamespaceEnsurer makes a namespace exist with a configuration (runbook step 1).
type NamespaceEnsurer interface {
	EnsureNamespace(ctx context.Context, name string, spec NamespaceSpec) (NamespaceChange, error)
}

// TagLister lists a repository's tags with their digests by path ("namespace/repo").
type TagLister interface {
	TagsOf(ctx context.Context, path string) ([]Tag, error)
}

// EndpointResolver answers where the registry is reachable: its public SYSTEM domain and
// its IP inside a linked VPC. It has failover's Endpoints method set.
type EndpointResolver interface {
	PublicDomain(ctx context.Context) (string, error)
	VPCAddress(ctx context.Context, vpcID string) (string, error)
}

// TokenSource issues temporary registry credentials.
type TokenSource interface {
	GetAuthorizationToken(ctx context.Context) (Token, error)
}

// Namespaces reads and writes an instance's namespaces.
type Namespaces interface {
	GetNamespace(ctx context.Context, name string) (Namespace, error)
	ListNamespaces(ctx context.Context) ([]Namespace, error)
	EnsureNamespace(ctx context.Context, name string, spec NamespaceSpec) (NamespaceChange, error)
}

// Endpoints describes where an instance's registry is reachable.
type Endpoints interface {
	ListEndpoints(ctx context.Context) ([]Endpoint, error)
	GetVPCEndpoint(ctx context.Context) (VPCEndpoint, error)
}

// Repositories lists an instance's repositories and their tags with digests.
type Repositories interface {
	ListRepositories(ctx context.Context, namespace string) ([]Repository, error)
	TagsOf(ctx context.Context, path string) ([]Tag, error)
}

// Auth logs in to an instance's registry with temporary credentials.
type Auth interface {
	Authenticator(ctx context.Context) (*TokenAuthenticator, error)
}

var (
	_ Namespaces          = (*Client)(nil)
	_ Endpoints           = (*Client)(nil)
	_ Repositories        = (*Client)(nil)
	_ Auth                = (*Client)(nil)
	_ authn.Authenticator = (*TokenAuthenticator)(nil)
	_ NamespaceEnsurer    = (*Client)(nil)
	_ TagLister           = (*Client)(nil)
	_ EndpointResolver    = (*Client)(nil)
	_ TokenSource         = (*Client)(nil)
)
