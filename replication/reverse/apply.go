package reverse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

// Result is what an Apply did: the copy's report, and the reverse lag measured after it.
type Result struct {
	// Sync is the copy's report; nil when, looked at again right before the copy, Harbor
	// already held everything the plan would write (a second Apply of a plan).
	Sync *mirror.Report `json:"sync,omitempty"`
	// Lag is the reverse lag measured after the copy: complete when Apply succeeded.
	Lag *lag.ReverseReport `json:"lag"`
}

// Copied returns how many tags the copy wrote into Harbor (copied or re-tagged).
func (r *Result) Copied() int {
	if r == nil || r.Sync == nil {
		return 0
	}
	return r.Sync.Copied + r.Sync.Tagged
}

// String summarises the result on one line.
func (r *Result) String() string {
	s := "nothing copied"
	if r.Sync != nil {
		s = fmt.Sprintf("%d copied, %d tagged, %d verified", r.Sync.Copied, r.Sync.Tagged, r.Sync.Verified)
	}
	if r.Lag != nil {
		s += "; reverse lag now " + r.Lag.String()
	}
	return s
}

// Apply carries back what the plan says, with cfg's clients (the plan holds no
// credentials), then measures the reverse lag again. It refuses, before any write, a
// plan with refusals (Plan.Err: ErrUnmapped, ErrStaleTag), a plan made with another
// config (ErrPlanMismatch), and a plan whose world changed: right before the copy it
// measures the reverse lag again, and writes only the tags the plan lists that Harbor
// still lacks (or holds stale), at the digest ACR EE holds and where the tag maps back
// to. A tag the plan writes that ACR EE now holds at another digest, or that Harbor now
// holds at another digest than the plan saw, fails the whole apply with ErrStalePlan; one
// that maps back elsewhere than the plan says (an edited plan) with ErrPlanMismatch. What
// is already in place is not written again, so a second Apply writes nothing. After the
// copy the reverse lag must be complete (ErrIncomplete otherwise); Result is returned
// with every error it can describe.
func (p *Plan) Apply(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := p.matches(cfg); err != nil {
		return nil, err
	}
	if err := p.Err(); err != nil {
		return nil, fmt.Errorf("applying the reverse plan: %w", err)
	}
	res := &Result{}
	if p.HasChanges() {
		rep, err := p.sync(ctx, cfg)
		res.Sync = rep
		if err != nil {
			return res, err
		}
	}
	after, err := cfg.observe(ctx)
	if err != nil {
		return res, fmt.Errorf("verifying the reverse replication: %w", err)
	}
	res.Lag = after
	if !after.Complete() {
		return res, fmt.Errorf("verifying the reverse replication: %w: %s", ErrIncomplete, after)
	}
	return res, nil
}

