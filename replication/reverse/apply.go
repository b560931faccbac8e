package reverse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

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
// config (ErrPlanMismatch), and a plan whose world changed. Right before the copy it
// lists ACR EE's tags again and writes only tags the plan lists, at the digest ACR EE
// holds under them, into the Harbor repository the forward map replicates them from: a
// derived inverse naming a Harbor repository the Verifier does not select (an edited
// plan) fails the apply with ErrPlanMismatch, one Harbor does not have with ErrUnmapped;
// a tag that ACR EE now holds at another digest than the plan carries, or that Harbor
// now holds at another digest than the plan saw, with ErrStalePlan. What is already in
// place is not written again, so a second Apply writes nothing. After the
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

// sync plans the copy again over the tags the plan lists, each at the digest ACR EE holds
// under it right now, refuses it if the plan no longer describes them — ACR EE holds
// another digest under a tag, or a repository maps back elsewhere than the forward map
// says — or if Harbor changed under a tag it writes, and applies it if anything is left
// to write. So Apply writes only what ACR EE holds, where it maps back to, and only tags
// the plan lists, even when the saved plan was edited.
func (p *Plan) sync(ctx context.Context, cfg Config) (*mirror.Report, error) {
	if err := p.checkInverse(ctx, cfg); err != nil {
		return nil, err
	}
	planned := map[string]map[string][]string{} // ACR EE repository → tag → digests the plan carries
	for _, it := range p.Sync.Items {
		if it.Tag == "" {
			continue // a referrer by digest: the copy finds it again from its subject
		}
		if _, ok := p.Inverse[it.Source]; !ok {
			return nil, fmt.Errorf("applying the reverse plan: %w: no Harbor repository maps back from %s", ErrUnmapped, show(it.Source))
		}
		if planned[it.Source] == nil {
			planned[it.Source] = map[string][]string{}
		}
		planned[it.Source][it.Tag] = append(planned[it.Source][it.Tag], it.Digest)
	}
	listing := map[string][]mirror.Tag{}
	var moved []error
	for _, dest := range slices.Sorted(maps.Keys(planned)) {
		tags, err := cfg.Verifier.Tags.TagsOf(ctx, dest)
		if err != nil {
			return nil, fmt.Errorf("applying the reverse plan: listing tags of ACR EE repository %q: %w", dest, err)
		}
		for _, t := range tags {
			digests, ok := planned[dest][t.Name]
			if !ok || !validDigest(t.Digest) {
				// Not in the plan, or not a digest the copy can carry back: left alone (the
				// verification after the copy reports it).
				continue
			}
			for _, d := range slices.Compact(slices.Sorted(slices.Values(digests))) {
				if d != t.Digest {
					moved = append(moved, fmt.Errorf("ACR EE %s:%s holds %s, the plan carries %s", show(dest), show(t.Name), short(t.Digest), short(d)))
				}
			}
			if !slices.ContainsFunc(listing[dest], func(l mirror.Tag) bool { return l.Name == t.Name }) {
				listing[dest] = append(listing[dest], mirror.Tag{Name: t.Name, Digest: t.Digest})
			}
		}
	}
	switch {
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
		newConflict := it.Action == mirror.Conflict && old.Action != mirror.Conflict
		moved := it.DestDigest != "" && (old.DestDigest != it.DestDigest || old.Digest != it.Digest)
		if newConflict || moved {
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
	case p.Recorded != cfg.isRecorded():
		return fmt.Errorf("applying a reverse plan (recorded inverse: %t) with a config that has %s: %w", p.Recorded, inverseKind(cfg), ErrPlanMismatch)
	case p.Recorded && !recordedAgrees(p.Inverse, cfg):
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

// checkInverse refuses a derived inverse naming a Harbor repository the forward map does
// not replicate now (a saved plan edited to carry back into another project, or to a
// repository Harbor does not have): each must be one of Harbor's repositories that the
// Verifier selects, and flatten to its ACR EE repository (matches checked that).
func (p *Plan) checkInverse(ctx context.Context, cfg Config) error {
	if p.Recorded {
		// Each entry must be the recorded map's (matches checked those), or map back a
		// repository Harbor created since as lag.Verifier.Reverse maps it back now.
		v, err := cfg.verifier()
		if err != nil {
			return fmt.Errorf("applying the reverse plan: %w", err)
		}
		inverse, err := v.RecordedInverse(ctx)
		if err != nil {
			return fmt.Errorf("applying the reverse plan: %w", err)
		}
		if !subset(p.Inverse, inverse) {
			return fmt.Errorf("applying a reverse plan whose inverse name map is not the recorded map's now: %w", ErrPlanMismatch)
		}
		return nil
	}
	repos, err := cfg.Verifier.Source.Repositories(ctx)
	if err != nil {
		return fmt.Errorf("applying the reverse plan: listing Harbor repositories: %w", err)
	}
	selects := func(repo string) bool {
		return cfg.Verifier.Selector == nil || cfg.Verifier.Selector.MatchRepository(repo)
	}
	held := make(map[string]bool, len(repos))
	for _, r := range repos {
		held[r] = true
	}
	var absent, outside []string
	for _, dest := range slices.Sorted(maps.Keys(p.Inverse)) {
		src := p.Inverse[dest]
		switch {
		case !selects(src):
			outside = append(outside, fmt.Sprintf("%s → %s", show(dest), show(src)))
		case !held[src]:
			absent = append(absent, fmt.Sprintf("%s → %s", show(dest), show(src)))
		}
	}
	switch {
	case len(outside) > 0:
		return fmt.Errorf("applying a reverse plan that maps back into Harbor repositories the replication does not select (%s): %w", strings.Join(outside, ", "), ErrPlanMismatch)
	case len(absent) > 0:
		return fmt.Errorf("applying the reverse plan: %w: Harbor has no such repository: %s", ErrUnmapped, strings.Join(absent, ", "))
	}
	return nil
}

func inverseKind(cfg Config) string {
	if cfg.isRecorded() {
		return "a recorded inverse"
	}
	return "none"
}

// recordedAgrees reports whether every entry of a recorded plan's inverse whose ACR EE
// repository the config's recorded map names maps back where that map says, and every
// Harbor repository it names that the map names is mapped from where the map says: the
// other entries (repositories Harbor created since the map was recorded) checkInverse
// checks against Harbor. A recorded map that cannot be inverted agrees with no plan.
func recordedAgrees(inverse map[string]string, cfg Config) bool {
	forward, err := cfg.recorded()
	if err != nil {
		return false
	}
	back, err := lag.Invert(forward)
	if err != nil {
		return false
	}
	for dest, src := range inverse {
		if want, ok := back[dest]; ok && want != src {
			return false
		}
		if want, ok := forward[src]; ok && want != dest {
			return false
		}
	}
	return true
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
