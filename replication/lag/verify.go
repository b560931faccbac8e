package lag

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/replication"
)

// Verifier checks, independently of Harbor's own execution records, that ACR EE holds
// everything Harbor (the Source) holds under a selection: every selected tag under its
// flattened name, with the same digest. It is what failover consults before switching.
//
// Tags are compared by digest. The accessories Harbor lists for a selected tagged artifact
// (cosign and notation signatures, SBOMs…) are looked for too: a tag holding the
// accessory's digest (cosign's sha256-<hex>.sig), or, when Tags is a ManifestChecker
// (RegistryTagLister), the manifest itself by digest; through the OpenAPI, which cannot
// see untagged manifests, an accessory attached by OCI subject counts as present when
// the referrers fallback tag sha256-<subject hex> is there. Untagged artifacts are not
// compared. A Verifier is safe for concurrent use.
type Verifier struct {
	// Source lists what ACR EE should hold (required): managed.Source lists Harbor.
	Source Source
	// Tags lists ACR EE (required). If it is also a RepositoryLister, repositories of the
	// namespace that Harbor does not have are reported as extra.
	Tags TagLister
	// Selector picks the repositories, artifacts and tags expected in ACR EE; nil: all.
	Selector replication.Selector
	// Flattener maps a Harbor repository to its ACR EE path (required).
	Flattener replication.Flattener
	// Validate checks each destination path; nil: replication.ValidateACRName (ACR EE).
	Validate func(string) error
	// Namespace is the ACR EE namespace listed for extra repositories when Tags is a
	// RepositoryLister; "": none is listed.
	Namespace string
	// Clock gives the time artifacts are aged against. Nil: the system clock.
	Clock clock.Clock
	// NameMap, when not nil, is the forward name map recorded at failover (Harbor
	// repository → ACR EE repository; failover.RecordedNameMap reads it from the
	// journal): Reverse inverts it instead of flattening Harbor's current repositories,
	// so the inverse is the one that held when clients moved to ACR EE. A repository
	// Harbor holds that the map lacks (created after the map was last read) maps back
	// through the current flattening only into a destination the map does not name, and
	// only when no other such repository flattens there. Verify does not use it.
	NameMap map[string]string
	// Jobs bounds the source listings in flight: 0 is 4, negative is refused
	// (ErrInvalidVerifier). ACR EE is listed one
	// repository at a time (its OpenAPI throttles per instance).
	Jobs int
}

// ManifestChecker tells whether a repository holds a manifest, by digest. A Verifier
// whose Tags is one checks accessories by digest; RegistryTagLister is one.
type ManifestChecker interface {
	HasManifest(ctx context.Context, path, digest string) (bool, error)
}

// Artifact is one tag found missing, stale or extra, or one missing accessory.
type Artifact struct {
	// Source is the Harbor repository ("" for an extra tag), Dest the ACR EE one.
	Source string `json:"source,omitempty"`
	Dest   string `json:"dest"`
	Tag    string `json:"tag"`
	// Digest is Harbor's, DestDigest what ACR EE holds (stale and extra only).
	Digest     string `json:"digest,omitempty"`
	DestDigest string `json:"dest_digest,omitempty"`
	// PushTime is when the artifact was pushed to Harbor.
	PushTime time.Time `json:"push_time,omitzero"`
	// Accessory, for a missing accessory, is its type ("signature.cosign"…): Digest is then
	// the accessory's, Subject the artifact it is attached to and Tag one of its tags.
	Accessory string `json:"accessory,omitempty"`
	Subject   string `json:"subject,omitempty"`
}

// Report is how far ACR EE is behind Harbor.
type Report struct {
	CheckedAt time.Time `json:"checked_at"`
	// Expected counts the tags Harbor holds under the filters, Present those ACR EE holds
	// with the same digest.
	Expected int `json:"expected"`
	Present  int `json:"present"`
	// Missing tags are absent from ACR EE; Stale ones hold another digest; Extra ones are in
	// ACR EE but not in Harbor's selection (deleted in Harbor, or pushed to ACR EE directly);
	// cosign tags and OCI referrers fallback tags of the repository's artifacts, which
	// Harbor lists as accessories, are not extra.
	Missing []Artifact `json:"missing,omitempty"`
	Stale   []Artifact `json:"stale,omitempty"`
	Extra   []Artifact `json:"extra,omitempty"`
	// Accessories counts the accessories of the expected artifacts; MissingAccessories are
	// those ACR EE lacks (a signature missing there fails clients that verify signatures).
	Accessories        int        `json:"accessories,omitempty"`
	MissingAccessories []Artifact `json:"missing_accessories,omitempty"`
	// OldestMissing is the age of the oldest missing or stale artifact at CheckedAt (a
	// missing accessory counts from its artifact's push): the data a failover now would
	// lose, the effective RPO. 0 when complete.
	OldestMissing time.Duration `json:"oldest_missing"`
}

