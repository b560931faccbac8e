package acrtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"regexp"
	"strings"
	"time"
)

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// TokenPath is where the registry's Bearer challenge sends clients for a token, on the
// registry's own host.
const TokenPath = "/acrtest/token"

var repoPath = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs|tags)/(.*)$`)

// registryHandler is ACR EE's registry for one instance: go-containerregistry's
// in-memory registry behind ACR's auth and namespace rules.
type registryHandler struct {
	s    *Server
	inst string
}

// regError writes a distribution-spec error body.
func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (h *registryHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == TokenPath {
		h.token(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v2/") && r.URL.Path != "/v2" {
		http.NotFound(w, r)
		return
	}
	if !h.authorized(r) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+scheme+"://"+r.Host+TokenPath+`",service="acrtest"`)
		regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	m := repoPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		h.reg().ServeHTTP(w, r)
		return
	}
	name, kind, ref := m[1], m[2], m[3]
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if status, code, msg := h.admit(name, write); status != 0 {
		regError(w, status, code, msg)
		return
	}
	if kind == "manifests" && r.Method == http.MethodDelete {
		rec := &statusRecorder{ResponseWriter: w}
		h.reg().ServeHTTP(rec, r)
		if rec.status == http.StatusAccepted {
			h.forget(name, ref)
		}
		return
	}
	if kind != "manifests" || r.Method != http.MethodPut || strings.Contains(ref, ":") {
		h.reg().ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		regError(w, http.StatusBadRequest, "MANIFEST_INVALID", "cannot read the manifest")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusRecorder{ResponseWriter: w}
	h.reg().ServeHTTP(rec, r)
	if rec.status == http.StatusCreated {
		imageID, size, blobs := imageOf(body)
		h.s.mu.Lock()
		if p := h.s.instances[h.inst].repos[name]; p != nil {
			now := h.s.now()
			created := now
			if old, ok := p.tags[ref]; ok {
				created = old.created
			}
			p.tags[ref] = tagInfo{digest: w.Header().Get("Docker-Content-Digest"), imageID: imageID, size: size, blobs: blobs, at: now, created: created}
		}
		h.s.mu.Unlock()
	}
}

// Repository path rules (fact pack acr-registry.md §4):
//   - confirmed (ACR terms page, https://www.alibabacloud.com/help/en/acr/product-overview/terms):
//     the namespace is the first path segment; Enterprise Edition accepts multi-tier
//     repository names (namespace/agent/client/prod); Personal Edition one tier.
//   - namespace 2-120 characters: the cr SDK's CreateNamespace text (EE).
//   - repository name 2-64 characters of lowercase letters, digits, '.', '-', '_': the ROS
//     ALIYUN::CR::Repository rule, written for one tier. Applying the 64 to a multi-tier
//     name as a whole (slashes included), as acrtest does, is unconfirmed, as are any
//     per-tier limit and whether the cr OpenAPI takes '/' in RepoName.
const (
	minNamespaceLen, maxNamespaceLen = 2, 120
	minRepoNameLen, maxRepoNameLen   = 2, 64
)

// component is one path component of the OCI grammar (distribution-spec <name>).
var component = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)

// checkPath applies the path rules to name ("namespace/repository…") for a registry
// accepting at most maxDepth components (0 = any number, Enterprise Edition).
func checkPath(name string, maxDepth int) string {
	parts := strings.Split(name, "/")
	if len(parts) < 2 {
		return "repository name must be namespace/repository"
	}
	if maxDepth > 0 && len(parts) > maxDepth {
		return fmt.Sprintf("repository name %q has %d path components; this registry accepts at most %d", name, len(parts), maxDepth)
	}
	for _, p := range parts {
		if !component.MatchString(p) {
			return fmt.Sprintf("invalid path component %q", p)
		}
	}
	if n := len(parts[0]); n < minNamespaceLen || n > maxNamespaceLen {
		return fmt.Sprintf("namespace %q must be %d-%d characters", parts[0], minNamespaceLen, maxNamespaceLen)
	}
	if repo := strings.Join(parts[1:], "/"); len(repo) < minRepoNameLen || len(repo) > maxRepoNameLen {
		return fmt.Sprintf("repository name %q must be %d-%d characters", repo, minRepoNameLen, maxRepoNameLen)
	}
	return ""
}

