package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/internal/redact"
	"github.com/regdr/regdr/replication"
)

// Endpoint is one registry that a Syncer reads from or writes to. Its String and JSON
// never show credentials.
type Endpoint struct {
	// Registry is the host, with an optional port and scheme: "harbor.example.com",
	// "https://10.0.0.5", "http://127.0.0.1:5000". Without a scheme it is HTTPS, whatever
	// the address (loopback and private ones included); never credentials.
	Registry string `json:"registry"`
	// PlainHTTP talks HTTP instead of HTTPS, as http:// does. There is no fallback either way.
	PlainHTTP bool `json:"plain_http,omitempty"`
	// AllowPlainHTTPCredentials lets credentials go over plain HTTP to a registry that is
	// not on loopback; without it, that is refused with ErrPlainHTTPCredentials.
	AllowPlainHTTPCredentials bool `json:"allow_plain_http_credentials,omitempty"`
	// Auth authenticates to the registry. Nil: Keychain, or anonymous without one.
	Auth authn.Authenticator `json:"-"`
	// Keychain finds credentials for Registry, e.g. authn.DefaultKeychain (the Docker config).
	Keychain authn.Keychain `json:"-"`
	// Transport carries the requests. Nil: go-containerregistry's remote.DefaultTransport.
	Transport http.RoundTripper `json:"-"`
}

// Media types a manifest GET accepts: every manifest and index format kept byte for byte.
var syncAccept = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.artifact.manifest.v1+json",
}, ", ")

// registryClient speaks the distribution API to one registry over one authenticated transport,
// created on first use, so a whole run pings the registry once. Every request is counted.
type registryClient struct {
	ep       Endpoint
	push     bool // ask for push access to repositories, not only pull
	requests counter
	limiter  replication.BandwidthLimiter // throttles response bodies (the source side)
	retry    policy
	clock    clock.Clock
	onRetry  func(error, time.Duration)

	auth   syncAuth
	health syncHealth

	// peers are the other clients of the Syncer: a registry may echo any credential of
	// the run (Harbor holds ACR EE's), so their credentials are hidden from its errors too.
	peers       []*registryClient
	staticOnce  sync.Once
	staticCreds []string
}

func newSyncClient(ep Endpoint, l replication.BandwidthLimiter, push bool) *registryClient {
	c := &registryClient{ep: ep, limiter: l, push: push, clock: systemClock{}}
	c.requests.c = c
	return c
}

// try runs a whole small operation (request and response body) under the retry policy. A
// registry declared down ends the retries with its ErrRegistryDown error.
func (c *registryClient) try(ctx context.Context, op func() error) error {
	return retryDo(ctx, c.retry, c.clock, func(err error, wait time.Duration) {
		if f := c.onRetry; f != nil {
			f(err, wait)
		}
	}, func() error {
		err := op()
		if err != nil && retryable(err) {
			if derr := c.down(); derr != nil {
				return derr
			}
		}
		return err
	})
}

// tryOnce runs op once, counting a retryable failure toward the registry's give-up as try
// does, without trying again: the caller's own retry does.
func (c *registryClient) tryOnce(op func() error) error {
	err := op()
	if err != nil && retryable(err) {
		if derr := c.down(); derr != nil {
			return derr
		}
	}
	return err
}

// countingTransport is the client's transport under authentication: it counts every
// request and sends it through the client's guard (timeouts, registry health).
type countingTransport struct {
	rt http.RoundTripper
	n  *counter
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if s, ok := req.Context().Value(sentAuthKey{}).(*sentAuth); ok {
		s.add(req.Header.Get("Authorization"))
	}
	if t.n.c == nil {
		t.n.Add(1)
		return t.rt.RoundTrip(req)
	}
	return t.n.c.guard(t.rt, req) // counts what it sends

}

type sentAuthKey struct{}

// sentAuth collects the Authorization headers sent for one call of do (the request's,
// and a token request's on the way), under authentication, where they are set.
type sentAuth struct {
	mu   sync.Mutex
	vals []string
}

func (s *sentAuth) add(v string) {
	if v == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.vals, v) {
		s.vals = append(s.vals, v)
	}
}

// sentOf returns the Authorization headers collected in ctx (none: an empty set).
func sentOf(ctx context.Context) *sentAuth {
	if s, ok := ctx.Value(sentAuthKey{}).(*sentAuth); ok {
		return s
	}
	return new(sentAuth)
}

// secrets returns every credential to hide from a registry's error message: those
// sent (the Authorization headers sent), and the configured ones of this client's and
// its peers' endpoints.
func (c *registryClient) secrets(sent *sentAuth) []string {
	var out []string
	sent.mu.Lock()
	for _, v := range sent.vals {
		out = append(out, redact.Authorization(v)...)
	}
	sent.mu.Unlock()
	for _, p := range append([]*registryClient{c}, c.peers...) {
		out = append(out, p.configuredSecrets()...)
	}
	return out
}

