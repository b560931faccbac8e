package harbortest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

type project struct {
	id      int64
	name    string
	public  bool
	created time.Time
}

type repository struct {
	id        int64
	projectID int64
	name      string // full: "library/a/b"
	created   time.Time
	updated   time.Time
	artifacts []*artifact
}

type artifact struct {
	id                int64
	digest            string
	manifestMediaType string
	mediaType         string // config media type
	artifactType      string
	size              int64
	pushed            time.Time
	tags              []string
	labels            []string
	children          []string // an index's manifests
	child             bool     // referenced by an index in the same repository
	subject           string   // for accessories: the digest they are attached to
	accessoryType     string   // non-empty for accessories
}

func (s *Server) addProject(name string, public bool) *project {
	for _, p := range s.projects {
		if p.name == name {
			p.public = public
			return p
		}
	}
	p := &project{id: s.id(), name: name, public: public, created: s.now()}
	s.projects = append(s.projects, p)
	return p
}

func (s *Server) projectByName(name string) *project {
	for _, p := range s.projects {
		if p.name == name || strconv.FormatInt(p.id, 10) == name {
			return p
		}
	}
	return nil
}

// topLevel reports whether Harbor lists a at the top of its repository: not an
// accessory, not an untagged child of an index.
func (a *artifact) topLevel() bool {
	return a.accessoryType == "" && !(a.child && len(a.tags) == 0)
}

func (r *repository) find(ref string) *artifact {
	for _, a := range r.artifacts {
		if a.digest == ref || slices.Contains(a.tags, ref) {
			return a
		}
	}
	return nil
}

func (s *Server) projectModel(p *project) *models.Project {
	count := int64(0)
	for _, r := range s.repos {
		if r.projectID == p.id {
			count++
		}
	}
	pub := strconv.FormatBool(p.public)
	return &models.Project{
		ProjectID: int32(p.id), Name: p.name, OwnerID: 1, OwnerName: DefaultAdmin, RepoCount: count,
		CreationTime: strfmt.DateTime(p.created), UpdateTime: strfmt.DateTime(p.created),
		Metadata: &models.ProjectMetadata{Public: pub}, CurrentUserRoleIds: []int32{1},
	}
}

func (s *Server) repoModel(r *repository) *models.Repository {
	n := int64(0)
	for _, a := range r.artifacts {
		if a.topLevel() {
			n++
		}
	}
	created := strfmt.DateTime(r.created)
	return &models.Repository{ID: r.id, ProjectID: r.projectID, Name: r.name, ArtifactCount: n,
		CreationTime: &created, UpdateTime: strfmt.DateTime(r.updated)}
}

func (s *Server) artifactModel(r *repository, a *artifact) *models.Artifact {
	m := &models.Artifact{
		ID: a.id, Digest: a.digest, ManifestMediaType: a.manifestMediaType, MediaType: a.mediaType,
		ArtifactType: a.artifactType, Size: a.size, PushTime: strfmt.DateTime(a.pushed), PullTime: strfmt.DateTime(time.Time{}),
		ProjectID: r.projectID, RepositoryID: r.id, RepositoryName: r.name, Type: artifactKind(a),
		Tags: []*models.Tag{}, Labels: []*models.Label{}, References: []*models.Reference{}, Accessories: []*models.Accessory{},
	}
	for i, t := range a.tags {
		m.Tags = append(m.Tags, &models.Tag{ID: a.id*1000 + int64(i), Name: t, ArtifactID: a.id, RepositoryID: r.id,
			PushTime: strfmt.DateTime(a.pushed), PullTime: strfmt.DateTime(time.Time{})})
	}
	for i, l := range a.labels {
		m.Labels = append(m.Labels, &models.Label{ID: int64(i + 1), Name: l, Scope: "g", CreationTime: strfmt.DateTime(a.pushed), UpdateTime: strfmt.DateTime(a.pushed)})
	}
	for _, c := range a.children {
		ref := &models.Reference{ParentID: a.id, ChildDigest: c}
		if ca := r.find(c); ca != nil {
			ref.ChildID = ca.id
		}
		m.References = append(m.References, ref)
	}
	for _, x := range r.artifacts {
		if x.accessoryType != "" && x.subject == a.digest {
			m.Accessories = append(m.Accessories, &models.Accessory{ID: x.id, ArtifactID: x.id, Digest: x.digest, Size: x.size, Type: x.accessoryType,
				SubjectArtifactDigest: a.digest, SubjectArtifactID: a.id, SubjectArtifactRepo: r.name, CreationTime: strfmt.DateTime(x.pushed)})
		}
	}
	return m
}

func artifactKind(a *artifact) string {
	switch a.mediaType {
	case "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json",
		"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json":
		return "IMAGE"
	}
	return "UNKNOWN"
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	name := r.URL.Query().Get("name")
	s.mu.Lock()
	out := []*models.Project{}
	for _, p := range s.projects {
		if q.match("name", p.name) && (name == "" || strings.Contains(p.name, name)) {
			out = append(out, s.projectModel(p))
		}
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectByName(r.PathValue("project"))
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("project %s not found", r.PathValue("project")))
		return
	}
	writeJSON(w, http.StatusOK, s.projectModel(p))
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	var req models.ProjectReq
	if !decode(w, r, &req) {
		return
	}
	if req.ProjectName == "" || strings.ContainsAny(req.ProjectName, "/: ") || strings.ToLower(req.ProjectName) != req.ProjectName {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("invalid project name %q", req.ProjectName))
		return
	}
	public := req.Public != nil && *req.Public
	if req.Metadata != nil && req.Metadata.Public == "true" {
		public = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.projectByName(req.ProjectName) != nil {
		writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("the project named %s already exists", req.ProjectName))
		return
	}
	p := s.addProject(req.ProjectName, public)
	writeCreated(w, apiPrefix+"/projects/"+strconv.FormatInt(p.id, 10))
}

// lookupRepo finds the repository named by the path, or writes a 404.
func (s *Server) lookupRepo(w http.ResponseWriter, r *http.Request) *repository {
	name, ok := repoParam(r)
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "repository not found")
		return nil
	}
	full := r.PathValue("project") + "/" + name
	repo := s.repos[full]
	if repo == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("repository %s not found", full))
	}
	return repo
}

func (s *Server) listRepositories(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	s.mu.Lock()
	p := s.projectByName(r.PathValue("project"))
	if p == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("project %s not found", r.PathValue("project")))
		return
	}
	out := []*models.Repository{}
	for _, repo := range s.sortedRepos() {
		if repo.projectID == p.id && q.match("name", repo.name) {
			out = append(out, s.repoModel(repo))
		}
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) sortedRepos() []*repository {
	out := make([]*repository, 0, len(s.repos))
	for _, r := range s.repos {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) getRepository(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if repo := s.lookupRepo(w, r); repo != nil {
		writeJSON(w, http.StatusOK, s.repoModel(repo))
	}
}

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	repo := s.lookupRepo(w, r)
	if repo == nil {
		s.mu.Unlock()
		return
	}
	out := []*models.Artifact{}
	for i := len(repo.artifacts) - 1; i >= 0; i-- { // newest first, as Harbor sorts by push time
		if a := repo.artifacts[i]; a.topLevel() {
			out = append(out, s.artifactModel(repo, a))
		}
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.lookupRepo(w, r)
	if repo == nil {
		return
	}
	ref := r.PathValue("reference")
	a := repo.find(ref)
	if a == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("artifact %s@%s not found", repo.name, ref))
		return
	}
	writeJSON(w, http.StatusOK, s.artifactModel(repo, a))
}
