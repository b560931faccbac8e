package harbortest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// Execution and task statuses, as Harbor spells them.
const (
	statusInProgress = "InProgress"
	statusSucceed    = "Succeed"
	statusFailed     = "Failed"
	statusStopped    = "Stopped"
	statusPending    = "Pending"
	statusRunning    = "Running"
)

type execution struct {
	m      models.ReplicationExecution
	tasks  []*task
	cancel context.CancelFunc
}

type task struct {
	m   models.ReplicationTask
	log strings.Builder
}

func (s *Server) executionByID(id int64) *execution {
	for _, e := range s.executions {
		if e.m.ID == id {
			return e
		}
	}
	return nil
}

// scope limits an event-based execution to one artifact.
type scope struct{ repo, digest string }

// startExecution records a new execution of p and runs it (in the background
// unless WithSyncExecutions). The caller holds s.mu; it is released while a
// synchronous execution runs and taken again before returning.
func (s *Server) startExecution(p *policy, trigger string, only *scope) *execution {
	ctx, cancel := context.WithCancel(s.ctx)
	e := &execution{cancel: cancel, m: models.ReplicationExecution{
		ID: s.id(), PolicyID: p.m.ID, Status: statusInProgress, Trigger: trigger, StartTime: strfmt.DateTime(s.now()),
	}}
	s.executions = append(s.executions, e)
	s.running++
	s.wg.Add(1)
	pol := p.m
	run := func() {
		defer s.wg.Done()
		s.run(ctx, e, pol, only)
	}
	if s.sync {
		s.mu.Unlock()
		run()
		s.mu.Lock()
	} else {
		go run()
	}
	return e
}

// onPush starts every enabled event-based push policy that selects the
// artifact just pushed.
func (s *Server) onPush(repo, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range append([]*policy(nil), s.policies...) {
		if !p.m.Enabled || p.m.Trigger == nil || p.m.Trigger.Type != "event_based" || p.srcID() != 0 {
			continue
		}
		if ws, err := s.candidates(p.m, &scope{repo: repo, digest: digest}); err != nil || len(ws) > 0 {
			s.startExecution(p, "event_based", &scope{repo: repo, digest: digest})
		}
	}
}

func (s *Server) startExecutionAPI(w http.ResponseWriter, r *http.Request) {
	var req models.StartReplicationExecution
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.policyByID(req.PolicyID)
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("policy %d not found", req.PolicyID))
		return
	}
	if !p.m.Enabled {
		writeError(w, http.StatusPreconditionFailed, "PRECONDITION", fmt.Sprintf("the policy %d is disabled", req.PolicyID))
		return
	}
	e := s.startExecution(p, "manual", nil)
	writeCreated(w, apiPrefix+"/replication/executions/"+strconv.FormatInt(e.m.ID, 10))
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	out := []*models.ReplicationExecution{}
	for i := len(s.executions) - 1; i >= 0; i-- { // newest first
		e := s.executions[i]
		if v := q.Get("policy_id"); v != "" && v != strconv.FormatInt(e.m.PolicyID, 10) {
			continue
		}
		if v := q.Get("status"); v != "" && v != e.m.Status {
			continue
		}
		if v := q.Get("trigger"); v != "" && v != e.m.Trigger {
			continue
		}
		m := e.m
		out = append(out, &m)
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) lookupExecution(w http.ResponseWriter, r *http.Request) *execution {
	id, ok := pathID(w, r, "id")
	if !ok {
		return nil
	}
	e := s.executionByID(id)
	if e == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("execution %d not found", id))
	}
	return e
}

func (s *Server) getExecution(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.lookupExecution(w, r); e != nil {
		m := e.m
		writeJSON(w, http.StatusOK, &m)
	}
}

func (s *Server) stopExecution(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupExecution(w, r)
	if e == nil {
		return
	}
	if e.m.Status == statusInProgress {
		e.cancel()
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e := s.lookupExecution(w, r)
	if e == nil {
		s.mu.Unlock()
		return
	}
	out := []*models.ReplicationTask{}
	for _, t := range e.tasks {
		m := t.m
		out = append(out, &m)
	}
	s.mu.Unlock()
	paginate(w, r, out)
}

func (s *Server) taskLog(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupExecution(w, r)
	if e == nil {
		return
	}
	tid, ok := pathID(w, r, "task")
	if !ok {
		return
	}
	for _, t := range e.tasks {
		if t.m.ID == tid {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(t.log.String()))
			return
		}
	}
	writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("task %d of execution %d not found", tid, e.m.ID))
}