// configuredSecrets returns the endpoint's credentials (password, tokens, the Basic pair),
// resolved once, at the first error: a Keychain may run a credential helper.
func (c *registryClient) configuredSecrets() []string {
	c.staticOnce.Do(func() {
		auth, err := c.ep.authenticator()
		if err != nil || auth == nil || auth == authn.Anonymous {
			return
		}
		cfg, err := auth.Authorization()
		if err != nil || cfg == nil {
			return
		}
		c.staticCreds = append(redact.Basic(cfg.Username, cfg.Password), cfg.Auth, cfg.IdentityToken, cfg.RegistryToken)
	})
	return c.staticCreds
}

// do sends one request. body may be nil; size < 0 means unknown. The caller closes the
// response body on success; statuses outside want become a *HTTPError.
func (c *registryClient) do(ctx context.Context, method, path string, hdr http.Header, body io.Reader, size int64, want ...int) (*http.Response, error) {
	sent := new(sentAuth)
	ctx = context.WithValue(ctx, sentAuthKey{}, sent)
	// A token request on the way is small, even for a blob's transfer.
	rt, reg, err := c.transport(context.WithValue(ctx, bulkKey{}, false), repoOf(path))
	if err != nil {
		return nil, err
	}
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = c.ep.scheme() + "://" + reg.RegistryStr() + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil && size >= 0 {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return resp, nil
		}
	}
	defer resp.Body.Close()
	return nil, newSyncHTTPError(req, resp, c.secrets(sent))
}

func (c *registryClient) headManifest(ctx context.Context, repo, ref string) (digest string, found bool, err error) {
	err = c.try(ctx, func() error {
		var e error
		digest, found, e = c.headManifestOnce(ctx, repo, ref)
		return e
	})
	return digest, found, err
}

func (c *registryClient) headManifestOnce(ctx context.Context, repo, ref string) (digest string, found bool, err error) {
	resp, err := c.do(ctx, http.MethodHead, "/v2/"+repo+"/manifests/"+ref, http.Header{"Accept": {syncAccept}}, nil, -1, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return "", false, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", false, nil
	}
	d := resp.Header.Get("Docker-Content-Digest")
	if d == "" && strings.HasPrefix(ref, "sha256:") {
		d = ref
	}
	if d == "" {
		// Some registries omit the header on HEAD: fall back to GET.
		raw, _, gerr := c.getManifest(ctx, repo, ref, "")
		if gerr != nil {
			return "", false, gerr
		}
		d = syncDigest(raw)
	}
	return d, true, nil
}

// getManifest fetches a manifest's raw bytes; with want set, the bytes must hash to it.
func (c *registryClient) getManifest(ctx context.Context, repo, ref, want string) (raw []byte, mediaType string, err error) {
	err = c.try(ctx, func() error {
		var e error
		raw, mediaType, e = c.getManifestOnce(ctx, repo, ref, want)
		return e
	})
	return raw, mediaType, err
}

func (c *registryClient) getManifestOnce(ctx context.Context, repo, ref, want string) ([]byte, string, error) {
	raw, mt, _, _, err := c.fetchManifest(ctx, repo, ref, repo+"@"+ref, false)
	if err != nil {
		return nil, "", err
	}
	if want != "" {
		got, err := digestAs(raw, want)
		if err != nil {
			return nil, "", fmt.Errorf("manifest %s@%s: %w", repo, want, err)
		}
		if got != want {
			return nil, "", fmt.Errorf("manifest %s@%s: %w (got %s)", repo, want, ErrDigestMismatch, got)
		}
	}
	return raw, mt, nil
}

// fetchManifest GETs repo's manifest ref, at most maxManifest bytes (ErrManifestTooLarge,
// naming it as name), with its media type (manifestType) and the Docker-Content-Digest
// the registry claims for it. With missingOK a 404 is found false, not an error.
func (c *registryClient) fetchManifest(ctx context.Context, repo, ref, name string, missingOK bool) (raw []byte, mediaType, claimed string, found bool, err error) {
	ok := []int{http.StatusOK}
	if missingOK {
		ok = append(ok, http.StatusNotFound)
	}
	resp, err := c.do(ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+ref, http.Header{"Accept": {syncAccept}}, nil, -1, ok...)
	if err != nil {
		return nil, "", "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, "", "", false, nil
	}
	raw, err = io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, "", "", false, err
	}
	if len(raw) > maxManifest {
		return nil, "", "", false, fmt.Errorf("manifest %s: %w: more than %d bytes", name, ErrManifestTooLarge, maxManifest)
	}
	return raw, manifestType(resp.Header.Get("Content-Type"), raw), resp.Header.Get("Docker-Content-Digest"), true, nil
}

