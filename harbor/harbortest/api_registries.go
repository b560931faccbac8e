package harbortest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// endpoint is a stored registry endpoint; secret is never served.
type endpoint struct {
	m      models.Registry // Credential.AccessSecret always empty here
	secret string
}

// providerTypes are the adapter types harbortest accepts.
var providerTypes = []string{"ali-acr", "aws-ecr", "azure-acr", "docker-hub", "docker-registry",
	"dtr", "github-ghcr", "gitlab", "google-gcr", "harbor", "huawei-SWR", "jfrog-artifactory", "quay", "tencent-tcr", "volcengine-cr"}

const maskedSecret = "*****"

// view returns the registry as Harbor serves it, secret masked.
func (e *endpoint) view() *models.Registry {
	m := e.m
	if m.Credential != nil {
		c := *m.Credential
		if e.secret != "" {
			c.AccessSecret = maskedSecret
		}
		m.Credential = &c
	}
	return &m
}

func (s *Server) endpointByID(id int64) *endpoint {
	for _, e := range s.endpoints {
		if e.m.ID == id {
			return e
		}
	}
	return nil
}

func (s *Server) listRegistries(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	s.mu.Lock()
	out := []*models.Registry{}
	for _, e := range s.endpoints {
		if q.match("name", e.m.Name) && q.match("type", e.m.Type) && q.match("url", e.m.URL) {
			out = append(out, e.view())
		}
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) getRegistry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpointByID(id)
	if e == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("registry %d not found", id))
		return
	}
	writeJSON(w, http.StatusOK, e.view())
}

func validEndpoint(m *models.Registry) string {
	if m.Name == "" {
		return "name is required"
	}
	if !slices.Contains(providerTypes, m.Type) {
		return fmt.Sprintf("invalid registry type %q", m.Type)
	}
	u, err := url.Parse(m.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("invalid registry URL %q", m.URL)
	}
	return ""
}

func (s *Server) createRegistry(w http.ResponseWriter, r *http.Request) {
	var m models.Registry
	if !decode(w, r, &m) {
		return
	}
	if msg := validEndpoint(&m); msg != "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	e := &endpoint{m: models.Registry{Name: m.Name, Description: m.Description, Type: m.Type, URL: m.URL, Insecure: m.Insecure,
		Credential: &models.RegistryCredential{Type: "basic"}}}
	if c := m.Credential; c != nil {
		if c.Type != "" {
			e.m.Credential.Type = c.Type
		}
		e.m.Credential.AccessKey, e.secret = c.AccessKey, c.AccessSecret
	}
	s.mu.Lock()
	for _, o := range s.endpoints {
		if o.m.Name == m.Name {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("the registry whose name is %s already exists", m.Name))
			return
		}
	}
	s.mu.Unlock()
	// Harbor checks the endpoint's health before storing it.
	if err := s.ping(r.Context(), e.m.URL, e.m.Insecure, e.m.Credential.AccessKey, e.secret); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("the registry %s is unhealthy: %v", m.URL, err))
		return
	}
	s.mu.Lock()
	now := strfmt.DateTime(s.now())
	e.m.ID, e.m.Status, e.m.CreationTime, e.m.UpdateTime = s.id(), "healthy", now, now
	s.endpoints = append(s.endpoints, e)
	s.mu.Unlock()
	writeCreated(w, apiPrefix+"/registries/"+strconv.FormatInt(e.m.ID, 10))
}

func (s *Server) updateRegistry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var u models.RegistryUpdate
	if !decode(w, r, &u) {
		return
	}
	s.mu.Lock()
	old := s.endpointByID(id)
	if old == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("registry %d not found", id))
		return
	}
	e := &endpoint{m: old.m, secret: old.secret}
	cred := *old.m.Credential
	e.m.Credential = &cred
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&e.m.Name, u.Name)
	set(&e.m.Description, u.Description)
	set(&e.m.URL, u.URL)
	set(&cred.Type, u.CredentialType)
	set(&cred.AccessKey, u.AccessKey)
	set(&e.secret, u.AccessSecret)
	if u.Insecure != nil {
		e.m.Insecure = *u.Insecure
	}
	for _, o := range s.endpoints {
		if o.m.ID != id && o.m.Name == e.m.Name {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("the registry whose name is %s already exists", e.m.Name))
			return
		}
	}
	s.mu.Unlock()
	if msg := validEndpoint(&e.m); msg != "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	if err := s.ping(r.Context(), e.m.URL, e.m.Insecure, cred.AccessKey, e.secret); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("the registry %s is unhealthy: %v", e.m.URL, err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.endpointByID(id); cur != nil {
		e.m.UpdateTime = strfmt.DateTime(s.now())
		*cur = *e
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) deleteRegistry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.endpointByID(id) == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("registry %d not found", id))
		return
	}
	for _, p := range s.policies {
		if p.srcID() == id || p.destID() == id {
			writeError(w, http.StatusPreconditionFailed, "PRECONDITION", fmt.Sprintf("the registry %d is referenced by policy %s", id, p.m.Name))
			return
		}
	}
	s.endpoints = slices.DeleteFunc(s.endpoints, func(e *endpoint) bool { return e.m.ID == id })
	w.WriteHeader(http.StatusOK)
}

func (s *Server) pingRegistry(w http.ResponseWriter, r *http.Request) {
	var p models.RegistryPing
	if !decode(w, r, &p) {
		return
	}
	var target endpoint
	target.m.Credential = &models.RegistryCredential{}
	if p.ID != nil {
		s.mu.Lock()
		e := s.endpointByID(*p.ID)
		if e == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("registry %d not found", *p.ID))
			return
		}
		target.m, target.secret = e.m, e.secret
		cred := *e.m.Credential
		target.m.Credential = &cred
		s.mu.Unlock()
	}
	if p.URL != nil {
		target.m.URL = *p.URL
	}
	if p.Insecure != nil {
		target.m.Insecure = *p.Insecure
	}
	if p.AccessKey != nil {
		target.m.Credential.AccessKey = *p.AccessKey
	}
	if p.AccessSecret != nil {
		target.secret = *p.AccessSecret
	}
	if p.Type != nil {
		target.m.Type = *p.Type
	}
	if target.m.URL == "" || target.m.Type == "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "type or url cannot be empty")
		return
	}
	err := s.ping(r.Context(), target.m.URL, target.m.Insecure, target.m.Credential.AccessKey, target.secret)
	if p.ID != nil {
		s.mu.Lock()
		if e := s.endpointByID(*p.ID); e != nil {
			e.m.Status = "healthy"
			if err != nil {
				e.m.Status = "unhealthy"
			}
		}
		s.mu.Unlock()
	}
	if err != nil {
		s.logger.Info("harbortest: ping failed", "url", target.m.URL, "err", err)
		// Harbor v2.13 (src/server/v2.0/handler/registry.go, PingRegistry): an
		// "ali-acr" endpoint pings the registry while its adapter is created
		// (src/pkg/reg/adapter/aliacr/adapter.go, newAdapter → util.Ping); a
		// failure to get any answer there (refused, timed out, an untrusted
		// certificate) reaches SendError, which answers any 5xx as
		// UNKNOWN "internal server error" (src/lib/http/error.go). Every other
		// failure is the native HealthCheck's "unhealthy", answered as 400.
		if target.m.Type == "ali-acr" && isConnError(err) {
			writeError(w, http.StatusInternalServerError, "UNKNOWN", "internal server error")
			return
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "the registry is unhealthy")
		return
	}
	w.WriteHeader(http.StatusOK)
}
