package harbortest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// sourceHost is the name the server gives its own registry when it reads from
// itself in-process.
const sourceHost = "harbortest.internal"

// errInjected is what a task made to fail by FailTasks fails with.
var errInjected = errors.New("injected failure (harbortest)")

// work is what one task copies: one source repository's selected references.
type work struct {
	repo string
	refs []string // tags, or digests of untagged artifacts, then accessories
	tags []string // for the task's resource names
}

// candidates lists, per repository, what policy m selects (within only, if
// set), by Harbor's rules (rules.go). An error is what Harbor's execution
// fails with: a malformed glob is accepted with the policy and fails here.
// The caller holds s.mu.
func (s *Server) candidates(m models.ReplicationPolicy, only *scope) ([]work, error) {
	fs, err := parseFilters(m.Filters)
	if err != nil {
		return nil, err
	}
	var out []work
	for _, repo := range s.sortedRepos() {
		if only != nil && repo.name != only.repo {
			continue
		}
		if ok, err := matchRepository(fs, repo.name); err != nil {
			return nil, fmt.Errorf("failed to fetch artifacts: %w", err)
		} else if !ok {
			continue
		}
		var w work
		for _, a := range repo.artifacts {
			if !a.topLevel() || (only != nil && a.digest != only.digest) {
				continue
			}
			tags, ok, err := selectArtifact(fs, a.tags, a.labels)
			if err != nil {
				return nil, fmt.Errorf("failed to fetch artifacts: %w", err)
			}
			if !ok {
				continue
			}
			if len(a.tags) == 0 {
				w.refs = append(w.refs, a.digest)
			} else {
				w.refs = append(w.refs, tags...)
				w.tags = append(w.tags, tags...)
			}
			for _, x := range repo.artifacts { // accessories follow their subject
				if x.accessoryType != "" && x.subject == a.digest {
					if len(x.tags) > 0 {
						w.refs = append(w.refs, x.tags...)
					} else {
						w.refs = append(w.refs, x.digest)
					}
				}
			}
		}
		if len(w.refs) > 0 {
			w.repo = repo.name
			out = append(out, w)
		}
	}
	return out, nil
}

func resource(repo string, tags []string) string {
	return repo + ":[" + strings.Join(tags, ",") + "]"
}

// run executes one replication: one task per repository, copied with
// go-containerregistry from this server (in-process) to the destination endpoint.
func (s *Server) run(ctx context.Context, e *execution, pol models.ReplicationPolicy, only *scope) {
	defer func() {
		s.mu.Lock()
		s.running--
		s.idle.Broadcast()
		s.mu.Unlock()
	}()
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}

	s.mu.Lock()
	var dest *endpoint
	if pol.DestRegistry != nil {
		if d := s.endpointByID(pol.DestRegistry.ID); d != nil {
			cp := *d
			dest = &cp
		}
	}
	works, selErr := s.candidates(pol, only)
	fail := map[string]bool{}
	for k, v := range s.failRepos {
		fail[k] = v
	}
	switch {
	case pol.SrcRegistry != nil:
		s.finish(e, statusFailed, "pull-based replication is not supported by harbortest")
		s.mu.Unlock()
		return
	case dest == nil:
		s.finish(e, statusFailed, "the destination registry no longer exists")
		s.mu.Unlock()
		return
	case selErr != nil:
		s.finish(e, statusFailed, selErr.Error())
		s.mu.Unlock()
		return
	}
	// Harbor names every destination before it creates a task, and one name it
	// cannot make fails the whole execution (copyFlow.Run →
	// assembleDestinationResources, src/controller/replication/flow).
	dsts := make([]string, len(works))
	for i, w := range works {
		d, err := replaceNamespace(w.repo, pol.DestNamespace, *pol.DestNamespaceReplaceCount)
		if err != nil {
			s.finish(e, statusFailed, err.Error())
			s.mu.Unlock()
			return
		}
		dsts[i] = d
	}
	for _, w := range works {
		t := &task{m: models.ReplicationTask{ID: s.id(), ExecutionID: e.m.ID, JobID: fmt.Sprintf("job-%d", e.m.ID),
			Status: statusPending, Operation: "copy", ResourceType: "image", SrcResource: resource(w.repo, w.tags)}}
		e.tasks = append(e.tasks, t)
	}
	s.count(e)
	s.mu.Unlock()

	reg, _, regErr := endpointRegistry(dest.m.URL)
	dstOpts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuth(authenticator(dest.m.Credential.AccessKey, dest.secret)),
		remote.WithTransport(speedTransport(s.outbound(dest.m.Insecure), derefSpeed(pol.Speed))),
	}
	srcOpts := []remote.Option{remote.WithContext(ctx), remote.WithTransport(inProcess{h: s.registry})}

	for i, w := range works {
		t := e.tasks[i]
		s.mu.Lock()
		t.m.Status, t.m.StartTime = statusRunning, strfmt.DateTime(s.now())
		s.mu.Unlock()
		dst, err := dsts[i], regErr
		s.mu.Lock()
		t.m.DstResource = resource(dst, w.tags)
		s.logf(t, "INFO", "replicating %s to %s/%s (override=%t)", w.repo, dest.m.URL, dst, pol.Override)
		s.mu.Unlock()
		if err == nil && fail[w.repo] {
			err = errInjected
		}
		for _, ref := range w.refs {
			if err != nil {
				break
			}
			err = s.copyRef(t, w.repo, reg.Name()+"/"+dst, ref, reg, pol.Override, srcOpts, dstOpts)
		}
		s.mu.Lock()
		t.m.EndTime = strfmt.DateTime(s.now())
		switch {
		case ctx.Err() != nil:
			t.m.Status = statusStopped
			s.logf(t, "WARNING", "stopped")
		case err != nil:
			t.m.Status = statusFailed
			s.logf(t, "ERROR", "%v", err)
		default:
			t.m.Status = statusSucceed
			s.logf(t, "INFO", "done")
		}
		s.count(e)
		s.mu.Unlock()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range e.tasks {
		if t.m.Status == statusPending {
			t.m.Status = statusStopped
		}
	}
	s.count(e)
	switch {
	case ctx.Err() != nil:
		s.finish(e, statusStopped, "")
	case e.m.Failed > 0:
		s.finish(e, statusFailed, fmt.Sprintf("%d of %d tasks failed", e.m.Failed, e.m.Total))
	default:
		s.finish(e, statusSucceed, "")
	}
}