// sync plans the copy again over the tags the plan listed that the reverse lag measured
// right now still says Harbor lacks (or holds at another digest), refuses it if the plan
// no longer describes them — ACR EE holds another digest under a tag, or the tag maps
// back elsewhere — or if Harbor changed under a tag it writes, and applies it if anything
// is left to write. So Apply writes only what ACR EE holds, where it maps back to, and
// only what the plan was reviewed to write, even when the saved plan was edited.
func (p *Plan) sync(ctx context.Context, cfg Config) (*mirror.Report, error) {
	now, err := cfg.observe(ctx)
	if err != nil {
		return nil, fmt.Errorf("applying the reverse plan: %w", err)
	}
	lagging := map[string]lag.Artifact{} // ACR EE dest:tag → what the lag says now
	for _, a := range slices.Concat(now.Missing, now.Stale, now.Unmapped) {
		lagging[a.Dest+":"+a.Tag] = a
	}
	listing := map[string][]mirror.Tag{}
	listed := map[string]bool{}
	var unmapped, mismatch, moved []error
	for _, it := range p.Sync.Items {
		if it.Tag == "" {
			continue // a referrer by digest: the copy finds it again from its subject
		}
		src, ok := p.Inverse[it.Source]
		if !ok {
			unmapped = append(unmapped, fmt.Errorf("no Harbor repository maps back from %s", show(it.Source)))
			continue
		}
		key := it.Source + ":" + it.Tag
		a, ok := lagging[key]
		switch {
		case !ok || !validDigest(a.DestDigest):
			// Harbor holds it already, or ACR EE no longer does: nothing to write; or ACR
			// EE lists no digest the copy can carry back (it stays in the lag).
			continue
		case a.Source == "":
			unmapped = append(unmapped, fmt.Errorf("ACR EE %s:%s maps back to no Harbor repository now", show(it.Source), show(it.Tag)))
		case a.Source != src:
			mismatch = append(mismatch, fmt.Errorf("ACR EE %s maps back to %s, the plan says %s", show(it.Source)+":"+show(it.Tag), a.Source, show(src)))
		case a.DestDigest != it.Digest:
			moved = append(moved, fmt.Errorf("ACR EE %s holds %s, the plan carries %s", show(it.Source)+":"+show(it.Tag), short(a.DestDigest), short(it.Digest)))
		case !listed[key]:
			listed[key] = true
			listing[it.Source] = append(listing[it.Source], mirror.Tag{Name: it.Tag, Digest: a.DestDigest})
		}
	}
	switch {
	case len(unmapped) > 0:
		return nil, fmt.Errorf("applying the reverse plan: %w: %w", ErrUnmapped, errors.Join(unmapped...))
	case len(mismatch) > 0:
		return nil, fmt.Errorf("applying the reverse plan: %w: %w", ErrPlanMismatch, errors.Join(mismatch...))
	case len(moved) > 0:
		return nil, fmt.Errorf("applying the reverse plan: %w: %w", ErrStalePlan, errors.Join(moved...))
	case len(listing) == 0:
		return nil, nil
	}
	s, err := cfg.syncer(p.Inverse, listing, p.Overwrite)
	if err != nil {
		return nil, err
	}
	fresh, err := s.Plan(ctx)
	if err != nil {
		return nil, fmt.Errorf("applying the reverse plan: looking at Harbor again: %w", err)
	}
	saw := map[string]mirror.Item{}
	for _, it := range p.Sync.Items {
		saw[it.Ref()] = it
	}
	var changed []error
	for _, it := range fresh.Items {
		old := saw[it.Ref()]
		switch {
		case it.Action == mirror.Conflict && old.Action != mirror.Conflict:
			changed = append(changed, fmt.Errorf("%s now holds %s, the plan saw %s", it.Ref(), short(it.DestDigest), seen(old.DestDigest)))
		case it.DestDigest != "" && (old.DestDigest != it.DestDigest || old.Digest != it.Digest):
			changed = append(changed, fmt.Errorf("%s now holds %s, the plan saw %s", it.Ref(), short(it.DestDigest), seen(old.DestDigest)))
		}
	}
	if len(changed) > 0 {
		return nil, fmt.Errorf("applying the reverse plan: %w: %w", ErrStalePlan, errors.Join(changed...))
	}
	if !fresh.HasChanges() {
		return nil, nil
	}
	rep, err := s.Apply(ctx, fresh)
	if err != nil {
		return rep, fmt.Errorf("applying the reverse sync: %w", err)
	}
	return rep, nil
}

func seen(d string) string {
	if d == "" {
		return "no such tag"
	}
	return short(d)
}

// matches refuses a plan made with another config than cfg.
func (p *Plan) matches(cfg Config) error {
	switch {
	case p == nil:
		return fmt.Errorf("applying a reverse plan: no plan (a saved plan that reads back as null): %w", ErrPlanMismatch)
	case p.Source != cfg.ACR.Registry || p.Destination != cfg.Harbor.Registry:
		return fmt.Errorf("applying a reverse plan for %s → %s with a config for %s → %s: %w",
			show(p.Source), show(p.Destination), cfg.ACR, cfg.Harbor, ErrPlanMismatch)
	case p.Overwrite != cfg.Overwrite:
		return fmt.Errorf("applying a reverse plan made with Overwrite %t with a config with Overwrite %t: %w", p.Overwrite, cfg.Overwrite, ErrPlanMismatch)
	case p.Recorded != (cfg.Inverse != nil):
		return fmt.Errorf("applying a reverse plan (recorded inverse: %t) with a config that has %s: %w", p.Recorded, inverseKind(cfg), ErrPlanMismatch)
	case p.Recorded && !subset(p.Inverse, cfg.Inverse):
		return fmt.Errorf("applying a reverse plan whose inverse name map differs from the config's: %w", ErrPlanMismatch)
	}
	if !p.Recorded {
		// A derived inverse must still invert the config's forward map, entry by entry (a
		// plan read back from JSON may have been edited).
		for _, dest := range slices.Sorted(maps.Keys(p.Inverse)) {
			src := p.Inverse[dest]
			if got, err := cfg.Verifier.Flattener.Flatten(src); err != nil || got != dest {
				return fmt.Errorf("applying a reverse plan that maps %s back to %s, which the forward map flattens to %q: %w", show(dest), show(src), got, ErrPlanMismatch)
			}
		}
	}
	return nil
}

func inverseKind(cfg Config) string {
	if cfg.Inverse != nil {
		return "a recorded inverse"
	}
	return "none"
}

// subset reports whether every entry of a is in b.
func subset(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
