package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Registry is a registry served on 127.0.0.1 for one test.
type Registry struct {
	Server *httptest.Server
	// Host is "127.0.0.1:PORT", what go-containerregistry and regdr take as a registry name.
	Host string
}

// NewGGCRRegistry serves go-containerregistry's pkg/registry, with the OCI referrers API,
// wrapping its handler with wrap (nil: none). It is closed when the test ends. Like the
// registry it serves, it has one blob store for all repositories (a blob pushed to one
// repository is found in every other) and cannot mount.
func NewGGCRRegistry(t testing.TB, wrap func(http.Handler) http.Handler) *Registry {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	return serve(t, h, wrap)
}

// DistributionOptions tunes NewDistribution.
type DistributionOptions struct {
	// CatalogMaxEntries caps one catalog page, to exercise pagination. The default (0) is
	// 1000, the CNCF distribution registry's; negative is refused.
	CatalogMaxEntries int
}

// defaultCatalogEntries is the page a catalog request without n gets (capped by
// CatalogMaxEntries), as in the CNCF distribution registry (registry/handlers/catalog.go).
const defaultCatalogEntries = 100

// NewDistribution serves, in process on 127.0.0.1, a registry that behaves as the CNCF
// distribution registry — the one Harbor runs — does where regdr's sync engine can tell
// the difference from go-containerregistry's pkg/registry, which it is built on:
//
//   - blobs belong to repositories: a blob pushed to (or mounted into) one repository is
//     unknown in another, so a client must push or mount it there;
//   - cross-repository mounts (POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>)
//     answer 201 Created when <repo> has the blob, and open an upload (202) when it does
//     not;
//   - a manifest is refused (MANIFEST_BLOB_UNKNOWN) until its blobs, or an index's
//     manifests, are in its repository;
//   - there is no referrers API (distribution v3 has none): clients fall back to the
//     OCI spec's referrers tag schema (sha256-<digest> tags);
//   - the catalog pages with n and last, in lexical order, with a Link header to the next
//     page, and refuses an n above CatalogMaxEntries.
//
// It keeps the name it had when it ran the distribution registry itself, which dragged
// ~40 modules into regdr's go.mod for one test helper.
func NewDistribution(t testing.TB, opts DistributionOptions, wrap func(http.Handler) http.Handler) *Registry {
	t.Helper()
	if opts.CatalogMaxEntries < 0 {
		t.Fatalf("NewDistribution: CatalogMaxEntries %d < 0", opts.CatalogMaxEntries)
	}
	if opts.CatalogMaxEntries == 0 {
		opts.CatalogMaxEntries = 1000
	}
	return serve(t, newDistribution(opts), wrap)
}

func serve(t testing.TB, h http.Handler, wrap func(http.Handler) http.Handler) *Registry {
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return &Registry{Server: srv, Host: strings.TrimPrefix(srv.URL, "http://")}
}

// distribution adds per-repository blobs, mounts and catalog pagination to ggcr's registry.
type distribution struct {
	blobs      *repoBlobs
	ggcr       http.Handler
	maxEntries int
}

func newDistribution(opts DistributionOptions) *distribution {
	b := &repoBlobs{data: map[v1.Hash][]byte{}, in: map[string]map[v1.Hash]bool{}}
	return &distribution{
		blobs:      b,
		ggcr:       registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithBlobHandler(b)),
		maxEntries: opts.CatalogMaxEntries,
	}
}

// repoKey carries the repository a blob request names to the blob handler: ggcr's
// registry derives it wrongly for an upload's closing PUT (/v2/<name>/blobs/uploads/<id>
// gives "<name>/blobs").
type repoKey struct{}

// blobRepo returns the <name> of a /v2/<name>/blobs/... path.
func blobRepo(path string) (string, bool) {
	i := strings.LastIndex(path, "/blobs/")
	if !strings.HasPrefix(path, "/v2/") || i < len("/v2/") {
		return "", false
	}
	return path[len("/v2/"):i], true
}

