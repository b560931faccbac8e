package harbortest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

type policy struct {
	m models.ReplicationPolicy // as stored: registries by ID only
}

func (p *policy) srcID() int64 {
	if p.m.SrcRegistry == nil {
		return 0
	}
	return p.m.SrcRegistry.ID
}

func (p *policy) destID() int64 {
	if p.m.DestRegistry == nil {
		return 0
	}
	return p.m.DestRegistry.ID
}

func (s *Server) policyByID(id int64) *policy {
	for _, p := range s.policies {
		if p.m.ID == id {
			return p
		}
	}
	return nil
}

// view returns the policy as Harbor serves it, with its registries expanded.
func (s *Server) policyView(p *policy) *models.ReplicationPolicy {
	m := p.m
	m.Filters = append([]*models.ReplicationFilter{}, p.m.Filters...)
	if id := p.srcID(); id != 0 {
		if e := s.endpointByID(id); e != nil {
			m.SrcRegistry = e.view()
		}
	}
	if id := p.destID(); id != 0 {
		if e := s.endpointByID(id); e != nil {
			m.DestRegistry = e.view()
		}
	}
	return &m
}

// checkPolicy validates m against the stored endpoints and normalizes it as
// Harbor stores it; it returns a message for a 400.
func (s *Server) checkPolicy(m *models.ReplicationPolicy) string {
	if m.Name == "" {
		return "name is required"
	}
	src, dst := int64(0), int64(0)
	if m.SrcRegistry != nil {
		src = m.SrcRegistry.ID
	}
	if m.DestRegistry != nil {
		dst = m.DestRegistry.ID
	}
	if (src == 0) == (dst == 0) {
		return "either the source registry or the destination registry should be empty"
	}
	for _, id := range []int64{src, dst} {
		if id != 0 && s.endpointByID(id) == nil {
			return fmt.Sprintf("registry %d not found", id)
		}
	}
	m.SrcRegistry, m.DestRegistry = nil, nil
	if src != 0 {
		m.SrcRegistry = &models.Registry{ID: src}
	}
	if dst != 0 {
		m.DestRegistry = &models.Registry{ID: dst}
	}
	if m.DestNamespaceReplaceCount == nil { // Harbor's default: flatten all levels
		c := int8(-1)
		m.DestNamespaceReplaceCount = &c
	}
	if m.Trigger == nil {
		m.Trigger = &models.ReplicationTrigger{Type: "manual"}
	}
	switch m.Trigger.Type {
	case "manual", "event_based":
	case "scheduled":
		if m.Trigger.TriggerSettings == nil || len(strings.Fields(m.Trigger.TriggerSettings.Cron)) != 6 {
			return "invalid cron: a 6-field cron (seconds first) is required"
		}
	default:
		return fmt.Sprintf("invalid trigger type %q", m.Trigger.Type)
	}
	if _, err := parseFilters(m.Filters); err != nil {
		return err.Error()
	}
	if m.Filters == nil {
		m.Filters = []*models.ReplicationFilter{}
	}
	if m.Speed == nil || *m.Speed < 0 { // Harbor stores "unlimited" (omitted, -1) as 0
		sp := int32(0)
		m.Speed = &sp
	}
	if m.CopyByChunk == nil {
		f := false
		m.CopyByChunk = &f
	}
	// Harbor acts on the deprecated field; the new one mirrors it.
	m.ReplicateDeletion = m.Deletion
	return ""
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	name := r.URL.Query().Get("name")
	s.mu.Lock()
	out := []*models.ReplicationPolicy{}
	for _, p := range s.policies {
		if q.match("name", p.m.Name) && (name == "" || strings.Contains(p.m.Name, name)) {
			out = append(out, s.policyView(p))
		}
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.policyByID(id)
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("policy %d not found", id))
		return
	}
	writeJSON(w, http.StatusOK, s.policyView(p))
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) {
	var m models.ReplicationPolicy
	if !decode(w, r, &m) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg := s.checkPolicy(&m); msg != "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	for _, p := range s.policies {
		if p.m.Name == m.Name {
			writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("policy %s already exists", m.Name))
			return
		}
	}
	now := strfmt.DateTime(s.now())
	m.ID, m.CreationTime, m.UpdateTime = s.id(), now, now
	s.policies = append(s.policies, &policy{m: m})
	writeCreated(w, apiPrefix+"/replication/policies/"+strconv.FormatInt(m.ID, 10))
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var m models.ReplicationPolicy
	if !decode(w, r, &m) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.policyByID(id)
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("policy %d not found", id))
		return
	}
	if msg := s.checkPolicy(&m); msg != "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	for _, o := range s.policies {
		if o.m.ID != id && o.m.Name == m.Name {
			writeError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("policy %s already exists", m.Name))
			return
		}
	}
	// PUT replaces the whole policy: what the body leaves out is reset.
	m.ID, m.CreationTime, m.UpdateTime = id, p.m.CreationTime, strfmt.DateTime(s.now())
	p.m = m
	w.WriteHeader(http.StatusOK)
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policyByID(id) == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("policy %d not found", id))
		return
	}
	for _, e := range s.executions {
		if e.m.PolicyID == id && e.m.Status == statusInProgress {
			writeError(w, http.StatusPreconditionFailed, "PRECONDITION", fmt.Sprintf("policy %d has running executions", id))
			return
		}
	}
	s.policies = slices.DeleteFunc(s.policies, func(p *policy) bool { return p.m.ID == id })
	w.WriteHeader(http.StatusOK)
}
