package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/regdr/regdr/replication"
	"golang.org/x/sync/errgroup"
)

// referrerTag matches cosign's tags (`sha256-<hex>.sig`, `.att`, `.sbom`) and the OCI
// referrers fallback tag (`sha256-<hex>`): they belong to the image they name.
var referrerTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})(\.[a-z]+)?$`)

// Plan lists the source, maps and validates every destination name (an error before any
// request to the destination), looks at the destination by digest and returns what Apply
// would do. It writes nothing.
func (s *Syncer) Plan(ctx context.Context) (*Plan, error) {
	repos, names, err := s.selectRepositories(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Source:      s.src.ep.Registry,
		Destination: s.dst.ep.Registry,
		Shard:       s.opts.Shard,
		Shards:      s.opts.Shards,
		Manifests:   map[string]Manifest{},
		raw:         map[string][]byte{},
		state:       s.ownState(s.loadState()),
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Jobs)
	for _, src := range repos {
		g.Go(func() error {
			items, err := s.planRepo(gctx, src, names[src], p, &mu)
			if err != nil {
				return fmt.Errorf("planning %s: %w", src, err)
			}
			mu.Lock()
			p.Items = append(p.Items, items...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.sortItems()
	p.digests, p.rawBytes = nil, 0 // planning's own: the interned strings stay shared
	return p, nil
}

func (s *Syncer) planRepo(ctx context.Context, src, dst string, p *Plan, mu *sync.Mutex) ([]Item, error) {
	tags, err := s.source.Tags(ctx, src)
	if err != nil {
		return nil, err
	}
	selected, refTags := selectTags(tags, s.opts.Selector)
	// A name that is not a tag would go into request paths: its item fails alone.
	var invalid []Item
	selected = slices.DeleteFunc(selected, func(t Tag) bool {
		if tagRE.MatchString(t.Name) {
			return false
		}
		invalid = append(invalid, Item{Source: src, Dest: dst, Tag: t.Name, Action: Invalid})
		return true
	})
	if len(selected) == 0 {
		// Nothing selected, nothing to refer to: the destination need not be asked.
		return invalid, nil
	}
	// The destination's tag listing comes first: a tag it lacks is to be copied or tagged,
	// which needs the source manifest, so resolveDigests fetches it by tag in one GET
	// rather than a HEAD then a GET by digest.
	dtags, err := listTags(ctx, s.dst, dst, "")
	if err != nil {
		return nil, err
	}
	if selected, err = s.resolveDigests(ctx, src, selected, dtags, p, mu); err != nil {
		return nil, err
	}
	subjects := map[string]bool{}
	for _, t := range selected {
		subjects[t.Digest] = true
	}
	refs := referrerTagsOf(refTags, subjects)
	if refs, err = s.resolveDigests(ctx, src, refs, dtags, p, mu); err != nil {
		return nil, err
	}
	selected = append(selected, refs...)

	// Then one HEAD per tag the destination already has.
	have := map[string]string{} // tag → digest at the destination
	var hmu sync.Mutex
	// The state's record stands for a tag the destination still lists, whose source
	// digest is the one recorded, unless it is the tag's turn to be looked at again.
	rec := p.state.repo(src, dst)
	recorded := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Jobs)
	for _, t := range selected {
		if _, ok := slices.BinarySearch(dtags, t.Name); !ok {
			continue
		}
		if rec != nil && !s.opts.Reverify && t.Digest != "" && rec.Tags[t.Name] == t.Digest && !p.state.recheck(dst, t.Name) {
			hmu.Lock()
			have[t.Name] = t.Digest
			hmu.Unlock()
			recorded++
			continue
		}
		g.Go(func() error {
			release, err := s.planSlot(gctx, s.dstSlots)
			if err != nil {
				return err
			}
			defer release()
			d, found, err := s.dst.headManifest(gctx, dst, t.Name)
			if err == nil && found {
				hmu.Lock()
				have[t.Name] = d
				hmu.Unlock()
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	present := map[string]bool{} // digests the destination repository holds
	for _, d := range have {
		present[d] = true
	}
	check := func(d string) (bool, error) {
		if present[d] || len(dtags) == 0 {
			return present[d], nil
		}
		_, found, err := s.dst.headManifest(ctx, dst, d)
		present[d] = found
		return found, err
	}

	var items []Item
	add := func(t Tag, subject string) error {
		it := Item{Source: src, Dest: dst, Tag: t.Name, Digest: t.Digest, Subject: subject}
		d := destTag{}
		d.digest, d.tagged = have[t.Name]
		if needsPresence(t, d, s.opts.Override) {
			var err error
			if d.holds, err = check(t.Digest); err != nil {
				return err
			}
		}
		it.Action = decide(t, d, s.opts.Override)
		if d.tagged && d.digest != t.Digest {
			it.DestDigest = d.digest
		}
		items = append(items, it)
		return nil
	}
	for _, t := range selected {
		subject := ""
		if m := referrerTag.FindStringSubmatch(t.Name); m != nil {
			subject = "sha256:" + m[1]
		}
		if err := add(t, subject); err != nil {
			return nil, err
		}
	}
	// Referrers by API, for the images this plan covers.
	if s.opts.Referrers != ReferrersNone {
		asked, seen := map[string]bool{}, map[string]bool{}
		for _, it := range items {
			seen[it.Digest] = true
		}
		for _, it := range slices.Clone(items) {
			if asked[it.Digest] || (s.opts.Referrers == ReferrersNew && it.Action != Copy) {
				continue
			}
			asked[it.Digest] = true
			var descs []string
			if refs, ok := rec.referrers(it.Digest); ok && it.Action == Skip && !s.opts.Reverify && !p.state.recheck(dst, it.Digest) {
				// The record: these referrers were in place, and nothing else referred
				// to the image when it was last asked.
				descs = refs
				for _, d := range refs {
					if !seen[d] && !present[d] {
						present[d] = true
						recorded++
					}
				}
			} else if descs, err = s.referrers(ctx, src, it.Digest); err != nil {
				return nil, err
			}
			p.state.knowAll(dst, it.Digest)
			for _, d := range descs {
				if seen[d] {
					continue
				}
				seen[d] = true
				if err := add(Tag{Digest: d}, it.Digest); err != nil {
					return nil, err
				}
			}
		}
	}
	if recorded > 0 {
		mu.Lock()
		p.Recorded += recorded
		mu.Unlock()
	}
	for _, it := range items {
		if it.Action == Copy || it.Action == TagOnly {
			if err := s.fetchTree(ctx, src, it.Digest, it.Action == Copy, p, mu); err != nil {
				return nil, err
			}
		}
	}
	return append(items, invalid...), nil
}

// planSlot takes one of the Jobs slots of a registry (the Syncer's srcSlots or dstSlots)
// that per-tag requests share across every repository being planned, so planning sends
// about Jobs requests at a time to each registry, not Jobs per repository.
func (s *Syncer) planSlot(ctx context.Context, slots *slots) (release func(), err error) {
	if err := slots.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return func() { slots.Release(1) }, nil
}

// resolveDigests fills in missing digests: with one source HEAD per tag the destination
// lists (dtags, sorted) — an unchanged tag costs no manifest body — and with one GET by tag
// for a tag it lacks, whose manifest the plan needs anyway: the digest is then the one of
// the bytes received (fetchManifestByTag), and the manifest goes into the plan as
// fetchTree would put it there, so fetchTree does not fetch it again by digest.
//
// A tag the source no longer has (deleted between its listing and now: a busy source, CI
// pruning tags) has nothing to copy: it is left out of what resolveDigests returns, and
// logged, rather than failing the repository's planning.
func (s *Syncer) resolveDigests(ctx context.Context, repo string, tags []Tag, dtags []string, p *Plan, mu *sync.Mutex) ([]Tag, error) {
	gone := make([]bool, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Jobs)
	for i := range tags {
		if tags[i].Digest != "" {
			continue
		}
		_, listed := slices.BinarySearch(dtags, tags[i].Name)
		g.Go(func() error {
			release, err := s.planSlot(gctx, s.srcSlots)
			if err != nil {
				return err
			}
			defer release()
			var d string
			var found bool
			if listed {
				d, found, err = s.src.headManifest(gctx, repo, tags[i].Name)
			} else {
				d, found, err = s.fetchByTag(gctx, repo, tags[i].Name, p, mu)
			}
			if err != nil {
				return err
			}
			if !found {
				s.logger().InfoContext(gctx, "tag deleted at the source while planning: not synced", "repo", repo, "tag", tags[i].Name)
				gone[i] = true
				return nil
			}
			tags[i].Digest = d
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	kept := tags[:0]
	for i, t := range tags {
		if !gone[i] {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// fetchByTag GETs the source manifest of tag and returns its digest; a manifest that
// parses is kept in the plan. One that does not is left for fetchTree, which fetches it
// by digest and reports why, as it would have.
func (s *Syncer) fetchByTag(ctx context.Context, repo, tag string, p *Plan, mu *sync.Mutex) (digest string, found bool, err error) {
	var raw []byte
	var mt string
	err = s.src.try(ctx, func() error {
		var e error
		raw, mt, digest, found, e = fetchManifestByTag(ctx, s.src, repo, tag)
		return e
	})
	if err != nil || !found {
		return "", found, err
	}
	if m, perr := parseManifest(raw, mt); perr == nil {
		mu.Lock()
		if _, done := p.Manifests[digest]; !done {
			p.keep(digest, raw, &m)
		}
		mu.Unlock()
	}
	return digest, true, nil
}

// fetchManifestByTag GETs manifest tag of repo (found false on a 404): its digest is
// computed from the bytes received, sha256 unless the registry's Docker-Content-Digest
// names another algorithm the engine checks (sha512), and a Docker-Content-Digest that
// the bytes do not hash to is refused (ErrDigestMismatch), as a GET by digest refuses
// bytes that are not the digest's. The bytes and the digest are one answer's, so a tag
// moved meanwhile cannot pair one manifest's digest with another's bytes.
func fetchManifestByTag(ctx context.Context, c *registryClient, repo, tag string) (raw []byte, mediaType, digest string, found bool, err error) {
	raw, mediaType, claimed, found, err := c.fetchManifest(ctx, repo, tag, repo+":"+tag, true)
	if err != nil || !found {
		return nil, "", "", found, err
	}
	digest = syncDigest(raw)
	if claimed != "" {
		got, err := digestAs(raw, claimed)
		if err != nil {
			return nil, "", "", false, fmt.Errorf("manifest %s:%s: %w", repo, tag, err)
		}
		if got != claimed {
			return nil, "", "", false, fmt.Errorf("manifest %s:%s: %w (Docker-Content-Digest %s, got %s)", repo, tag, ErrDigestMismatch, claimed, got)
		}
		digest = claimed
	}
	return raw, mediaType, digest, true, nil
}

// manifestType is a manifest's media type as getManifest has it: the body's mediaType,
// else the Content-Type without parameters.
func manifestType(contentType string, raw []byte) string {
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.MediaType != "" {
		mt = probe.MediaType
	}
	return mt
}

// referrers asks the OCI referrers API; a registry without it has none to offer. Such a
// registry answers a bare 404 (no registry error code), 400 or 405, and is not asked again:
// its referrers live in `sha256-<digest>` tags, which the tag listing already shows.
func (s *Syncer) referrers(ctx context.Context, repo, digest string) ([]string, error) {
	if rs, ok := s.source.(ReferrersSource); ok {
		return rs.Referrers(ctx, repo, digest)
	}
	if s.noReferrersAPI.Load() {
		return nil, nil
	}
	var idx struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	_, found, err := s.src.getJSON(ctx, "/v2/"+repo+"/referrers/"+digest, &idx, false)
	var he *HTTPError
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == http.StatusBadRequest || he.StatusCode == http.StatusMethodNotAllowed,
			he.StatusCode == http.StatusNotFound && he.Code == "":
			s.noReferrersAPI.Store(true)
			return nil, nil
		case he.StatusCode == http.StatusNotFound:
			return nil, nil
		}
	}
	if err != nil || !found {
		return nil, err
	}
	var out []string
	for _, m := range idx.Manifests {
		out = append(out, m.Digest)
	}
	sort.Strings(out)
	return out, nil
}

// fetchTree records the manifest (and, when recurse is set, its children, recursively) in
// the plan. Copies need the whole tree; tag-only updates only the manifest itself.
func (s *Syncer) fetchTree(ctx context.Context, repo, digest string, recurse bool, p *Plan, mu *sync.Mutex) error {
	mu.Lock()
	m, done := p.Manifests[digest]
	mu.Unlock()
	if !done {
		raw, mt, err := s.src.getManifest(ctx, repo, digest, digest)
		if err != nil {
			return err
		}
		if m, err = parseManifest(raw, mt); err != nil {
			return fmt.Errorf("manifest %s@%s: %w", repo, digest, err)
		}
		mu.Lock()
		p.keep(digest, raw, &m)
		mu.Unlock()
	}
	if !recurse {
		return nil
	}
	for _, c := range m.Children {
		if err := s.fetchTree(ctx, repo, c, true, p, mu); err != nil {
			return err
		}
	}
	return nil
}

type syncDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

func parseManifest(raw []byte, mediaType string) (Manifest, error) {
	var m struct {
		MediaType string           `json:"mediaType"`
		Config    *syncDescriptor  `json:"config"`
		Layers    []syncDescriptor `json:"layers"`
		Blobs     []syncDescriptor `json:"blobs"`
		Manifests []syncDescriptor `json:"manifests"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return Manifest{}, err
	}
	out := Manifest{MediaType: mediaType, Size: int64(len(raw))}
	if out.MediaType == "" {
		out.MediaType = m.MediaType
	}
	out.MediaType = internMediaType(out.MediaType)
	if n := len(m.Manifests); n > 0 {
		out.Children = make([]string, 0, n)
	}
	if n := len(m.Layers) + len(m.Blobs) + 1; n > 1 || m.Config != nil {
		out.Blobs = make([]Blob, 0, n)
	}
	if out.MediaType == "" {
		return out, errors.New("no media type")
	}
	if strings.Contains(out.MediaType, "schema1") || strings.HasSuffix(out.MediaType, "manifest.v1+prettyjws") {
		return out, fmt.Errorf("unsupported media type %s", out.MediaType)
	}
	for _, c := range m.Manifests {
		out.Children = append(out.Children, c.Digest)
	}
	if m.Config != nil && m.Config.Digest != "" {
		out.Blobs = append(out.Blobs, Blob{Digest: m.Config.Digest, Size: m.Config.Size})
	}
	for _, ls := range [][]syncDescriptor{m.Layers, m.Blobs} {
		for _, l := range ls {
			out.Blobs = append(out.Blobs, Blob{Digest: l.Digest, Size: l.Size})
		}
	}
	if len(out.Blobs) == 0 {
		out.Blobs = nil // as a JSON round trip has it
	}
	return out, out.check()
}

