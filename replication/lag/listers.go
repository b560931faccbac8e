package lag

import (
	"context"
	"time"
)

// Tag is one tag of a destination repository and the manifest digest it points at.
type Tag struct {
	Name   string `json:"name"`
	Digest string `json:"digest"` // "sha256:<hex>"
	// PushTime is when the tag was pushed, if the lister knows (zero otherwise): the
	// reverse lag ages what ACR EE holds that Harbor lacks by it.
	PushTime time.Time `json:"push_time,omitzero"`
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

// Source lists what the destination should hold, in values this package owns.
// managed.Source lists Harbor through its API.
type Source interface {
	// Repositories lists the source repositories to check.
	Repositories(ctx context.Context) ([]string, error)
	// Artifacts lists repo's artifacts.
	Artifacts(ctx context.Context, repo string) ([]SourceArtifact, error)
}

// SourceArtifact is one artifact of a source repository.
type SourceArtifact struct {
	Digest   string
	Tags     []string
	Labels   []string
	PushTime time.Time
	// Accessories are the artifacts attached to it: signatures, SBOMs…
	Accessories []Accessory
}

// Accessory is an artifact attached to another: its type ("signature.cosign"…) and digest.
type Accessory struct {
	Type, Digest string
}
