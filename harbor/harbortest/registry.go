package harbortest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// maxManifest bounds a pushed manifest, as registries do.
const maxManifest = 4 << 20

// cosignTag is the tag cosign gives a signature of sha256:<hex>.
var cosignTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})\.(sig|att|sbom)$`)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

// authorize is Harbor's v2auth check of a repository request: a HEAD without
// credentials is always challenged (clients only send them once asked), a
// project that does not exist is refused, and the caller needs the action the
// method implies on the repository's project — and pull on the one a blob is
// mounted from. It answers the refusal itself.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, who principal, repo, kind string) bool {
	action := registryAction(r.Method)
	if action == "" {
		return true
	}
	type need struct{ repo, action string }
	needs := []need{{repo, action}}
	q := r.URL.Query()
	if r.Method == http.MethodPost && kind == "blobs/uploads" && q.Get("mount") != "" && q.Get("from") != "" {
		needs = append(needs, need{q.Get("from"), actPull})
	}
	var scopes []string
	for _, n := range needs {
		scopes = append(scopes, scopeOf(n.repo, n.action))
	}
	if r.Method == http.MethodHead && r.Header.Get("Authorization") == "" {
		unauthorized(w, s.challenge(r, scopes), "authorize header needed to send HEAD to repository")
		return false
	}
	for _, n := range needs {
		projName, _, _ := strings.Cut(n.repo, "/")
		s.mu.Lock()
		p := s.projectByName(projName)
		s.mu.Unlock()
		if p == nil {
			unauthorized(w, "", fmt.Sprintf("project %s not found", projName))
			return false
		}
		if !who.can(n.action, p) {
			unauthorized(w, s.challenge(r, scopes), fmt.Sprintf("unauthorized to access repository: %s, action: %s", n.repo, n.action))
			return false
		}
	}
	return true
}

// splitV2 splits "/v2/<repo>/<kind>/<ref>" (kind: manifests, blobs, tags, referrers).
func splitV2(path string) (repo, kind, ref string) {
	p := strings.TrimPrefix(path, "/v2/")
	for _, k := range []string{"/manifests/", "/blobs/uploads", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(p, k); i > 0 {
			return p[:i], strings.Trim(k, "/"), strings.TrimPrefix(p[i+len(k):], "/")
		}
	}
	return strings.TrimSuffix(p, "/"), "", ""
}

// serveRegistry is Harbor's /v2/: bearer tokens from /service/token (basic
// credentials are accepted too, as Harbor accepts them), projects as the first
// path component, and every manifest push and delete recorded as an artifact.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	who := s.principalOf(r)
	if r.URL.Path == "/v2/" || r.URL.Path == "/v2" {
		if !who.authenticated() {
			unauthorized(w, s.challenge(r, nil), "unauthorized")
			return
		}
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	if r.URL.Path == "/v2/_catalog" {
		// Only an administrator's basic credentials list the catalog: no token
		// grants it.
		if who.kind != basicPrincipal || !who.admin {
			unauthorized(w, s.challenge(r, nil), "unauthorized to list catalog")
			return
		}
		s.registry.ServeHTTP(w, r)
		return
	}
	repo, kind, ref := splitV2(r.URL.Path)
	if !s.authorize(w, r, who, repo, kind) {
		return
	}
	if !strings.Contains(repo, "/") {
		projName, _, _ := strings.Cut(repo, "/")
		registryError(w, http.StatusForbidden, "DENIED", fmt.Sprintf("project %s not found: requested access to the resource is denied", projName))
		return
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if kind != "manifests" || read {
		s.registry.ServeHTTP(w, r)
		return
	}
	switch r.Method {
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
		if err != nil || len(body) > maxManifest {
			registryError(w, http.StatusBadRequest, "MANIFEST_INVALID", "manifest unreadable or too large")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w}
		s.registry.ServeHTTP(sw, r)
		if sw.status == http.StatusCreated {
			s.recordManifest(repo, ref, r.Header.Get("Content-Type"), body)
		}
	case http.MethodDelete:
		sw := &statusWriter{ResponseWriter: w}
		s.registry.ServeHTTP(sw, r)
		if sw.status == http.StatusAccepted || sw.status == http.StatusOK {
			s.forget(repo, ref)
		}
	default:
		s.registry.ServeHTTP(w, r)
	}
}

type manifestFields struct {
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType"`
	Config       struct {
		MediaType string `json:"mediaType"`
		Size      int64  `json:"size"`
	} `json:"config"`
	Layers []struct {
		Size int64 `json:"size"`
	} `json:"layers"`
	Manifests []struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
	} `json:"manifests"`
	Subject *struct {
		Digest string `json:"digest"`
	} `json:"subject"`
}

