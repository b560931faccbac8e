package lag

import "context"

// Tag is one tag of a destination repository and the manifest digest it points at.
type Tag struct {
	Name   string `json:"name"`
	Digest string `json:"digest"` // "sha256:<hex>"
}

// TagLister lists the tags of the destination repository at path ("namespace/repo") with
// their digests. A repository that does not exist has no tags (nil, nil).
// RegistryTagLister is one (registry HEADs); managed.ACR adapts *acr.Client (ACR EE's
// OpenAPI, one call per repository).
type TagLister interface {
	TagsOf(ctx context.Context, path string) ([]Tag, error)
}

// RepositoryLister is an optional extension of a TagLister, discovered by type assertion:
// listing a namespace's repository paths ("namespace/repo") lets Verify report extra
// repositories too. managed.ACR is one.
type RepositoryLister interface {
	RepositoryPaths(ctx context.Context, namespace string) ([]string, error)
}
