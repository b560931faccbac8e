package harbortest

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
)

// SetEndpointDown makes every request the server sends to the host of rawURL
// fail as if nothing listened there (down = true), or restores it.
func (s *Server) SetEndpointDown(rawURL string, down bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if down {
		s.down[u.Host] = true
	} else {
		delete(s.down, u.Host)
	}
}

// FailTasks makes every replication task of source repository repo (e.g.
// "library/nginx") fail, until called again with fail = false.
func (s *Server) FailTasks(repo string, fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fail {
		s.failRepos[repo] = true
	} else {
		delete(s.failRepos, repo)
	}
}

// HoldExecutions keeps executions started from now on InProgress, doing
// nothing, until release is called: tests can observe a running execution.
func (s *Server) HoldExecutions() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
	ch := s.hold
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.hold == ch {
			close(ch)
			s.hold = nil
		}
	}
}

// WaitExecutions blocks until no execution is running, or ctx is done.
func (s *Server) WaitExecutions(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.idle.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.running > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.idle.Wait()
	}
	return nil
}

// AddProject creates a project (or changes its visibility).
func (s *Server) AddProject(name string, public bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addProject(name, public)
}

// AddLabel attaches label to the artifact of repo with the given tag or digest.
func (s *Server) AddLabel(repo, reference, label string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil {
		return fmt.Errorf("harbortest: no repository %q", repo)
	}
	a := r.find(reference)
	if a == nil {
		return fmt.Errorf("harbortest: no artifact %s@%s", repo, reference)
	}
	if !slices.Contains(a.labels, label) {
		a.labels = append(a.labels, label)
	}
	return nil
}

// ArtifactInfo is an artifact as the server stores it.
type ArtifactInfo struct {
	Digest     string
	MediaType  string // the manifest's
	Tags       []string
	Size       int64
	Accessory  string // accessory type; "" for a plain artifact
	Subject    string // for an accessory, the digest it is attached to
	IndexChild bool
}

// Repositories returns the names of every repository, sorted.
func (s *Server) Repositories() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.repos {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Artifacts returns every artifact of repo (accessories and index children
// included), in push order.
func (s *Server) Artifacts(repo string) []ArtifactInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil {
		return nil
	}
	var out []ArtifactInfo
	for _, a := range r.artifacts {
		out = append(out, ArtifactInfo{Digest: a.digest, MediaType: a.manifestMediaType, Tags: slices.Clone(a.tags),
			Size: a.size, Accessory: a.accessoryType, Subject: a.subject, IndexChild: a.child})
	}
	return out
}

// ExecutionInfo is a replication execution as the server stores it.
type ExecutionInfo struct {
	ID, PolicyID int64
	Trigger      string
	Status       string
	StatusText   string
	Tasks        []TaskInfo
}

// TaskInfo is one task of an execution.
type TaskInfo struct {
	ID          int64
	Status      string
	SrcResource string
	DstResource string
	Log         string
}

// Executions returns every execution, oldest first.
func (s *Server) Executions() []ExecutionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ExecutionInfo
	for _, e := range s.executions {
		ei := ExecutionInfo{ID: e.m.ID, PolicyID: e.m.PolicyID, Trigger: e.m.Trigger, Status: e.m.Status, StatusText: e.m.StatusText}
		for _, t := range e.tasks {
			ei.Tasks = append(ei.Tasks, TaskInfo{ID: t.m.ID, Status: t.m.Status, SrcResource: t.m.SrcResource, DstResource: t.m.DstResource, Log: t.log.String()})
		}
		out = append(out, ei)
	}
	return out
}