// Summary is the part of a Report that failover holds to an RPO budget. Its fields
// match failover.Lag one for one, so a Summary converts to it: failover.Lag(s).
type Summary struct {
	Missing       int           `json:"missing"`
	Stale         int           `json:"stale"`
	OldestMissing time.Duration `json:"oldest_missing"`
	CheckedAt     time.Time     `json:"checked_at,omitzero"`
}

// Complete reports whether every expected tag is in ACR EE with its digest, and every
// accessory of theirs (extra tags do not count against completeness).
func (r *Report) Complete() bool {
	return len(r.Missing) == 0 && len(r.Stale) == 0 && len(r.MissingAccessories) == 0
}

// Summary returns the counts (missing accessories count as missing) and the effective RPO.
func (r *Report) Summary() Summary {
	return Summary{Missing: len(r.Missing) + len(r.MissingAccessories), Stale: len(r.Stale),
		OldestMissing: r.OldestMissing, CheckedAt: r.CheckedAt}
}

// String summarises the report on one line.
func (r *Report) String() string {
	held := fmt.Sprintf("%d/%d tags", r.Present, r.Expected)
	if r.Accessories > 0 {
		held += fmt.Sprintf(" and %d/%d accessories", r.Accessories-len(r.MissingAccessories), r.Accessories)
	}
	if r.Complete() {
		return fmt.Sprintf("complete: %s in ACR EE, %d extra", held, len(r.Extra))
	}
	missing := fmt.Sprintf("%d missing", len(r.Missing))
	if len(r.MissingAccessories) > 0 {
		missing += fmt.Sprintf(" (and %d accessories)", len(r.MissingAccessories))
	}
	return fmt.Sprintf("behind: %s in ACR EE, %s, %d stale, %d extra, oldest missing %v",
		held, missing, len(r.Stale), len(r.Extra), r.OldestMissing)
}

// Lag verifies and returns the summary. Hand it to failover as
// failover.LagFunc(func(ctx context.Context) (failover.Lag, error) { s, err := v.Lag(ctx); return failover.Lag(s), err }).
func (v *Verifier) Lag(ctx context.Context) (Summary, error) {
	r, err := v.Verify(ctx)
	if err != nil {
		return Summary{}, err
	}
	return r.Summary(), nil
}

// check refuses a verifier missing what both directions need.
func (v *Verifier) check() error {
	if v.Source == nil || v.Tags == nil || v.Flattener == nil {
		return fmt.Errorf("%w: a verifier needs a Source, Tags and a Flattener", ErrInvalidVerifier)
	}
	if v.Jobs < 0 {
		return fmt.Errorf("%w: Jobs %d is negative", ErrInvalidVerifier, v.Jobs)
	}
	return nil
}

// forwardMap lists Harbor's repositories, keeps those the selector matches and maps each to
// its destination name, validating every name: one Listing per repository, Source and Dest
// set, in Harbor's order.
func (v *Verifier) forwardMap(ctx context.Context) (replication.Selector, []Listing, error) {
	sel := v.Selector
	if sel == nil {
		sel = replication.MustRules()
	}
	all, err := v.Source.Repositories(ctx)
	if err != nil {
		return nil, nil, err
	}
	var repos []string
	for _, r := range all {
		if sel.MatchRepository(r) {
			repos = append(repos, r)
		}
	}
	validate := v.Validate
	if validate == nil {
		validate = replication.ValidateACRName
	}
	names, err := replication.MapNames(v.Flattener, repos, validate)
	if err != nil {
		return nil, nil, fmt.Errorf("mapping source repositories into %q: %w", v.Namespace, err)
	}
	listings := make([]Listing, len(repos))
	for i, repo := range repos {
		listings[i] = Listing{Source: repo, Dest: names[repo]}
	}
	return sel, listings, nil
}

