package mirror

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regdr/regdr/replication"
	"golang.org/x/sync/semaphore"
)

// applyRun is the state of one Apply.
type applyRun struct {
	s *Syncer
	p *Plan
	// srcSem and dstSem bound the requests in flight to each registry: Jobs each.
	srcSem, dstSem slotter

	rawMu sync.Mutex
	raw   map[string]*memoCall // digest → manifest fetched (when the plan has no bytes)
	bytes map[string][]byte
	types map[string]string

	blobs, placed, trees, children memo
	// live guards p.Manifests, home and resumeFrom, which a pipelined Sync adds to while
	// the copies run; Apply only reads them.
	live       sync.RWMutex
	home       map[string]syncHome
	resumeFrom string         // see addResumeGuess
	refs       map[string]int // Sync: how many repositories being copied hold each manifest

	mounts                                    atomic.Bool // the destination mounted a blob across repositories
	blobsUploaded, blobsMounted, blobsPresent atomic.Int64
	manifests                                 atomic.Int64
	bytesN                                    atomic.Int64
}

// Apply copies what plan says, at most Jobs requests at a time to each registry, then checks with one HEAD
// per item that every planned artifact is at the destination. It keeps going past an item's
// failure; the error joins every failure and every item not verified. The report is
// complete either way.
//
// Apply after an interruption re-sends only what is missing: blobs are looked for before
// they are sent, and manifests already pushed are found by digest.
func (s *Syncer) Apply(ctx context.Context, plan *Plan) (*Report, error) {
	if plan.Source != s.src.ep.Registry || plan.Destination != s.dst.ep.Registry {
		return nil, fmt.Errorf("applying a plan for %s → %s with a syncer for %s → %s: %w",
			plan.Source, plan.Destination, s.src.ep.Registry, s.dst.ep.Registry, ErrPlanMismatch)
	}
	if err := s.validatePlan(plan); err != nil {
		return nil, err
	}
	start := s.opts.Clock.Now()
	src0, dst0 := s.Requests()
	retries0 := s.retries.Load()
	r := s.newApplyRun(plan, semaphore.NewWeighted(int64(s.opts.Jobs)), semaphore.NewWeighted(int64(s.opts.Jobs)))
	r.addHomes(plan.Items)
	r.addResumeGuess(plan.Items)
	for d, b := range plan.raw {
		r.bytes[d] = b
	}
	results := make([]Result, len(plan.Items))
	r.items(ctx, plan.Items, results)
	r.verify(ctx, results)
	s.recordState(plan, results)
	return r.report(results, start, src0, dst0, retries0)
}

func (s *Syncer) newApplyRun(p *Plan, srcSem, dstSem slotter) *applyRun {
	return &applyRun{s: s, p: p, srcSem: srcSem, dstSem: dstSem,
		raw: map[string]*memoCall{}, bytes: map[string][]byte{}, types: map[string]string{}}
}

// items runs items, writing each one's result at the same index of results. Referrers go
// after everything else, so a subject is in place before what points at it.
func (r *applyRun) items(ctx context.Context, items []Item, results []Result) {
	for _, phase := range []bool{false, true} {
		var wg sync.WaitGroup
		for i, it := range items {
			if (it.Subject != "") != phase {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = r.item(ctx, it)
				r.emit(Event{Kind: EventItem, Repo: it.Dest, Ref: it.ref(), Digest: it.Digest, Outcome: string(results[i].Outcome), Err: results[i].Err})
			}()
		}
		wg.Wait()
	}
}

