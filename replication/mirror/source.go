package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/regdr/regdr/replication"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Source lists what a sync may copy. The plain-registry implementation
// (NewRegistrySource) uses the catalog and tag lists of the distribution API; listings that
// already know digests and labels — Harbor's artifact API, ACR's ListRepoTag — satisfy it
// through adapters and save the per-tag HEAD requests.
type Source interface {
	// Repositories returns every repository path of the source, e.g. "library/nginx".
	Repositories(ctx context.Context) ([]string, error)
	// Tags returns repo's tags. A Tag without a Digest is resolved by the Syncer (one
	// manifest HEAD).
	Tags(ctx context.Context, repo string) ([]Tag, error)
}

// ReferrersSource is an optional extension of Source, discovered by type
// assertion: a listing that already knows what refers to each image (Harbor lists an
// artifact's accessories with it) answers here instead of the OCI referrers API, saving a
// request per image.
type ReferrersSource interface {
	Source
	// Referrers returns the digests of the manifests whose subject is digest in repo.
	Referrers(ctx context.Context, repo, digest string) ([]string, error)
}

// Tag is one tag of a source repository.
type Tag struct {
	Name   string   `json:"name"`
	Digest string   `json:"digest,omitempty"`
	Labels []string `json:"labels,omitempty"`
}

// RegistrySource is a Source over a plain registry's /v2/_catalog and tags/list,
// following pagination (Link headers).
type RegistrySource struct {
	c *registryClient
	// PageSize is the n parameter of each listing request. Zero: the registry's default
	// (some refuse an n above their own maximum).
	PageSize int
}

var _ Source = (*RegistrySource)(nil)

// NewRegistrySource returns a Source listing ep through the distribution API.
func NewRegistrySource(ep Endpoint) *RegistrySource {
	return &RegistrySource{c: newSyncClient(ep, nil, false)}
}

// String names the registry, never credentials.
func (s *RegistrySource) String() string { return "registry " + s.ep().String() }

func (s *RegistrySource) ep() Endpoint {
	if s == nil || s.c == nil {
		return Endpoint{}
	}
	return s.c.ep
}

// Format prints the source as String does under every verb (%#v as a Go-like value):
// it holds the registry's credentials, which fmt would otherwise print field by field.
func (s *RegistrySource) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "&mirror.RegistrySource{Registry: %#v}", s.ep())
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalJSON writes the registry, redacted, and the page size.
func (s *RegistrySource) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Registry Endpoint `json:"registry"`
		PageSize int      `json:"page_size,omitempty"`
	}{s.ep(), s.pageSizeOrZero()})
}

// LogValue is what slog records: the registry, redacted.
func (s *RegistrySource) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("registry", s.ep()), slog.Int("pageSize", s.pageSizeOrZero()))
}

func (s *RegistrySource) pageSizeOrZero() int {
	if s == nil {
		return 0
	}
	return s.PageSize
}

func (s *RegistrySource) pageSize() string {
	if s.PageSize > 0 {
		return fmt.Sprint(s.PageSize)
	}
	return ""
}

// Repositories pages through /v2/_catalog.
func (s *RegistrySource) Repositories(ctx context.Context) ([]string, error) {
	var repos []string
	path := "/v2/_catalog"
	if n := s.pageSize(); n != "" {
		path += "?n=" + n
	}
	pages := newPager(s.c, path)
	for path != "" {
		var page struct {
			Repositories []string `json:"repositories"`
		}
		next, _, err := s.c.getJSON(ctx, path, &page, false)
		if err == nil {
			next, err = pages.next(next)
		}
		if denied(err) {
			return nil, fmt.Errorf("listing repositories of %s (registries such as Harbor grant the catalog to no token: list them through their API, Source): %w", s.c.ep, err)
		}
		if err != nil {
			return nil, fmt.Errorf("listing repositories of %s: %w", s.c.ep, err)
		}
		repos = append(repos, page.Repositories...)
		path = next
	}
	sort.Strings(repos)
	return slices.Compact(repos), nil // a listing changed between pages names one twice
}

// denied reports whether err is a registry's (or its token service's) 401 or 403.
func denied(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden
	}
	var te *transport.Error
	return errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden)
}

// Tags pages through /v2/<repo>/tags/list. A repository that does not exist has no tags.
func (s *RegistrySource) Tags(ctx context.Context, repo string) ([]Tag, error) {
	names, err := listTags(ctx, s.c, repo, s.pageSize())
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, len(names))
	for i, n := range names {
		tags[i] = Tag{Name: n}
	}
	return tags, nil
}

// Digest HEADs the manifest ref (a tag or a digest) of repo and returns its digest; found is
// false when the registry has no such manifest.
func (s *RegistrySource) Digest(ctx context.Context, repo, ref string) (digest string, found bool, err error) {
	if err := replication.ValidateRepositoryName(repo); err != nil {
		return "", false, err
	}
	d, ok, err := s.c.headManifest(ctx, repo, ref)
	if err != nil {
		return "", false, fmt.Errorf("reading %s:%s in %s: %w", repo, ref, s.c.ep, err)
	}
	return d, ok, nil
}

func listTags(ctx context.Context, c *registryClient, repo, pageSize string) ([]string, error) {
	var tags []string
	path := "/v2/" + repo + "/tags/list"
	if pageSize != "" {
		path += "?" + url.Values{"n": {pageSize}}.Encode()
	}
	pages := newPager(c, path)
	for path != "" {
		var page struct {
			Tags []string `json:"tags"`
		}
		next, found, err := c.getJSON(ctx, path, &page, true)
		if err == nil {
			next, err = pages.next(next)
		}
		if err != nil {
			return nil, fmt.Errorf("listing tags of %s: %w", repo, err)
		}
		if !found {
			break
		}
		tags = append(tags, page.Tags...)
		path = next
	}
	sort.Strings(tags)
	return slices.Compact(tags), nil // a listing changed between pages names one twice
}