// Verify lists every artifact Harbor holds under the setup's filters, and every tag of
// the ACR EE repositories they flatten to, and compares them.
func (v *Verifier) Verify(ctx context.Context) (*Report, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	sel, listings, err := v.forwardMap(ctx)
	if err != nil {
		return nil, err
	}
	checkedAt := v.now() // the time of the snapshot, before the listings
	in := Input{CheckedAt: checkedAt, Selector: sel, Harbor: listings, ACR: map[string]map[string]string{}}
	if err := v.listArtifacts(ctx, in.Harbor); err != nil {
		return nil, err
	}
	destRepos := make([]string, 0, len(listings))
	for _, l := range in.Harbor {
		destRepos = append(destRepos, l.Dest)
	}
	if rl, ok := v.Tags.(RepositoryLister); ok && v.Namespace != "" {
		have, err := rl.RepositoryPaths(ctx, v.Namespace)
		if err != nil {
			return nil, fmt.Errorf("listing ACR EE repositories of %q: %w", v.Namespace, err)
		}
		destRepos = append(destRepos, have...)
	}
	slices.Sort(destRepos)
	destRepos = slices.Compact(destRepos)
	// ACR EE's OpenAPI is listed one call at a time: it throttles per instance.
	for _, dest := range destRepos {
		tags, err := v.Tags.TagsOf(ctx, dest)
		if err != nil {
			return nil, fmt.Errorf("listing tags of ACR EE repository %q: %w", dest, err)
		}
		have := map[string]string{}
		for _, t := range tags {
			have[t.Name] = t.Digest
		}
		in.ACR[dest] = have
	}
	if mc, ok := v.Tags.(ManifestChecker); ok {
		in.Manifests = map[string]map[string]bool{}
		for _, a := range in.uncheckedAccessories() {
			found, err := mc.HasManifest(ctx, a.Dest, a.Digest)
			if err != nil {
				return nil, fmt.Errorf("looking for accessory %s of %s:%s in ACR EE: %w", a.Digest, a.Dest, a.Tag, err)
			}
			if in.Manifests[a.Dest] == nil {
				in.Manifests[a.Dest] = map[string]bool{}
			}
			in.Manifests[a.Dest][a.Digest] = found
		}
	}
	return Compare(in), nil
}

// Input is what Verify observed, for [Compare]: Harbor's listing of the selected
// repositories and the tags of ACR EE's repositories.
type Input struct {
	// CheckedAt is when the observation started; artifacts are aged against it.
	CheckedAt time.Time
	// Harbor lists each selected Harbor repository's artifacts and where they land.
	Harbor []Listing
	// ACR maps every ACR EE repository looked at (those Harbor's land in, and the
	// namespace's others) to its tags and their digests; absent or empty: no tags.
	ACR map[string]map[string]string
	// Manifests, when not nil, records which accessory manifests a ManifestChecker found
	// by digest (dest repository → digest → found); an accessory not in it is looked for
	// by tag only. Nil: accessories attached by OCI subject are found by their subject's
	// referrers fallback tag, as the OpenAPI, which lists tags only, allows.
	Manifests map[string]map[string]bool
	// Selector picks the artifacts and tags expected; nil: all.
	Selector replication.Selector
}

// Listing is one Harbor repository's artifacts, and the ACR EE repository they land in.
type Listing struct {
	Source, Dest string
	Artifacts    []SourceArtifact
}

// Compare is Verify's decision, a pure function of what was observed: which expected
// tags ACR EE holds with their digest, which are missing or stale, which of its tags are
// extra, which accessories are missing, and the effective RPO at in.CheckedAt.
func Compare(in Input) *Report {
	expected, accessories := in.expected()
	destRepos := make([]string, 0, len(expected)+len(in.ACR))
	for d := range expected {
		destRepos = append(destRepos, d)
	}
	for d := range in.ACR {
		destRepos = append(destRepos, d)
	}
	slices.Sort(destRepos)
	destRepos = slices.Compact(destRepos)
	r := &Report{CheckedAt: in.CheckedAt}
	var oldest time.Time
	for _, dest := range destRepos {
		have := in.ACR[dest]
		wants := expected[dest]
		for _, tag := range verifySortedKeys(wants) {
			w := wants[tag]
			r.Expected++
			a := Artifact{Source: w.src, Dest: dest, Tag: tag, Digest: w.digest, PushTime: w.pushed}
			got, ok := have[tag]
			switch {
			case !ok:
				r.Missing = append(r.Missing, a)
			case got != w.digest:
				a.DestDigest = got
				r.Stale = append(r.Stale, a)
			default:
				r.Present++
				continue
			}
			if !w.pushed.IsZero() && (oldest.IsZero() || w.pushed.Before(oldest)) {
				oldest = w.pushed
			}
		}
		for _, tag := range verifySortedKeys(have) {
			if _, ok := wants[tag]; !ok && !accessoryTag(tag, wants, have) {
				r.Extra = append(r.Extra, Artifact{Dest: dest, Tag: tag, DestDigest: have[tag]})
			}
		}
		for _, a := range accessories[dest] {
			r.Accessories++
			if !in.hasAccessory(a) {
				r.MissingAccessories = append(r.MissingAccessories, a)
				if !a.PushTime.IsZero() && (oldest.IsZero() || a.PushTime.Before(oldest)) {
					oldest = a.PushTime
				}
			}
		}
	}
	if !oldest.IsZero() {
		r.OldestMissing = max(r.CheckedAt.Sub(oldest), 0)
	}
	return r
}