// repoOf returns the repository the request named, or what ggcr derived.
func repoOf(ctx context.Context, ggcr string) string {
	if name, ok := ctx.Value(repoKey{}).(string); ok {
		return name
	}
	return ggcr
}

func (d *distribution) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if name, ok := blobRepo(r.URL.Path); ok {
		r = r.WithContext(context.WithValue(r.Context(), repoKey{}, name))
	}
	switch {
	case r.URL.Path == "/v2/_catalog" && r.Method == http.MethodGet:
		d.catalog(w, r)
	case r.Method == http.MethodPost && r.URL.Query().Get("mount") != "" && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/blobs/uploads"):
		if !d.mount(w, r) {
			d.ggcr.ServeHTTP(w, r) // not mountable: ggcr ignores mount and opens an upload
		}
	case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/"):
		d.putManifest(w, r)
	default:
		d.ggcr.ServeHTTP(w, r)
	}
}

// putManifest refuses a manifest whose config, layers or (for an index) child manifests
// are not in its repository with 400 MANIFEST_BLOB_UNKNOWN — an error code of the OCI
// distribution spec ("Error Codes", code-7) that the distribution registry returns where
// ggcr's registry accepts anything — and hands the rest to ggcr.
func (d *distribution) putManifest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeRegistryError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	name := strings.TrimPrefix(r.URL.Path[:strings.LastIndex(r.URL.Path, "/manifests/")], "/v2/")
	var m struct {
		Config *struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Layers []struct {
			Digest string   `json:"digest"`
			URLs   []string `json:"urls"` // foreign layers live elsewhere
		} `json:"layers"`
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if json.Unmarshal(body, &m) == nil {
		var blobs []string
		if m.Config != nil {
			blobs = append(blobs, m.Config.Digest)
		}
		for _, l := range m.Layers {
			if len(l.URLs) == 0 {
				blobs = append(blobs, l.Digest)
			}
		}
		for _, b := range blobs {
			h, err := v1.NewHash(b)
			if err != nil || !d.blobs.holds(name, h) {
				writeRegistryError(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry: "+b)
				return
			}
		}
		for _, c := range m.Manifests {
			req := httptest.NewRequestWithContext(r.Context(), http.MethodHead, "/v2/"+name+"/manifests/"+c.Digest, nil)
			rec := httptest.NewRecorder()
			d.ggcr.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				writeRegistryError(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN", "manifest unknown to registry: "+c.Digest)
				return
			}
		}
	}
	d.ggcr.ServeHTTP(w, r)
}

// mount links a blob of repository from into the repository of r's path and answers 201,
// as the OCI distribution spec's "Mounting a blob from another repository" (spec.md,
// Push, v1.1) says: "If the registry does not support cross-repository mounting or is
// unable to mount the requested blob, it SHOULD return a 202" — which it leaves to the
// caller by returning false. Like the distribution registry, it does not look for the
// blob elsewhere when from is missing.
func (d *distribution) mount(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	h, err := v1.NewHash(q.Get("mount"))
	from := q.Get("from")
	if err != nil || from == "" {
		return false
	}
	name, ok := blobRepo(r.URL.Path)
	if !ok || !d.blobs.link(from, name, h) {
		return false
	}
	w.Header().Set("Location", "/v2/"+name+"/blobs/"+h.String())
	w.Header().Set("Docker-Content-Digest", h.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return true
}

// catalog lists repositories a page at a time. The catalog is not part of the OCI
// distribution spec; its paging is the distribution registry's (docs/spec/api.md,
// "Listing Repositories" and "Pagination"), the same n/last/Link scheme as the OCI spec's
// tag listing ("Listing Tags", end-8b): n entries at most, those lexically after last,
// and a Link: <url>; rel="next" header while more remain. An n that is not a number, is
// negative or is above the configured maximum is refused with PAGINATION_NUMBER_INVALID,
// as distribution v3 does.
func (d *distribution) catalog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	entries := min(defaultCatalogEntries, d.maxEntries)
	if ns := q.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 || n > d.maxEntries {
			writeRegistryError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", fmt.Sprintf("invalid number of results requested: n=%s", ns))
			return
		}
		entries = n
	}
	all, err := d.repositories(r.Context())
	if err != nil {
		writeRegistryError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	if last := q.Get("last"); last != "" {
		i, _ := slices.BinarySearch(all, last)
		for i < len(all) && all[i] <= last {
			i++
		}
		all = all[i:]
	}
	page := all[:min(entries, len(all))]
	if len(page) > 0 && len(page) < len(all) {
		next := url.URL{Path: "/v2/_catalog", RawQuery: url.Values{"n": {strconv.Itoa(entries)}, "last": {page[len(page)-1]}}.Encode()}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", next.String()))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(struct {
		Repositories []string `json:"repositories"`
	}{append([]string{}, page...)})
}