func (c *registryClient) putManifest(ctx context.Context, repo, ref, mediaType string, raw []byte) error {
	return c.try(ctx, func() error { return c.putManifestOnce(ctx, repo, ref, mediaType, raw) })
}

func (c *registryClient) putManifestOnce(ctx context.Context, repo, ref, mediaType string, raw []byte) error {
	resp, err := c.do(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+ref, http.Header{"Content-Type": {mediaType}}, bytes.NewReader(raw), int64(len(raw)), http.StatusCreated, http.StatusOK, http.StatusAccepted)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (c *registryClient) headBlob(ctx context.Context, repo, digest string) (found bool, err error) {
	err = c.try(ctx, func() error {
		var e error
		found, e = c.headBlobOnce(ctx, repo, digest)
		return e
	})
	return found, err
}

func (c *registryClient) headBlobOnce(ctx context.Context, repo, digest string) (bool, error) {
	resp, err := c.do(ctx, http.MethodHead, "/v2/"+repo+"/blobs/"+digest, nil, nil, -1, append([]int{http.StatusOK, http.StatusNotFound}, syncRedirects...)...)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	// A registry whose storage serves blobs elsewhere (Harbor or distribution on S3/OSS)
	// answers a HEAD for a blob it has with a redirect.
	return resp.StatusCode != http.StatusNotFound, nil
}

var syncRedirects = []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

func (c *registryClient) getBlob(ctx context.Context, repo, digest string) (io.ReadCloser, error) {
	path := "/v2/" + repo + "/blobs/" + digest
	ctx = withBulk(ctx) // a blob keeps its transfer as long as it keeps moving
	// Follow redirects to object storage by hand: the transport sends credentials only to
	// the registry's own host.
	for range 5 {
		resp, err := c.do(ctx, http.MethodGet, path, nil, nil, -1, append([]int{http.StatusOK}, syncRedirects...)...)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			return resp.Body, nil
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("blob %s@%s: redirect without a location: %w", repo, digest, err)
		}
		path = loc.String()
	}
	return nil, fmt.Errorf("blob %s@%s: too many redirects", repo, digest)
}

// startUpload opens an upload session in repo, asking to mount digest from another
// repository when from is set. It returns mounted=true when the registry mounted the blob
// (201), otherwise the session's location.
func (c *registryClient) startUpload(ctx context.Context, repo, digest, from string) (location string, mounted bool, err error) {
	q := ""
	if from != "" {
		q = "?" + url.Values{"mount": {digest}, "from": {from}}.Encode()
	}
	resp, err := c.do(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/"+q, nil, http.NoBody, 0, http.StatusCreated, http.StatusAccepted)
	if err != nil {
		return "", false, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		return "", true, nil
	}
	loc, err := resp.Location()
	if err != nil {
		return "", false, fmt.Errorf("upload to %s: no location: %w", repo, err)
	}
	return loc.String(), false, nil
}

// finishUpload streams the blob into the session in one PUT. accepted: the registry
// answered 202 Accepted, the distribution API's answer to an upload still open, not
// the 201 of a committed blob — the caller looks for the blob before counting on it.
func (c *registryClient) finishUpload(ctx context.Context, location, digest string, body io.Reader, size int64) (accepted bool, err error) {
	u, err := url.Parse(location)
	if err != nil {
		return false, err
	}
	q := u.Query()
	q.Set("digest", digest)
	u.RawQuery = q.Encode()
	resp, err := c.do(withBulk(ctx), http.MethodPut, u.String(), http.Header{"Content-Type": {"application/octet-stream"}}, body, size, http.StatusCreated, http.StatusNoContent, http.StatusAccepted)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted, nil
}

// get fetches a small JSON document, following nothing.
func (c *registryClient) getJSON(ctx context.Context, path string, v any, okMissing bool) (next string, found bool, err error) {
	err = c.try(ctx, func() error {
		var e error
		next, found, e = c.getJSONOnce(ctx, path, v, okMissing)
		return e
	})
	return next, found, err
}

func (c *registryClient) getJSONOnce(ctx context.Context, path string, v any, okMissing bool) (next string, found bool, err error) {
	want := []int{http.StatusOK}
	if okMissing {
		want = append(want, http.StatusNotFound)
	}
	resp, err := c.do(ctx, http.MethodGet, path, http.Header{"Accept": {"application/json, application/vnd.oci.image.index.v1+json"}}, nil, -1, want...)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", false, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		return "", true, fmt.Errorf("decoding %s: %w", path, err)
	}
	return nextLink(resp.Header.Get("Link")), true, nil
}

func syncDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}