// expected returns, per ACR EE repository, the tags Harbor's selected artifacts should
// have there, and those artifacts' accessories.
func (in Input) expected() (map[string]map[string]want, map[string][]Artifact) {
	sel := in.Selector
	if sel == nil {
		sel = replication.MustRules()
	}
	expected := map[string]map[string]want{} // dest repo → tag → want
	accessories := map[string][]Artifact{}   // dest repo → accessories of expected artifacts
	for _, l := range in.Harbor {
		if expected[l.Dest] == nil {
			expected[l.Dest] = map[string]want{}
		}
		for _, a := range l.Artifacts {
			if !sel.MatchLabels(a.Labels) {
				continue
			}
			tags := sel.FilterTags(a.Tags)
			for _, tag := range tags {
				expected[l.Dest][tag] = want{src: l.Source, digest: a.Digest, pushed: a.PushTime}
			}
			if len(tags) == 0 {
				continue
			}
			for _, acc := range a.Accessories {
				accessories[l.Dest] = append(accessories[l.Dest], Artifact{Source: l.Source, Dest: l.Dest, Tag: tags[0],
					Digest: acc.Digest, PushTime: a.PushTime, Accessory: acc.Type, Subject: a.Digest})
			}
		}
	}
	return expected, accessories
}

// uncheckedAccessories returns the expected accessories that no ACR EE tag holds: those a
// ManifestChecker is asked about.
func (in Input) uncheckedAccessories() []Artifact {
	_, accessories := in.expected()
	var out []Artifact
	for _, dest := range verifySortedKeys(accessories) {
		for _, a := range accessories[dest] {
			if !slices.Contains(slices.Collect(maps.Values(in.ACR[dest])), a.Digest) {
				out = append(out, a)
			}
		}
	}
	return out
}

// hasAccessory reports whether ACR EE holds the accessory a: a tag holds its digest, a
// ManifestChecker found it, or (without one) its subject's referrers fallback tag is there.
func (in Input) hasAccessory(a Artifact) bool {
	have := in.ACR[a.Dest]
	for _, d := range have {
		if d == a.Digest {
			return true
		}
	}
	if in.Manifests != nil {
		return in.Manifests[a.Dest][a.Digest]
	}
	// The OpenAPI lists tags only: an accessory attached by OCI subject shows as the
	// referrers fallback tag of its subject.
	alg, hex, ok := strings.Cut(a.Subject, ":")
	if !ok {
		return false
	}
	_, found := have[alg+"-"+hex]
	return found
}

// want is a tag Harbor holds: its repository, digest and push time.
type want struct {
	src, digest string
	pushed      time.Time
}

// accessoryTag reports whether tag is a cosign tag (`sha256-<hex>.sig`, `.att`, `.sbom`) or
// the OCI referrers fallback tag (`sha256-<hex>`) of an artifact the repository holds or
// should hold: Harbor lists those as accessories, not tags, so they are not extra.
func accessoryTag(tag string, wants map[string]want, have map[string]string) bool {
	m := referrerTag.FindStringSubmatch(tag)
	if m == nil {
		return false
	}
	d := "sha256:" + m[1]
	for _, w := range wants {
		if w.digest == d {
			return true
		}
	}
	for _, h := range have {
		if h == d {
			return true
		}
	}
	return false
}

// listArtifacts fills each listing's Artifacts from the Source, Jobs at a time.
func (v *Verifier) listArtifacts(ctx context.Context, ls []Listing) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(v.jobs())
	for i := range ls {
		g.Go(func() error {
			var err error
			if ls[i].Artifacts, err = v.Source.Artifacts(gctx, ls[i].Source); err != nil {
				return fmt.Errorf("listing artifacts of %q: %w", ls[i].Source, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func (v *Verifier) jobs() int {
	if v.Jobs > 0 {
		return v.Jobs
	}
	return 4
}

func (v *Verifier) now() time.Time {
	if v.Clock != nil {
		return v.Clock.Now()
	}
	return time.Now()
}

func verifySortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Describe names the first few artifacts of as ("dr/nginx:1.25, …, and 3 more"), for an
// error message.
func Describe(as []Artifact) string {
	var parts []string
	for i, a := range as {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(as)-i))
			break
		}
		parts = append(parts, a.Dest+":"+a.Tag)
	}
	return strings.Join(parts, ", ")
}

// referrerTag matches cosign's tags (`sha256-<hex>.sig`, `.att`, `.sbom`) and the OCI
// referrers fallback tag (`sha256-<hex>`): they belong to the image they name.
var referrerTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})(\.[a-z]+)?$`)

// ErrInvalidVerifier: a Verifier lacks a Source, Tags or a Flattener, or has negative Jobs.
var ErrInvalidVerifier = errors.New("invalid verifier")