// repositories asks ggcr's registry for every repository it holds, sorted.
func (d *distribution) repositories(ctx context.Context) ([]string, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v2/_catalog?n="+strconv.Itoa(1<<30), nil)
	rec := httptest.NewRecorder()
	d.ggcr.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("listing repositories: status %d", rec.Code)
	}
	var c struct {
		Repositories []string `json:"repositories"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		return nil, fmt.Errorf("listing repositories: %w", err)
	}
	slices.Sort(c.Repositories)
	return c.Repositories, nil
}

// writeRegistryError answers in the OCI distribution spec's error format ("Error Codes").
func writeRegistryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

// repoBlobs is a ggcr BlobHandler whose blobs belong to repositories: content is stored
// once per digest, and each repository sees the digests pushed or mounted into it — as
// the distribution registry links blobs into repositories.
type repoBlobs struct {
	mu   sync.Mutex
	data map[v1.Hash][]byte
	in   map[string]map[v1.Hash]bool // repository → digests it holds
}

var (
	_ registry.BlobStatHandler   = (*repoBlobs)(nil)
	_ registry.BlobPutHandler    = (*repoBlobs)(nil)
	_ registry.BlobDeleteHandler = (*repoBlobs)(nil)
)

func (b *repoBlobs) has(repo string, h v1.Hash) ([]byte, bool) {
	if !b.in[repo][h] {
		return nil, false
	}
	data, ok := b.data[h]
	return data, ok
}

// Stat implements registry.BlobStatHandler.
func (b *repoBlobs) Stat(ctx context.Context, repo string, h v1.Hash) (int64, error) {
	repo = repoOf(ctx, repo)
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.has(repo, h)
	if !ok {
		return 0, registry.ErrNotFound
	}
	return int64(len(data)), nil
}

// Get implements registry.BlobHandler.
func (b *repoBlobs) Get(ctx context.Context, repo string, h v1.Hash) (io.ReadCloser, error) {
	repo = repoOf(ctx, repo)
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.has(repo, h)
	if !ok {
		return nil, registry.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Put implements registry.BlobPutHandler. ggcr hands it a reader that checks the digest
// as it is read; its error is returned as is, so ggcr answers DIGEST_INVALID.
func (b *repoBlobs) Put(ctx context.Context, repo string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	repo = repoOf(ctx, repo)
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data[h] = data
	b.linkLocked(repo, h)
	return nil
}

// Delete implements registry.BlobDeleteHandler: it unlinks the blob from repo only.
func (b *repoBlobs) Delete(ctx context.Context, repo string, h v1.Hash) error {
	repo = repoOf(ctx, repo)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.in[repo][h] {
		return registry.ErrNotFound
	}
	delete(b.in[repo], h)
	return nil
}

// holds reports whether repo has blob h.
func (b *repoBlobs) holds(repo string, h v1.Hash) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.has(repo, h)
	return ok
}

// link makes blob h of repository from visible in repository to, and reports whether
// from had it.
func (b *repoBlobs) link(from, to string, h v1.Hash) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.has(from, h); !ok {
		return false
	}
	b.linkLocked(to, h)
	return true
}

func (b *repoBlobs) linkLocked(repo string, h v1.Hash) {
	if b.in[repo] == nil {
		b.in[repo] = map[v1.Hash]bool{}
	}
	b.in[repo][h] = true
}