// report sums results up, with the requests and retries since src0, dst0 and retries0.
func (r *applyRun) report(results []Result, start time.Time, src0, dst0, retries0 int64) (*Report, error) {
	s := r.s
	rep := &Report{Items: len(results), Results: results}
	var errs []error
	for _, res := range results {
		switch res.Outcome {
		case OutcomeCopied:
			rep.Copied++
		case OutcomeTagged:
			rep.Tagged++
		case OutcomeSkipped:
			rep.Skipped++
		case OutcomeConflict:
			rep.Conflicts++
		case OutcomeFailed:
			rep.Failed++
		}
		if res.Verified {
			rep.Verified++
		}
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", res.Item.Ref(), res.Err))
		}
	}
	rep.BlobsUploaded = int(r.blobsUploaded.Load())
	rep.BlobsMounted = int(r.blobsMounted.Load())
	rep.BlobsPresent = int(r.blobsPresent.Load())
	rep.Manifests = int(r.manifests.Load())
	rep.BytesUploaded = r.bytesN.Load()
	rep.Retries = s.retries.Load() - retries0
	src1, dst1 := s.Requests()
	rep.SourceRequests, rep.DestRequests = src1-src0, dst1-dst0
	rep.Duration = s.opts.Clock.Now().Sub(start)
	return rep, errors.Join(errs...)
}

func (r *applyRun) item(ctx context.Context, it Item) Result {
	res := Result{Item: it}
	switch it.Action {
	case Skip:
		res.Outcome = OutcomeSkipped
		return res
	case Conflict:
		res.Outcome = OutcomeConflict
		res.Err = ErrConflict
		return res
	case Invalid:
		res.Outcome, res.Err = OutcomeFailed, fmt.Errorf("%w: %q", ErrInvalidTag, it.Tag)
		return res
	}
	switch it.Action {
	case Copy:
		res.Outcome = OutcomeCopied
		_, _, err := r.trees.do(ctx, it.Dest+"@"+it.Digest, func(*memoCall) error {
			return r.tree(ctx, it.Source, it.Dest, it.Digest)
		})
		if err != nil {
			res.Outcome, res.Err = OutcomeFailed, err
			return res
		}
	case TagOnly:
		res.Outcome = OutcomeTagged
	default:
		res.Outcome, res.Err = OutcomeFailed, fmt.Errorf("unknown action %q", it.Action)
		return res
	}
	// Someone may have pushed to the tag since the plan, during the copy too (Harbor's
	// event-based replication for one): look again right before the push, and leave a newer
	// image alone. Overwriting a tag (Override) only if it still holds what the plan saw;
	// a tag the plan saw absent (or already ours) must not hold anything else.
	if it.Tag != "" && it.DestDigest != "" {
		if err := r.checkUnchanged(ctx, it); err != nil {
			res.Outcome, res.Err = OutcomeFailed, err
			return res
		}
	} else if it.Tag != "" {
		if err := r.checkTagFree(ctx, it); err != nil {
			res.Outcome, res.Err = OutcomeFailed, err
			if errors.Is(err, ErrConflict) {
				res.Outcome = OutcomeConflict
			}
			return res
		}
	}
	if err := r.putManifest(ctx, it.Source, it.Dest, it.Digest, it.ref()); err != nil {
		res.Outcome, res.Err = OutcomeFailed, err
	}
	return res
}

// ErrTagChanged: without Override, a destination tag came to hold another digest
// between the plan and the push; it was left alone. It matches ErrConflict too.
var ErrTagChanged = fmt.Errorf("%w since the plan", ErrConflict)

// checkTagFree refuses to push over a tag that now holds a digest other than the item's.
func (r *applyRun) checkTagFree(ctx context.Context, it Item) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	cur, found, err := r.s.dst.headManifest(ctx, it.Dest, it.Tag)
	if err != nil {
		return fmt.Errorf("checking %s before the push: %w", it.Ref(), err)
	}
	if found && cur != it.Digest {
		return fmt.Errorf("%s holds %s, pushed since the plan: %w", it.Ref(), syncShort(cur), ErrTagChanged)
	}
	return nil
}

// checkUnchanged refuses to overwrite a destination tag that moved since the plan.
func (r *applyRun) checkUnchanged(ctx context.Context, it Item) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	cur, _, err := r.s.dst.headManifest(ctx, it.Dest, it.Tag)
	if err != nil {
		return err
	}
	if cur != it.DestDigest && cur != it.Digest {
		return fmt.Errorf("%s holds %s, the plan saw %s: %w", it.Ref(), syncShort(cur), syncShort(it.DestDigest), ErrStalePlan)
	}
	return nil
}

