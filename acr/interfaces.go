package acr

import "context"

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

var (
	_ NamespaceEnsurer = (*Client)(nil)
	_ TagLister        = (*Client)(nil)
	_ EndpointResolver = (*Client)(nil)
	_ TokenSource      = (*Client)(nil)
)
