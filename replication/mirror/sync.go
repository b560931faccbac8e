package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/regdr/regdr/replication"
	"golang.org/x/sync/semaphore"
)

// Sync plans and applies in one pass, repository by repository: each repository's items go
// to the copy as soon as they are decided, so listing, looking at the destination and
// fetching manifests overlap copying instead of preceding it. It is Plan then Apply with
// the same guarantees — every destination name mapped and validated before any request to
// the destination; a manifest never pushed before its blobs and children, nor a referrer
// before its subject; the destination tag looked at again right before each manifest push
// (ErrTagChanged, ErrStalePlan); every item verified; retries, give-up and progress events
// as Apply's — without a Plan to look at first: use Plan and Apply for a dry run or a plan
// to save, print or split.
//
// Repositories are planned in destination name order, a few at a time (Jobs/2, at least
// one), and handed to the copy in that order, so blobs go to the same home repositories as
// with Apply (and a run after an interruption mounts them from there). Planning stays a
// little ahead of copying (at most twice Jobs repositories planned or being copied), and
// the two share each registry's Jobs request slots, a freed slot going to planning first
// so the copy never runs dry behind its own queue: about Jobs requests are in flight to
// each registry (each planner's listing or manifest request aside), and memory holds the manifests of those
// repositories only, not the whole plan's.
//
// A repository whose planning fails (as Plan would) ends the run: the repositories before
// it in name order are copied and verified, none after it is started, and the error names
// it. The report covers the items handed to the copy; its request counts include the
// planning's.
func (s *Syncer) Sync(ctx context.Context) (*Report, error) {
	start := s.opts.Clock.Now()
	src0, dst0 := s.Requests()
	retries0 := s.retries.Load()
	repos, names, err := s.selectRepositories(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(repos, func(i, j int) bool { return names[repos[i]] < names[repos[j]] })

	state := s.ownState(s.loadState()) // shared by every repository's plan, recorded once at the end
	r := s.newApplyRun(&Plan{Source: s.src.ep.Registry, Destination: s.dst.ep.Registry, Shard: s.opts.Shard, Shards: s.opts.Shards, Manifests: map[string]Manifest{}}, copySlots{s.srcSlots}, copySlots{s.dstSlots})
	r.refs = map[string]int{}
	jobs := s.opts.Jobs
	planners := max(1, jobs/2)
	window := semaphore.NewWeighted(int64(2 * jobs))

	planCtx, stopPlanning := context.WithCancel(ctx)
	defer stopPlanning()
	planned := make([]chan *Plan, len(repos))
	planErrs := make([]error, len(repos))
	for k := range planned {
		planned[k] = make(chan *Plan, 1)
	}
	next := make(chan int)
	var pwg sync.WaitGroup
	pwg.Add(1)
	go func() { // hands repositories to the planners in order, as the window allows
		defer pwg.Done()
		defer close(next)
		for k := range repos {
			if window.Acquire(planCtx, 1) != nil {
				return
			}
			select {
			case next <- k:
			case <-planCtx.Done():
				return
			}
		}
	}()
	for range planners {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for k := range next {
				p, err := s.planOne(planCtx, repos[k], names[repos[k]], state)
				planErrs[k] = err
				planned[k] <- p
			}
		}()
	}

	var awg sync.WaitGroup
	perRepo := make([][]Result, len(repos))
	var planErr error
dispatch:
	for k := range repos {
		var p *Plan
		select {
		case p = <-planned[k]:
		case <-planCtx.Done():
			planErr = &PlanningError{Repository: repos[k], Err: context.Cause(planCtx)}
			break dispatch
		}
		if planErrs[k] != nil {
			planErr = &PlanningError{Repository: repos[k], Err: planErrs[k]}
			break dispatch
		}
		r.merge(p)
		r.addHomes(p.Items)
		r.addResumeGuess(p.Items)
		awg.Add(1)
		go func() {
			defer awg.Done()
			defer window.Release(1)
			res := make([]Result, len(p.Items))
			r.items(ctx, p.Items, res)
			r.verify(ctx, res)
			perRepo[k] = res
			r.forget(p)
		}()
	}
	stopPlanning()
	pwg.Wait()
	awg.Wait()
	var results []Result
	for _, res := range perRepo {
		results = append(results, res...)
	}
	// The repositories a run cut short did not reach keep their records (recordState
	// replaces only those the results cover).
	s.recordState(&Plan{state: state}, results)
	rep, err := r.report(results, start, src0, dst0, retries0)
	if planErr != nil {
		err = errors.Join(fmt.Errorf("syncing: %w", planErr), err)
	}
	return rep, err
}

