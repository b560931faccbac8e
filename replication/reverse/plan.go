package reverse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

// Plan is what a reverse replication will do: a value with no I/O and no credentials, to
// print, save as JSON and apply later. It remembers what it saw — the reverse lag, and
// what each Harbor tag held — and Apply refuses to write over a tag that changed since
// (ErrStalePlan).
type Plan struct {
	// Source is the ACR EE registry, Destination the Harbor registry.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// Recorded says the inverse name map is that of the map recorded at failover time
	// (Config.Inverse or the Verifier's NameMap), with the repositories Harbor created
	// since mapped back as lag.Verifier.RecordedInverse maps them; otherwise it was derived
	// by inverting the forward map of Harbor's repositories.
	Recorded bool `json:"recorded"`
	// Overwrite: the plan copies over stale Harbor tags (Config.Overwrite).
	Overwrite bool `json:"overwrite,omitempty"`
	// Inverse maps each ACR EE repository to carry back to its Harbor repository.
	Inverse map[string]string `json:"inverse,omitempty"`
	// Lag is the reverse lag measured: what ACR EE holds that Harbor lacks (missing),
	// holds at another digest (stale), or has no place for (unmapped).
	Lag *lag.ReverseReport `json:"lag"`
	// Sync is the copy ACR EE → Harbor of the repositories in Inverse, each listed whole
	// so that signatures and other referrers come with their images; nil when Harbor
	// lacks nothing that maps back.
	Sync *mirror.Plan `json:"sync,omitempty"`
}