func derefSpeed(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

// copyRef copies src repo's ref (tag or digest) to dstRepo, byte for byte.
func (s *Server) copyRef(t *task, repo, dstRepo, ref string, reg name.Registry, override bool,
	srcOpts, dstOpts []remote.Option) error {
	sep := ":"
	if strings.HasPrefix(ref, "sha256:") {
		sep = "@"
	}
	srcRef, err := name.ParseReference(sourceHost+"/"+repo+sep+ref, name.Insecure)
	if err != nil {
		return err
	}
	var nameOpts []name.Option
	if reg.Scheme() == "http" {
		nameOpts = append(nameOpts, name.Insecure)
	}
	dstRef, err := name.ParseReference(dstRepo+sep+ref, nameOpts...)
	if err != nil {
		return err
	}
	desc, err := remote.Get(srcRef, srcOpts...)
	if err != nil {
		return fmt.Errorf("reading %s%s%s: %w", repo, sep, ref, err)
	}
	if !override && sep == ":" {
		if d, err := remote.Head(dstRef, dstOpts...); err == nil {
			s.mu.Lock()
			s.logf(t, "INFO", "%s already exists at the destination (%s); override is off, skipped", ref, d.Digest)
			s.mu.Unlock()
			return nil
		} else if !isNotFound(err) {
			return fmt.Errorf("checking %s: %w", dstRef, err)
		}
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err == nil {
			err = remote.WriteIndex(dstRef, idx, dstOpts...)
		}
		if err != nil {
			return fmt.Errorf("copying %s: %w", ref, err)
		}
	} else {
		img, err := desc.Image()
		if err == nil {
			err = remote.Write(dstRef, img, dstOpts...)
		}
		if err != nil {
			return fmt.Errorf("copying %s: %w", ref, err)
		}
	}
	s.mu.Lock()
	s.logf(t, "INFO", "copied %s%s%s (%s) to %s", repo, sep, ref, desc.Digest, dstRef)
	s.mu.Unlock()
	return nil
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == 404
}

// logf appends a line to t's log. The caller holds s.mu.
func (s *Server) logf(t *task, level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(&t.log, "%s [%s] %s\n", s.now().Format("2006-01-02T15:04:05Z"), level, msg)
	s.logger.Debug("harbortest replication", "execution", t.m.ExecutionID, "task", t.m.ID, "level", level, "msg", msg)
}

// count recomputes e's counters from its tasks. The caller holds s.mu.
func (s *Server) count(e *execution) {
	m := &e.m
	m.Total, m.Succeed, m.Failed, m.InProgress, m.Stopped = int64(len(e.tasks)), 0, 0, 0, 0
	for _, t := range e.tasks {
		switch t.m.Status {
		case statusSucceed:
			m.Succeed++
		case statusFailed:
			m.Failed++
		case statusStopped:
			m.Stopped++
		default:
			m.InProgress++
		}
	}
}

// finish ends e. The caller holds s.mu.
func (s *Server) finish(e *execution, status, text string) {
	e.m.Status, e.m.StatusText, e.m.EndTime = status, text, strfmt.DateTime(s.now())
	e.cancel()
}