// recordManifest makes a pushed manifest an artifact of repo, tagged ref unless
// ref is a digest, and starts the event-based policies that select it.
func (s *Server) recordManifest(repoName, ref, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	var mf manifestFields
	_ = json.Unmarshal(body, &mf)
	if contentType == "" {
		contentType = mf.MediaType
	}
	s.mu.Lock()
	now := s.now()
	repo := s.repos[repoName]
	if repo == nil {
		projName, _, _ := strings.Cut(repoName, "/")
		repo = &repository{id: s.id(), projectID: s.projectByName(projName).id, name: repoName, created: now}
		s.repos[repoName] = repo
	}
	repo.updated = now
	a := repo.find(digest)
	if a == nil {
		a = &artifact{id: s.id(), digest: digest, manifestMediaType: contentType, mediaType: mf.Config.MediaType,
			artifactType: mf.ArtifactType, pushed: now, size: int64(len(body)) + mf.Config.Size}
		for _, l := range mf.Layers {
			a.size += l.Size
		}
		if len(mf.Manifests) > 0 {
			a.mediaType = contentType
			for _, m := range mf.Manifests {
				a.children = append(a.children, m.Digest)
				a.size += m.Size
				if c := repo.find(m.Digest); c != nil {
					c.child = true
				}
			}
		}
		if mf.Subject != nil && mf.Subject.Digest != "" {
			a.subject, a.accessoryType = mf.Subject.Digest, accessoryType(mf)
		}
		repo.artifacts = append(repo.artifacts, a)
	}
	if m := cosignTag.FindStringSubmatch(ref); m != nil {
		a.subject, a.accessoryType = "sha256:"+m[1], "signature.cosign"
		if m[2] != "sig" {
			a.accessoryType = "attestation.cosign"
		}
	}
	if !strings.HasPrefix(ref, "sha256:") && !slices.Contains(a.tags, ref) {
		for _, o := range repo.artifacts { // a tag points at one artifact
			o.tags = slices.DeleteFunc(o.tags, func(t string) bool { return t == ref })
		}
		a.tags = append(a.tags, ref)
	}
	// What an event-based policy replicates: the artifact, or the one an
	// accessory is attached to.
	target := a
	if a.accessoryType != "" {
		target = repo.find(a.subject)
	}
	var trig *artifact
	if target != nil && target.topLevel() {
		trig = target
	}
	s.mu.Unlock()
	if trig != nil {
		s.onPush(repoName, trig.digest)
	}
}

func accessoryType(mf manifestFields) string {
	t := mf.ArtifactType
	if t == "" {
		t = mf.Config.MediaType
	}
	switch t {
	case "application/vnd.dev.cosign.artifact.sig.v1+json":
		return "signature.cosign"
	case "application/vnd.cncf.notary.signature":
		return "signature.notation"
	case "application/vnd.goharbor.harbor.sbom.v1":
		return "harbor.sbom"
	}
	return "subject.accessory"
}

// forget removes a deleted manifest (by digest) or tag.
func (s *Server) forget(repoName, ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repos[repoName]
	if repo == nil {
		return
	}
	if strings.HasPrefix(ref, "sha256:") {
		repo.artifacts = slices.DeleteFunc(repo.artifacts, func(a *artifact) bool { return a.digest == ref })
	} else {
		for _, a := range repo.artifacts {
			a.tags = slices.DeleteFunc(a.tags, func(t string) bool { return t == ref })
		}
	}
	if len(repo.artifacts) == 0 {
		delete(s.repos, repoName)
	}
}
