package lag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/regdr/regdr/replication"
)

// ErrAmbiguousInverse: the flattening cannot be inverted exactly — two Harbor repositories
// flatten to one ACR EE repository (a replace count of -1, "flatten all", over nested
// sources), so what ACR EE holds there cannot be given back to one of them. Reverse
// refuses rather than guess.
var ErrAmbiguousInverse = errors.New("ambiguous inverse name mapping")

// ReverseReport is how far Harbor is behind ACR EE — what clients pushed into ACR EE
// during an outage — in the forward report's shape: Missing, Stale and OldestMissing, read
// the other way. Source is the Harbor repository an ACR EE tag maps back to, Dest the
// ACR EE repository; DestDigest is what ACR EE holds, Digest what Harbor holds (stale
// only).
type ReverseReport struct {
	CheckedAt time.Time `json:"checked_at"`
	// Checked counts the tags of the ACR EE repositories looked at, Present those Harbor
	// holds with the same digest (a cosign tag counts as held when Harbor lists the
	// accessory it points at; an OCI referrers fallback tag, sha256-<hex>, when Harbor
	// holds the subject it names and lists referrers of it: the referrers, not the tag,
	// are what Harbor must hold).
	Checked int `json:"checked"`
	Present int `json:"present"`
	// Missing tags are absent from the Harbor repository they map back to; Stale ones
	// Harbor holds at another digest.
	Missing []Artifact `json:"missing,omitempty"`
	Stale   []Artifact `json:"stale,omitempty"`
	// Unmapped are the tags of ACR EE repositories no Harbor repository flattens to (for
	// example created during the outage under a new name): they have no place in Harbor.
	// Reverse reports them; it does not guess a source.
	Unmapped []Artifact `json:"unmapped,omitempty"`
	// OldestMissing is the age at CheckedAt of the oldest missing, stale or unmapped tag
	// whose push time the TagLister reported (Tag.PushTime); 0 when none did.
	OldestMissing time.Duration `json:"oldest_missing"`
}

// ReverseSummary is the part of a ReverseReport that failover's failback checks. Its
// fields match failover.ReverseLag one for one: failover.ReverseLag(s).
type ReverseSummary struct {
	Missing       int           `json:"missing"`
	Stale         int           `json:"stale"`
	Unmapped      int           `json:"unmapped"`
	OldestMissing time.Duration `json:"oldest_missing"`
	CheckedAt     time.Time     `json:"checked_at,omitzero"`
}

// Complete reports whether Harbor holds everything ACR EE holds: a failback now loses
// nothing.
func (r *ReverseReport) Complete() bool {
	return len(r.Missing) == 0 && len(r.Stale) == 0 && len(r.Unmapped) == 0
}

// Summary returns the counts and the age of the oldest.
func (r *ReverseReport) Summary() ReverseSummary {
	return ReverseSummary{Missing: len(r.Missing), Stale: len(r.Stale), Unmapped: len(r.Unmapped),
		OldestMissing: r.OldestMissing, CheckedAt: r.CheckedAt}
}

// String summarises the report on one line.
func (r *ReverseReport) String() string {
	held := fmt.Sprintf("%d/%d ACR EE tags in Harbor", r.Present, r.Checked)
	if r.Complete() {
		return "complete: " + held
	}
	return fmt.Sprintf("harbor behind: %s, %d missing, %d stale, %d unmapped, oldest %v",
		held, len(r.Missing), len(r.Stale), len(r.Unmapped), r.OldestMissing)
}

// ReverseInput is what Reverse observed, for [CompareReverse].
type ReverseInput struct {
	// CheckedAt is when the observation started; tags are aged against it.
	CheckedAt time.Time
	// Harbor lists Harbor's repositories, each with its artifacts and the ACR EE
	// repository it flattens to: the forward map the inverse is built from.
	Harbor []Listing
	// ACR maps every ACR EE repository looked at (those Harbor's flatten to, and the
	// namespace's others) to its tags.
	ACR map[string][]Tag
}