// selectTags splits a repository's tags into those the selector picks and the referrer
// tags (cosign's sha256-<hex>.sig…, the OCI referrers fallback tag), which go with the
// image they name rather than through the selector.
func selectTags(tags []Tag, sel replication.Selector) (selected, refTags []Tag) {
	var names []string
	byName := map[string]Tag{}
	for _, t := range tags {
		if referrerTag.MatchString(t.Name) {
			refTags = append(refTags, t)
			continue
		}
		byName[t.Name] = t
		names = append(names, t.Name)
	}
	for _, n := range sel.FilterTags(names) {
		if t := byName[n]; sel.MatchLabels(t.Labels) {
			selected = append(selected, t)
		}
	}
	return selected, refTags
}

// referrerTagsOf returns the referrer tags whose subject is among subjects (digests).
func referrerTagsOf(refTags []Tag, subjects map[string]bool) []Tag {
	var refs []Tag
	for _, t := range refTags {
		if m := referrerTag.FindStringSubmatch(t.Name); subjects["sha256:"+m[1]] {
			refs = append(refs, t)
		}
	}
	return refs
}

// destTag is what the destination holds for one planned tag: the digest its tag points
// at (tagged), and whether the repository holds the source digest at all (holds; known
// only when needsPresence said to look).
type destTag struct {
	digest        string
	tagged, holds bool
}

// needsPresence reports whether deciding t needs to know if the destination holds its
// digest: not when the tag is already right, nor when it is a conflict left alone.
func needsPresence(t Tag, d destTag, override bool) bool {
	return !d.tagged || (d.digest != t.Digest && override)
}

// decide is the plan's decision for one source tag t (Name "" for an untagged referrer)
// given the destination d: Skip what is in place, Conflict on a tag holding another
// digest without override, TagOnly when the digest is there under no such tag, Copy
// otherwise.
func decide(t Tag, d destTag, override bool) Action {
	switch {
	case d.tagged && d.digest == t.Digest:
		return Skip
	case d.tagged && !override:
		return Conflict
	case d.holds && t.Name != "":
		return TagOnly
	case d.holds:
		return Skip
	}
	return Copy
}