// Compute measures the reverse lag and plans the copy that closes it. It writes nothing:
// a plan that is not applied is a dry run. An inverse that cannot be exact is refused
// with lag.ErrAmbiguousInverse; unmapped repositories and stale tags do not fail
// Compute — they are in the plan, and Plan.Err (and Apply) refuse them.
func Compute(ctx context.Context, cfg Config) (*Plan, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r, err := cfg.observe(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{Source: cfg.ACR.Registry, Destination: cfg.Harbor.Registry, Recorded: cfg.isRecorded(),
		Overwrite: cfg.Overwrite, Lag: r, Inverse: map[string]string{}}
	for _, a := range slices.Concat(r.Missing, r.Stale) {
		p.Inverse[a.Dest] = a.Source
	}
	if len(p.Inverse) == 0 {
		return p, nil
	}
	listing := map[string][]mirror.Tag{}
	for _, dest := range slices.Sorted(maps.Keys(p.Inverse)) {
		tags, err := cfg.Verifier.Tags.TagsOf(ctx, dest)
		if err != nil {
			return nil, fmt.Errorf("planning the reverse sync: listing tags of ACR EE repository %q: %w", dest, err)
		}
		for _, t := range tags {
			if validDigest(t.Digest) {
				listing[dest] = append(listing[dest], mirror.Tag{Name: t.Name, Digest: t.Digest})
			}
		}
	}
	s, err := cfg.syncer(p.Inverse, listing, p.Overwrite)
	if err != nil {
		return nil, err
	}
	if p.Sync, err = s.Plan(ctx); err != nil {
		return nil, fmt.Errorf("planning the reverse sync ACR EE → Harbor: %w", err)
	}
	return p, nil
}

// syncer returns the Syncer ACR EE → Harbor of the repositories and tags of listing,
// named back through inverse.
func (c Config) syncer(inverse map[string]string, listing map[string][]mirror.Tag, overwrite bool) (*mirror.Syncer, error) {
	opts := c.Sync
	opts.Source = listSource(listing)
	opts.Flattener = replication.FlattenFunc(func(repo string) (string, error) {
		if src, ok := inverse[repo]; ok {
			return src, nil
		}
		return "", fmt.Errorf("%w: no Harbor repository maps back from %s", ErrUnmapped, repo)
	})
	opts.Override = overwrite
	s, err := mirror.New(c.ACR, c.Harbor, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return s, nil
}

// HasChanges reports whether applying the plan would write anything into Harbor.
func (p *Plan) HasChanges() bool { return p != nil && p.Sync != nil && p.Sync.HasChanges() }

// Err returns the plan's refusals, one *RefusalError each, joined: ErrUnmapped when ACR
// EE holds repositories that map back to no Harbor repository, ErrStaleTag when a Harbor
// tag holds another digest and the plan does not Overwrite. Apply refuses a plan with
// any, before its first write. Nil: nothing is refused.
func (p *Plan) Err() error {
	if p == nil {
		return nil
	}
	var errs []error
	if p.Lag != nil && len(p.Lag.Unmapped) > 0 {
		errs = append(errs, &RefusalError{Reason: ErrUnmapped, Artifacts: p.Lag.Unmapped})
	}
	if stale := p.stale(); len(stale) > 0 && !p.Overwrite {
		errs = append(errs, &RefusalError{Reason: ErrStaleTag, Artifacts: stale})
	}
	return errors.Join(errs...)
}

// stale returns the Harbor tags holding another digest than ACR EE: those the reverse lag
// found, and those the sync plan found in conflict (such as a signature tag).
func (p *Plan) stale() []lag.Artifact {
	var out []lag.Artifact
	seen := map[string]bool{}
	if p.Lag != nil {
		for _, a := range p.Lag.Stale {
			out = append(out, a)
			seen[a.Source+":"+a.Tag] = true
		}
	}
	if p.Sync != nil {
		for _, it := range p.Sync.Items {
			if it.Tag == "" || seen[it.Dest+":"+it.Tag] || (it.Action != mirror.Conflict && it.DestDigest == "") {
				continue
			}
			out = append(out, lag.Artifact{Source: it.Dest, Dest: it.Source, Tag: it.Tag, Digest: it.DestDigest, DestDigest: it.Digest})
		}
	}
	return out
}

// String describes the plan for people: the reverse lag, the inverse name map, each tag
// to carry back, and what is refused.
func (p *Plan) String() string {
	if p == nil {
		return "no reverse plan\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reverse replication ACR EE %s → Harbor %s\n", p.Source, p.Destination)
	if p.Lag != nil {
		fmt.Fprintf(&b, "reverse lag: %s\n", p.Lag)
	}
	how := "derived from the forward map"
	if p.Recorded {
		how = "recorded"
	}
	if len(p.Inverse) > 0 {
		fmt.Fprintf(&b, "inverse name map (%s):\n", how)
		for _, dest := range slices.Sorted(maps.Keys(p.Inverse)) {
			fmt.Fprintf(&b, "  %s → %s\n", show(dest), show(p.Inverse[dest]))
		}
	}
	var totals string
	if p.Sync != nil {
		// The sync plan's lines, without its header (the registries are named above).
		lines := strings.Split(strings.TrimRight(p.Sync.String(), "\n"), "\n")
		for _, line := range lines[1 : len(lines)-1] {
			fmt.Fprintf(&b, "%s\n", line)
		}
		totals = "sync: " + lines[len(lines)-1] + "\n"
	}
	if p.Lag != nil {
		for _, a := range p.Lag.Unmapped {
			fmt.Fprintf(&b, "  unmapped %s:%s (%s): no Harbor repository maps back to it\n", show(a.Dest), show(a.Tag), short(a.DestDigest))
		}
	}
	for _, a := range p.stale() {
		verb := "refused"
		if p.Overwrite {
			verb = "overwrite"
		}
		fmt.Fprintf(&b, "  stale    %s:%s holds %s, ACR EE %s:%s holds %s: %s\n", show(a.Source), show(a.Tag), short(a.Digest), show(a.Dest), show(a.Tag), short(a.DestDigest), verb)
	}
	b.WriteString(totals)
	switch err := p.Err(); {
	case err != nil:
		fmt.Fprintf(&b, "refused: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	case !p.HasChanges():
		b.WriteString("nothing to carry back\n")
	}
	return b.String()
}

// show returns a name (repository, tag) as it is when it is made of the characters names
// are made of, else quoted: a name listed by a registry cannot forge a line, or hide one
// with a terminal escape, in what a reviewer reads.
func show(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-/", c)) {
			return strconv.Quote(s)
		}
	}
	return s
}

func short(d string) string {
	if !validDigest(d) && d != "" {
		return strconv.Quote(d)
	}
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// listSource is a mirror.Source of the repositories and tags given.
type listSource map[string][]mirror.Tag

func (l listSource) Repositories(context.Context) ([]string, error) {
	return slices.Sorted(maps.Keys(l)), nil
}

func (l listSource) Tags(_ context.Context, repo string) ([]mirror.Tag, error) {
	return l[repo], nil
}

// digestRE is a digest the copy may put in a request path: sha256 or sha512, in hex.
var digestRE = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

// validDigest reports whether ACR EE listed d as a digest the copy can carry back. Any
// other (another algorithm, or a path) never goes into a request: its tag stays in the
// reverse lag, and the apply ends ErrIncomplete.
func validDigest(d string) bool { return digestRE.MatchString(d) }