// CompareReverse is Reverse's decision, a pure function of what was observed: which tags
// ACR EE holds that the Harbor repository they map back to lacks or holds at another
// digest, and which are in ACR EE repositories no Harbor repository maps to. The inverse
// is the forward map of in.Harbor, inverted: when two Harbor repositories flatten to one
// ACR EE repository it is refused with [ErrAmbiguousInverse], before any comparison.
func CompareReverse(in ReverseInput) (*ReverseReport, error) {
	inverse := map[string]string{}         // dest → source
	held := map[string]map[string]string{} // source → tag → digest
	known := map[string]map[string]bool{}  // source → digests of its artifacts and accessories
	signed := map[string]map[string]bool{} // source → digests of its artifacts that have accessories
	var ambiguous []string
	for _, l := range in.Harbor {
		if src, ok := inverse[l.Dest]; ok && src != l.Source {
			ambiguous = append(ambiguous, fmt.Sprintf("%q and %q both flatten to %q", src, l.Source, l.Dest))
			continue
		}
		inverse[l.Dest] = l.Source
		if held[l.Source] == nil {
			held[l.Source], known[l.Source], signed[l.Source] = map[string]string{}, map[string]bool{}, map[string]bool{}
		}
		for _, a := range l.Artifacts {
			known[l.Source][a.Digest] = true
			signed[l.Source][a.Digest] = len(a.Accessories) > 0
			for _, acc := range a.Accessories {
				known[l.Source][acc.Digest] = true
			}
			for _, tag := range a.Tags {
				held[l.Source][tag] = a.Digest
			}
		}
	}
	if len(ambiguous) > 0 {
		slices.Sort(ambiguous)
		return nil, fmt.Errorf("%w: %s", ErrAmbiguousInverse, strings.Join(ambiguous, "; "))
	}
	r := &ReverseReport{CheckedAt: in.CheckedAt}
	var oldest time.Time
	for _, dest := range verifySortedKeys(in.ACR) {
		tags := slices.Clone(in.ACR[dest])
		slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Name, b.Name) })
		src, mapped := inverse[dest]
		for _, t := range tags {
			r.Checked++
			a := Artifact{Source: src, Dest: dest, Tag: t.Name, DestDigest: t.Digest, PushTime: t.PushTime}
			got, ok := held[src][t.Name]
			switch {
			case !mapped:
				r.Unmapped = append(r.Unmapped, a)
			case ok && got == t.Digest:
				r.Present++
				continue
			case !ok && referrerTag.MatchString(t.Name) && known[src][t.Digest]:
				// A cosign or referrers tag: Harbor lists what it points at as an accessory.
				r.Present++
				continue
			case !ok && fallbackHeld(t.Name, signed[src]):
				// The referrers fallback tag of a subject whose referrers Harbor lists.
				r.Present++
				continue
			case !ok:
				r.Missing = append(r.Missing, a)
			default:
				a.Digest = got
				r.Stale = append(r.Stale, a)
			}
			if !t.PushTime.IsZero() && (oldest.IsZero() || t.PushTime.Before(oldest)) {
				oldest = t.PushTime
			}
		}
	}
	if !oldest.IsZero() {
		r.OldestMissing = max(r.CheckedAt.Sub(oldest), 0)
	}
	return r, nil
}

// fallbackHeld reports whether tag is the OCI referrers fallback tag (sha256-<hex>, no
// suffix) of a subject Harbor holds with at least one accessory: signed maps Harbor's
// artifact digests to whether they have any.
//
// The fallback tag points at an index of its subject's referrers, which registries
// without the referrers API keep (and which is what ACR EE's OpenAPI lists of them). Its
// digest is that index's, which Harbor never holds: Harbor serves the referrers API and
// lists the referrers themselves as the subject's accessories, so copying the tag back
// would add a stray tagged index to Harbor, not a signature. What failback must not lose
// is the referrers, so the tag counts as held when Harbor holds its subject and lists
// referrers of it (the forward lag reads the tag the same way: it counts the subject's
// accessories as present in ACR EE). It stays missing — and blocks failback — when Harbor
// lists no referrer of the subject (signed or attested during the outage) or lacks the
// subject itself. The index's contents are not compared: the OpenAPI lists tags and
// digests only, so a further referrer added during the outage to a subject Harbor
// already lists one for goes unseen.
func fallbackHeld(tag string, signed map[string]bool) bool {
	m := referrerTag.FindStringSubmatch(tag)
	return m != nil && m[2] == "" && signed["sha256:"+m[1]]
}

// ReverseLag measures the reverse lag and returns its summary. Hand it to failover as
// failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) { s, err := v.ReverseLag(ctx); return failover.ReverseLag(s), err }).
func (v *Verifier) ReverseLag(ctx context.Context) (ReverseSummary, error) {
	r, err := v.Reverse(ctx)
	if err != nil {
		return ReverseSummary{}, err
	}
	return r.Summary(), nil
}

// Reverse measures what ACR EE holds that Harbor lacks: it takes the forward map — the
// one recorded at failover (NameMap), or else Harbor's selected repositories flattened
// now — lists every repository of the ACR EE namespace and its tags, and compares them
// with [CompareReverse]. It needs Tags to be a [RepositoryLister] and a Namespace
// (ErrInvalidVerifier otherwise): a repository created in ACR EE under a new name must
// be seen to be reported. A forward map in which two Harbor repositories collide is
// refused with [ErrAmbiguousInverse] before ACR EE is listed. With a recorded map, a
// Harbor repository deleted since the failover holds nothing: every tag ACR EE holds for
// it is missing.
func (v *Verifier) Reverse(ctx context.Context) (*ReverseReport, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	rl, ok := v.Tags.(RepositoryLister)
	if !ok || v.Namespace == "" {
		return nil, fmt.Errorf("%w: the reverse lag needs Tags that list repositories (a RepositoryLister) and a Namespace", ErrInvalidVerifier)
	}
	checkedAt := v.now()
	var listings, gone []Listing
	var err error
	if v.NameMap != nil {
		listings, gone, err = v.recordedListings(ctx)
	} else {
		_, listings, err = v.forwardMap(ctx)
		if errors.Is(err, replication.ErrCollision) {
			err = fmt.Errorf("inverting the mapping into %q: %w: %w", v.Namespace, ErrAmbiguousInverse, err)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := v.listArtifacts(ctx, listings); err != nil {
		return nil, err
	}
	in := ReverseInput{CheckedAt: checkedAt, Harbor: append(listings, gone...), ACR: map[string][]Tag{}}
	have, err := rl.RepositoryPaths(ctx, v.Namespace)
	if err != nil {
		return nil, fmt.Errorf("listing ACR EE repositories of %q: %w", v.Namespace, err)
	}
	slices.Sort(have)
	// ACR EE's OpenAPI is listed one call at a time: it throttles per instance.
	for _, dest := range slices.Compact(have) {
		tags, err := v.Tags.TagsOf(ctx, dest)
		if err != nil {
			return nil, fmt.Errorf("listing tags of ACR EE repository %q: %w", dest, err)
		}
		in.ACR[dest] = tags
	}
	return CompareReverse(in)
}