// admit applies ACR EE's repository rules: the path rules above; no push into a missing
// namespace; a missing repository is created on push with auto-create ON.
func (h *registryHandler) admit(name string, write bool) (int, string, string) {
	h.s.mu.Lock()
	depth := h.s.maxDepth
	h.s.mu.Unlock()
	if msg := checkPath(name, depth); msg != "" {
		// The real registry's status and code for a refused name are unconfirmed.
		return http.StatusBadRequest, "NAME_INVALID", msg
	}
	ns, repoName, _ := strings.Cut(name, "/")
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	in := h.s.instances[h.inst]
	n := in.namespaces[ns]
	if n == nil {
		if write {
			return http.StatusForbidden, "DENIED", "requested access to the resource is denied: namespace " + ns + " does not exist"
		}
		return http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry"
	}
	if in.repos[name] != nil {
		return 0, "", ""
	}
	if write && n.autoCreate {
		h.s.createRepo(in, ns, repoName)
		return 0, "", ""
	}
	return http.StatusNotFound, "NAME_UNKNOWN", "repository " + name + " not known to registry"
}

// authorized accepts Basic with a fixed password or unexpired temporary credentials, or a
// Bearer token from TokenPath.
func (h *registryHandler) authorized(r *http.Request) bool {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	in := h.s.instances[h.inst]
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		exp, found := in.bearer[tok]
		return found && h.s.now().Before(exp)
	}
	return h.basicOK(in, r)
}

func (h *registryHandler) basicOK(in *instance, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if want, found := in.users[user]; found && want == pass {
		return true
	}
	t, found := in.temp[pass]
	return found && t.user == user && h.s.now().Before(t.expires)
}

// token is the Docker token endpoint: Basic credentials in, a Bearer token out.
func (h *registryHandler) token(w http.ResponseWriter, r *http.Request) {
	h.s.mu.Lock()
	in := h.s.instances[h.inst]
	ok := h.basicOK(in, r)
	var tok string
	exp := h.s.now().Add(5 * time.Minute)
	if ok {
		tok = randomHex(16)
		in.bearer[tok] = exp
	}
	h.s.mu.Unlock()
	if !ok {
		regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

// imageOf returns what ListRepoTag reports of a manifest: ImageId, the config digest as
// bare hex ("" for an index), and ImageSize, the config's and layers' sizes (an index: the
// sizes of the manifests it lists). Both readings are unconfirmed (fact pack cr.md,
// ListRepoTag); what is confirmed is that neither is the manifest's digest or byte count.
func imageOf(manifest []byte) (string, int64, []blob) {
	type desc struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
	}
	var m struct {
		Config    desc   `json:"config"`
		Layers    []desc `json:"layers"`
		Manifests []desc `json:"manifests"`
	}
	if json.Unmarshal(manifest, &m) != nil {
		return "", 0, nil
	}
	size := m.Config.Size
	var blobs []blob
	if m.Config.Digest != "" {
		blobs = append(blobs, blob{m.Config.Digest, m.Config.Size})
	}
	for _, l := range m.Layers {
		size += l.Size
		blobs = append(blobs, blob{l.Digest, l.Size})
	}
	for _, x := range m.Manifests {
		size += x.Size
	}
	return strings.TrimPrefix(m.Config.Digest, "sha256:"), size, blobs
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (h *registryHandler) reg() http.Handler {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.instances[h.inst].reg
}

// forget drops the tags a deleted manifest reference (tag or digest) leaves behind.
func (h *registryHandler) forget(name, ref string) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.instances[h.inst].repos[name]
	if p == nil {
		return
	}
	for t, ti := range p.tags {
		if t == ref || ti.digest == ref {
			delete(p.tags, t)
		}
	}
}
