package acr

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
)

// Repository is an ACR EE repository, named Namespace/Name.
type Repository struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Type      string `json:"type,omitempty"` // PRIVATE or PUBLIC
	Status    string `json:"status,omitempty"`
}

// Path returns "namespace/name", the repository's path in the registry.
func (r Repository) Path() string { return r.Namespace + "/" + r.Name }

// Tag is one tag of a repository and the digest it points at.
type Tag struct {
	Tag string `json:"tag"`
	// Digest is "sha256:<hex>". ListRepoTag answers bare hex (fact pack cr.md, ListRepoTag:
	// SDK example and doc example); ListTags adds the prefix. That it is the tag's manifest
	// digest is unconfirmed (the personal-edition API calls it the image's sha256).
	Digest string `json:"digest"`
	// Size is ListRepoTag's ImageSize: the image's size in bytes as ACR reports it, not
	// the manifest's byte count.
	Size int64 `json:"size,omitempty"`
	// ImageID is ListRepoTag's ImageId, bare hex; it is not the manifest digest (which of
	// config digest or image ID it is, is unconfirmed).
	ImageID string `json:"image_id,omitempty"`
	Status  string `json:"status,omitempty"`
	// Updated is ListRepoTag's ImageUpdate and Created its ImageCreate, when ACR says:
	// epoch milliseconds, as strings (fact pack cr.md, ListRepoTag: SDK model and doc
	// example). Updated is taken as when the tag was last pushed (moved), Created as when
	// it was first; that ImageUpdate moves with a push of the tag to another image, rather
	// than only with the image, is unconfirmed.
	Updated time.Time `json:"updated,omitzero"`
	Created time.Time `json:"created,omitzero"`
}

// ListRepositories returns every repository of the namespace ("" = all namespaces), all
// pages.
func (c *Client) ListRepositories(ctx context.Context, namespace string) ([]Repository, error) {
	if namespace != "" {
		if err := ValidateNamespaceName(namespace); err != nil {
			return nil, err
		}
	}
	var out []Repository
	for page := int32(1); ; page++ {
		req := &cr.ListRepositoryRequest{InstanceId: tea.String(c.instanceID), PageNo: tea.Int32(page), PageSize: tea.Int32(c.pageSize())}
		if namespace != "" {
			req.RepoNamespaceName = tea.String(namespace)
		}
		var b *cr.ListRepositoryResponseBody
		err := c.call(ctx, "ListRepository", func(api api) (any, error) {
			r, err := api.ListRepositoryWithOptions(req, c.runtime)
			if err != nil {
				return nil, err
			}
			b = r.Body
			return b, nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing repositories: %w", err)
		}
		for _, r := range b.Repositories {
			if r == nil {
				continue
			}
			out = append(out, Repository{ID: str(r.RepoId), Namespace: str(r.RepoNamespaceName), Name: str(r.RepoName),
				Type: str(r.RepoType), Status: str(r.RepoStatus)})
		}
		if lastPage(len(b.Repositories), len(out), str(b.TotalCount), c.pageSize()) {
			return out, nil
		}
	}
}

// GetRepository returns the repository at path "namespace/name"; ErrNotFound when missing.
// name may have several tiers ("ns/agent/client/prod"): Enterprise Edition supports
// multi-tier repository names (ACR terms page); whether the OpenAPI takes them in RepoName
// is unconfirmed (fact pack cr.md, CreateRepository).
func (c *Client) GetRepository(ctx context.Context, path string) (Repository, error) {
	ns, name, ok := strings.Cut(path, "/")
	if !ok || name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
		return Repository{}, fmt.Errorf("acr: %w: repository %q is not namespace/name", ErrInvalidArgument, path)
	}
	if err := ValidateNamespaceName(ns); err != nil {
		return Repository{}, err
	}
	var b *cr.GetRepositoryResponseBody
	err := c.call(ctx, "GetRepository", func(api api) (any, error) {
		r, err := api.GetRepositoryWithOptions(&cr.GetRepositoryRequest{
			InstanceId: tea.String(c.instanceID), RepoNamespaceName: tea.String(ns), RepoName: tea.String(name),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return Repository{}, fmt.Errorf("getting repository %q: %w", path, err)
	}
	return Repository{ID: str(b.RepoId), Namespace: str(b.RepoNamespaceName), Name: str(b.RepoName),
		Type: str(b.RepoType), Status: str(b.RepoStatus)}, nil
}

// ListTags returns every tag of the repository with ID repoID, with digests, all pages.
func (c *Client) ListTags(ctx context.Context, repoID string) ([]Tag, error) {
	if repoID == "" {
		return nil, fmt.Errorf("acr: %w: empty repository ID", ErrInvalidArgument)
	}
	var out []Tag
	for page := int32(1); ; page++ {
		var b *cr.ListRepoTagResponseBody
		err := c.call(ctx, "ListRepoTag", func(api api) (any, error) {
			r, err := api.ListRepoTagWithOptions(&cr.ListRepoTagRequest{
				InstanceId: tea.String(c.instanceID), RepoId: tea.String(repoID),
				PageNo: tea.Int32(page), PageSize: tea.Int32(c.pageSize()),
			}, c.runtime)
			if err != nil {
				return nil, err
			}
			b = r.Body
			return b, nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing tags of repository %s: %w", repoID, err)
		}
		for _, im := range b.Images {
			if im == nil {
				continue
			}
			var size int64
			if im.ImageSize != nil {
				size = *im.ImageSize
			}
			tag := Tag{Tag: str(im.Tag), Digest: NormalizeDigest(str(im.Digest)), Size: size, Status: str(im.Status), ImageID: str(im.ImageId)}
			tag.Updated, tag.Created = epochMillis(str(im.ImageUpdate)), epochMillis(str(im.ImageCreate))
			out = append(out, tag)
		}
		if lastPage(len(b.Images), len(out), str(b.TotalCount), c.pageSize()) {
			return out, nil
		}
	}
}

// epochMillis reads an epoch-milliseconds string; zero when it is empty or not a
// positive number.
func epochMillis(s string) time.Time {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

// TagsOf returns the tags of the repository at path "namespace/name" with their digests;
// ErrNotFound when the repository does not exist.
func (c *Client) TagsOf(ctx context.Context, path string) ([]Tag, error) {
	r, err := c.GetRepository(ctx, path)
	if err != nil {
		return nil, err
	}
	return c.ListTags(ctx, r.ID)
}

// NormalizeDigest returns a sha256 digest as "sha256:<hex>" whether d is bare hex (as
// ListRepoTag answers) or already prefixed; anything else comes back unchanged.
func NormalizeDigest(d string) string {
	hex := strings.TrimPrefix(d, "sha256:")
	if l := strings.ToLower(hex); len(l) == 64 && isLowerHex(l) {
		return "sha256:" + l
	}
	return d
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