// selectRepositories lists the source's repositories the selector picks and maps each to
// its validated destination name, as Plan does, and keeps those of Options.Shard.
func (s *Syncer) selectRepositories(ctx context.Context) ([]string, map[string]string, error) {
	all, err := s.source.Repositories(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A listing that changed between its pages can name a repository twice: it is
	// planned and copied once.
	var repos []string
	seen := map[string]bool{}
	for _, r := range all {
		if !seen[r] && s.opts.Selector.MatchRepository(r) {
			seen[r] = true
			repos = append(repos, r)
		}
	}
	names, err := replication.MapNames(s.opts.Flattener, repos, s.opts.Validate)
	if err != nil {
		return nil, nil, fmt.Errorf("planning sync: %w", err)
	}
	if n := s.opts.Shards; n > 0 {
		// Mapped and validated as a whole first: every part refuses a bad mapping alike.
		repos = slices.DeleteFunc(repos, func(r string) bool { return ShardIndex(names[r], n) != s.opts.Shard })
	}
	return repos, names, nil
}

// planOne plans one repository as Plan does, into a plan of its own, sorted and
// validated as Apply would validate it.
func (s *Syncer) planOne(ctx context.Context, src, dst string, state *planState) (*Plan, error) {
	p := &Plan{Source: s.src.ep.Registry, Destination: s.dst.ep.Registry, Manifests: map[string]Manifest{}, raw: map[string][]byte{}, state: state}
	var mu sync.Mutex
	items, err := s.planRepo(ctx, src, dst, p, &mu)
	if err != nil {
		return nil, err
	}
	p.Items = items
	p.sortItems()
	if err := s.validatePlan(p); err != nil {
		return nil, err
	}
	return p, nil
}

// merge makes one repository's manifests known to the run, until forget.
func (r *applyRun) merge(p *Plan) {
	r.live.Lock()
	for d, m := range p.Manifests {
		r.p.Manifests[d] = m
		r.refs[d]++
	}
	r.live.Unlock()
	r.rawMu.Lock()
	for d, b := range p.raw {
		if _, ok := r.bytes[d]; !ok {
			r.bytes[d] = b
		}
	}
	r.rawMu.Unlock()
}

// forget drops the manifests of a repository done with, unless another repository being
// copied holds them too.
func (r *applyRun) forget(p *Plan) {
	var gone []string
	r.live.Lock()
	for d := range p.Manifests {
		if r.refs[d]--; r.refs[d] <= 0 {
			delete(r.refs, d)
			delete(r.p.Manifests, d)
			gone = append(gone, d)
		}
	}
	r.live.Unlock()
	r.rawMu.Lock()
	for _, d := range gone {
		delete(r.bytes, d)
		delete(r.types, d)
		if c, ok := r.raw[d]; ok {
			select {
			case <-c.done:
				delete(r.raw, d)
			default:
			}
		}
	}
	r.rawMu.Unlock()
}

// PlanningError is Sync's error for the repository whose planning failed (or was cut
// short), which ended the run: the repositories before it in name order were copied and
// verified, none after it was started. Sync joins it with the items' errors; find it with
// errors.As. Err is the cause (errors.Is finds the engine's sentinels through it).
type PlanningError struct {
	Repository string // the source repository
	Err        error
}

func (e *PlanningError) Error() string { return "planning " + e.Repository + ": " + e.Err.Error() }

func (e *PlanningError) Unwrap() error { return e.Err }
