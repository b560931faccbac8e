package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// SyncSource lists what a sync may copy. The plain-registry implementation
// (NewSyncRegistrySource) uses the catalog and tag lists of the distribution API; listings that
// already know digests and labels — Harbor's artifact API, ACR's ListRepoTag — satisfy it
// through adapters and save the per-tag HEAD requests.
type SyncSource interface {
	// Repositories returns every repository path of the source, e.g. "library/nginx".
	Repositories(ctx context.Context) ([]string, error)
	// Tags returns repo's tags. A SyncTag without a Digest is resolved by the Syncer (one
	// manifest HEAD).
	Tags(ctx context.Context, repo string) ([]SyncTag, error)
}

// SyncReferrersSource is an optional extension of SyncSource, discovered by type
// assertion: a listing that already knows what refers to each image (Harbor lists an
// artifact's accessories with it) answers here instead of the OCI referrers API, saving a
// request per image.
type SyncReferrersSource interface {
	SyncSource
	// Referrers returns the digests of the manifests whose subject is digest in repo.
	Referrers(ctx context.Context, repo, digest string) ([]string, error)
}

// SyncTag is one tag of a source repository.
type SyncTag struct {
	Name   string   `json:"name"`
	Digest string   `json:"digest,omitempty"`
	Labels []string `json:"labels,omitempty"`
}

// SyncRegistrySource is a SyncSource over a plain registry's /v2/_catalog and tags/list,
// following pagination (Link headers).
type SyncRegistrySource struct {
	c *syncClient
	// PageSize is the n parameter of each listing request. Zero: the registry's default
	// (some refuse an n above their own maximum).
	PageSize int
}

var _ SyncSource = (*SyncRegistrySource)(nil)

// NewSyncRegistrySource returns a SyncSource listing ep through the distribution API.
func NewSyncRegistrySource(ep SyncEndpoint) *SyncRegistrySource {
	return &SyncRegistrySource{c: newSyncClient(ep, nil, false)}
}

// String names the registry, never credentials.
func (s *SyncRegistrySource) String() string { return "registry " + s.ep().String() }

func (s *SyncRegistrySource) ep() SyncEndpoint {
	if s == nil || s.c == nil {
		return SyncEndpoint{}
	}
	return s.c.ep
}

// Format prints the source as String does under every verb (%#v as a Go-like value):
// it holds the registry's credentials, which fmt would otherwise print field by field.
func (s *SyncRegistrySource) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "&replication.SyncRegistrySource{Registry: %#v}", s.ep())
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalJSON writes the registry, redacted, and the page size.
func (s *SyncRegistrySource) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Registry SyncEndpoint `json:"registry"`
		PageSize int          `json:"pageSize,omitempty"`
	}{s.ep(), s.pageSizeOrZero()})
}

// LogValue is what slog records: the registry, redacted.
func (s *SyncRegistrySource) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("registry", s.ep()), slog.Int("pageSize", s.pageSizeOrZero()))
}

func (s *SyncRegistrySource) pageSizeOrZero() int {
	if s == nil {
		return 0
	}
	return s.PageSize
}

func (s *SyncRegistrySource) pageSize() string {
	if s.PageSize > 0 {
		return fmt.Sprint(s.PageSize)
	}
	return ""
}

// Repositories pages through /v2/_catalog.
func (s *SyncRegistrySource) Repositories(ctx context.Context) ([]string, error) {
	var repos []string
	path := "/v2/_catalog"
	if n := s.pageSize(); n != "" {
		path += "?n=" + n
	}
	for path != "" {
		var page struct {
			Repositories []string `json:"repositories"`
		}
		next, _, err := s.c.getJSON(ctx, path, &page, false)
		if syncDenied(err) {
			return nil, fmt.Errorf("listing repositories of %s (registries such as Harbor grant the catalog to no token: list them through their API, HarborSyncSource): %w", s.c.ep, err)
		}
		if err != nil {
			return nil, fmt.Errorf("listing repositories of %s: %w", s.c.ep, err)
		}
		repos = append(repos, page.Repositories...)
		path = next
	}
	sort.Strings(repos)
	return repos, nil
}

// syncDenied reports whether err is a registry's (or its token service's) 401 or 403.
func syncDenied(err error) bool {
	var he *SyncHTTPError
	if errors.As(err, &he) {
		return he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden
	}
	var te *transport.Error
	return errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden)
}

// Tags pages through /v2/<repo>/tags/list. A repository that does not exist has no tags.
func (s *SyncRegistrySource) Tags(ctx context.Context, repo string) ([]SyncTag, error) {
	names, err := syncListTags(ctx, s.c, repo, s.pageSize())
	if err != nil {
		return nil, err
	}
	tags := make([]SyncTag, len(names))
	for i, n := range names {
		tags[i] = SyncTag{Name: n}
	}
	return tags, nil
}

func syncListTags(ctx context.Context, c *syncClient, repo, pageSize string) ([]string, error) {
	var tags []string
	path := "/v2/" + repo + "/tags/list"
	if pageSize != "" {
		path += "?" + url.Values{"n": {pageSize}}.Encode()
	}
	for path != "" {
		var page struct {
			Tags []string `json:"tags"`
		}
		next, found, err := c.getJSON(ctx, path, &page, true)
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
	return tags, nil
}