// tree puts in place everything manifest digest needs, not the manifest itself: its blobs
// and, for an index, its children (each pushed after its own blobs).
func (r *applyRun) tree(ctx context.Context, src, dst, digest string) error {
	m, err := r.manifest(ctx, src, digest)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(m.Blobs)+len(m.Children))
	for i, b := range m.Blobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.blob(ctx, src, dst, b)
		}()
	}
	for i, c := range m.Children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[len(m.Blobs)+i] = r.children.do(ctx, dst+"@"+c, func(*memoCall) error {
				return r.child(ctx, src, dst, c)
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// child pushes an index's child manifest by digest unless the destination has it.
func (r *applyRun) child(ctx context.Context, src, dst, digest string) error {
	var found bool
	err := func() error {
		if err := r.acquire(ctx); err != nil {
			return err
		}
		defer r.release()
		var err error
		_, found, err = r.s.dst.headManifest(ctx, dst, digest)
		return err
	}()
	if err != nil || found {
		return err
	}
	if err := r.tree(ctx, src, dst, digest); err != nil {
		return err
	}
	return r.putManifest(ctx, src, dst, digest, digest)
}

// manifest returns what the plan knows of digest, fetching it from the source when the plan
// came through JSON (which keeps the tree, not the bytes).
func (r *applyRun) manifest(ctx context.Context, src, digest string) (Manifest, error) {
	if m, ok := r.known(digest); ok {
		return m, nil
	}
	if _, _, err := r.rawManifest(ctx, src, digest); err != nil {
		return Manifest{}, err
	}
	r.rawMu.Lock()
	defer r.rawMu.Unlock()
	return parseManifest(r.bytes[digest], r.types[digest])
}

func (r *applyRun) rawManifest(ctx context.Context, src, digest string) ([]byte, string, error) {
	m, _ := r.known(digest)
	mt := m.MediaType
	r.rawMu.Lock()
	b, ok := r.bytes[digest]
	if t := r.types[digest]; t != "" {
		mt = t
	}
	c := r.raw[digest]
	if c == nil && !ok {
		c = &memoCall{done: make(chan struct{})}
		r.raw[digest] = c
		r.rawMu.Unlock()
		err := func() error {
			if err := r.acquireSrc(ctx); err != nil {
				return err
			}
			defer r.releaseSrc()
			raw, t, err := r.s.src.getManifest(ctx, src, digest, digest)
			if err == nil {
				r.rawMu.Lock()
				r.bytes[digest], r.types[digest] = raw, t
				r.rawMu.Unlock()
			}
			return err
		}()
		c.err = err
		close(c.done)
		r.rawMu.Lock()
		b, mt = r.bytes[digest], r.types[digest]
		r.rawMu.Unlock()
		return b, mt, err
	}
	r.rawMu.Unlock()
	if !ok {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
		if c.err != nil {
			return nil, "", c.err
		}
		r.rawMu.Lock()
		b, mt = r.bytes[digest], r.types[digest]
		r.rawMu.Unlock()
	}
	if mt == "" {
		if m, err := parseManifest(b, ""); err == nil {
			mt = m.MediaType
		}
	}
	return b, mt, nil
}

func (r *applyRun) putManifest(ctx context.Context, src, dst, digest, ref string) error {
	raw, mt, err := r.rawManifest(ctx, src, digest)
	if err != nil {
		return err
	}
	err = func() error {
		if err := r.acquire(ctx); err != nil {
			return err
		}
		defer r.release()
		return r.s.dst.putManifest(ctx, dst, ref, mt, raw)
	}()
	if err == nil {
		r.manifests.Add(1)
		r.emit(Event{Kind: EventManifest, Repo: dst, Ref: ref, Digest: digest})
	}
	return err
}

// verify checks every item but the conflicts left alone (and, unless Reverify, the items
// the plan found in place): HEAD by tag, or by digest for an untagged referrer, must answer
// the planned digest.
func (r *applyRun) verify(ctx context.Context, results []Result) {
	var wg sync.WaitGroup
	for i := range results {
		res := &results[i]
		if res.Outcome == OutcomeConflict || res.Item.Action == Invalid {
			continue
		}
		if res.Outcome == OutcomeSkipped && !r.s.opts.Reverify {
			res.Verified = true // the plan just saw it in place
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d string
			var found bool
			err := func() error {
				if err := r.acquire(ctx); err != nil {
					return err
				}
				defer r.release()
				var err error
				d, found, err = r.s.dst.headManifest(ctx, res.Item.Dest, res.Item.ref())
				return err
			}()
			switch {
			case err == nil && found && d == res.Item.Digest:
				res.Verified = true
			case res.Err != nil:
			case err != nil:
				res.Outcome, res.Err = OutcomeFailed, fmt.Errorf("verifying: %w", err)
			default:
				res.Outcome, res.Err = OutcomeFailed, fmt.Errorf("%w: found %q", ErrNotVerified, d)
			}
		}()
	}
	wg.Wait()
}

// known returns what the plan knows of manifest digest.
func (r *applyRun) known(digest string) (Manifest, bool) {
	r.live.RLock()
	defer r.live.RUnlock()
	m, ok := r.p.Manifests[digest]
	return m, ok
}

// acquire takes a destination request slot; release gives it back.
func (r *applyRun) acquire(ctx context.Context) error { return r.dstSem.Acquire(ctx, 1) }

func (r *applyRun) release() { r.dstSem.Release(1) }

// acquireSrc takes a source request slot; releaseSrc gives it back. A blob's transfer
// holds a destination slot, then a source one for its GET streaming into the PUT: no
// request takes them in the other order, so none waits for a slot another holds while it
// waits for one this holds.
func (r *applyRun) acquireSrc(ctx context.Context) error { return r.srcSem.Acquire(ctx, 1) }

func (r *applyRun) releaseSrc() { r.srcSem.Release(1) }

func (r *applyRun) retry(ctx context.Context, op func() error) error {
	return retryDo(ctx, r.s.policy, r.s.opts.Clock, r.s.retried, op)
}

func (r *applyRun) emit(e Event) { r.s.emit(e) }

var (
	digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	tagRE    = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
)

// validatePlan checks, before the first request, what Apply puts into URLs and what it
// does: every name (destination names by the Syncer's Validate), action, tag and digest.
// A plan read back from JSON may come from another Syncer, or have been edited.
func (s *Syncer) validatePlan(p *Plan) error {
	var errs []error
	digest := func(what, d string) {
		if !validDigest(d) {
			errs = append(errs, fmt.Errorf("%w: %s: %q is not a digest", ErrInvalidPlan, what, d))
		}
	}
	for _, it := range p.Items {
		ref := it.Ref()
		if err := replication.ValidateRepositoryName(it.Source); err != nil {
			errs = append(errs, fmt.Errorf("%s: source: %w", ref, err))
		}
		if err := s.opts.Validate(it.Dest); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ref, err))
		}
		switch it.Action {
		case Copy, TagOnly, Skip, Conflict:
		case Invalid:
			continue // reported failed; nothing of it goes into a request
		default:
			errs = append(errs, fmt.Errorf("%w: %s: unknown action %q", ErrInvalidPlan, ref, it.Action))
		}
		if it.Tag != "" && !tagRE.MatchString(it.Tag) {
			errs = append(errs, fmt.Errorf("%w: %s: %q is not a tag", ErrInvalidPlan, ref, it.Tag))
		}
		digest(ref, it.Digest)
		if it.DestDigest != "" {
			digest(ref+" destination digest", it.DestDigest)
		}
		if it.Subject != "" {
			digest(ref+" subject", it.Subject)
		}
	}
	for d, m := range p.Manifests {
		digest("manifest", d)
		for _, b := range m.Blobs {
			digest("blob of "+d, b.Digest)
		}
		for _, c := range m.Children {
			digest("child of "+d, c)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("applying sync plan: %w", errors.Join(errs...))
	}
	return nil
}
