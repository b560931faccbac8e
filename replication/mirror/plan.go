package mirror

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regdr/regdr/replication"
)

// Action is what Apply does for one Item.
type Action string

// Sync actions.
const (
	// Copy copies the manifest, its blobs and children, then tags it.
	Copy Action = "copy"
	// TagOnly points the tag at a manifest the destination repository already holds.
	TagOnly Action = "tag"
	// Skip: the destination already holds the tag at the same digest.
	Skip Action = "skip"
	// Conflict: the destination tag holds another digest. Skipped unless the plan was
	// made with Override, in which case the action is Copy or TagOnly instead and
	// DestDigest records what was overwritten.
	Conflict Action = "conflict"
	// Invalid: the source lists a tag that is not a valid tag name ("a b", a path). Apply
	// reports the item failed (ErrInvalidTag) and requests nothing for it; the rest of the
	// plan proceeds.
	Invalid Action = "invalid"
)

// Item is one tag (or, for a referrer pushed by digest, one untagged manifest) to sync.
type Item struct {
	Source string `json:"source"` // source repository
	Dest   string `json:"dest"`   // destination repository
	Tag    string `json:"tag,omitempty"`
	Digest string `json:"digest"`
	Action Action `json:"action"`
	// DestDigest is what the destination tag held when planned, if anything else.
	DestDigest string `json:"dest_digest,omitempty"`
	// Subject is the digest this artifact refers to (a signature, an SBOM), if any.
	Subject string `json:"subject,omitempty"`
}

// Ref returns "dest:tag" or "dest@digest".
func (it Item) Ref() string {
	if it.Tag != "" {
		return it.Dest + ":" + it.Tag
	}
	return it.Dest + "@" + it.Digest
}

func (it Item) ref() string {
	if it.Tag != "" {
		return it.Tag
	}
	return it.Digest
}

// Blob is a blob a manifest needs.
type Blob struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// Manifest is what the plan learned about a manifest to copy: its blobs (config and
// layers) and, for an index, its child manifests.
type Manifest struct {
	MediaType string   `json:"media_type"`
	Size      int64    `json:"size"`
	Blobs     []Blob   `json:"blobs,omitempty"`
	Children  []string `json:"children,omitempty"`
}

// Plan is what a sync will do: a value with no I/O, safe to print, save as JSON and
// apply later (a JSON round trip loses nothing that Apply needs).
type Plan struct {
	Source      string              `json:"source"`
	Destination string              `json:"destination"`
	Items       []Item              `json:"items"`
	Manifests   map[string]Manifest `json:"manifests,omitempty"`
	// Shard and Shards say which part of a split plan this is (Shards 0: whole plan).
	Shard  int `json:"shard"`
	Shards int `json:"shards,omitempty"`
	// Recorded counts the items taken from the state file (Options.State) without asking
	// the destination.
	Recorded int `json:"recorded,omitempty"`

	raw      map[string][]byte // manifests fetched while planning, so Apply need not refetch
	rawBytes int               // their size
	digests  map[string]string // one copy of every blob and child digest in Manifests
	state    *planState        // the state the plan read; Apply writes the next one
}

// planRawBudget bounds the manifest bytes a plan keeps for Apply: a large plan keeps its
// first manifests' bytes, and Apply fetches the others again (one GET each), so that the
// plan's memory grows by its items and trees only, not by every manifest.
const planRawBudget = 2 << 20

// keep records manifest m of digest in the plan, and its bytes within planRawBudget. The
// digests m names are stored once per plan, however many manifests share them.
func (p *Plan) keep(digest string, raw []byte, m *Manifest) {
	if p.digests == nil {
		p.digests = map[string]string{}
	}
	intern := func(d string) string {
		if c, ok := p.digests[d]; ok {
			return c
		}
		p.digests[d] = d
		return d
	}
	for i := range m.Blobs {
		m.Blobs[i].Digest = intern(m.Blobs[i].Digest)
	}
	for i := range m.Children {
		m.Children[i] = intern(m.Children[i])
	}
	p.Manifests[digest] = *m
	if p.rawBytes+len(raw) <= planRawBudget {
		if p.raw == nil {
			p.raw = map[string][]byte{}
		}
		p.raw[digest] = raw
		p.rawBytes += len(raw)
	}
}

// internMediaType returns the one copy of a known media type, so that every manifest's
// does not hold its own.
func internMediaType(mt string) string {
	for _, known := range knownMediaTypes {
		if mt == known {
			return known
		}
	}
	return mt
}

var knownMediaTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.artifact.manifest.v1+json",
}

// HasChanges reports whether applying the plan would write anything.
func (p *Plan) HasChanges() bool {
	for _, it := range p.Items {
		if it.Action == Copy || it.Action == TagOnly {
			return true
		}
	}
	return false
}

// Totals summarises a plan.
type Totals struct {
	Items       int   `json:"items"`
	Copy        int   `json:"copy"`
	TagOnly     int   `json:"tag_only"`
	Skip        int   `json:"skip"`
	Conflicts   int   `json:"conflicts"`
	Invalid     int   `json:"invalid"`      // source tags that are not tags
	Manifests   int   `json:"manifests"`    // unique manifests to push (children included)
	UniqueBlobs int   `json:"unique_blobs"` // unique blob digests the copies need
	Bytes       int64 `json:"bytes"`        // their size: the most Apply moves
}

// Totals counts the plan's actions, unique manifests and blobs, and the bytes to move at
// most (blobs already at the destination move nothing).
func (p *Plan) Totals() Totals {
	t := Totals{Items: len(p.Items)}
	manifests := map[string]bool{}
	blobs := map[string]int64{}
	var walk func(d string)
	walk = func(d string) {
		if manifests[d] {
			return
		}
		manifests[d] = true
		m := p.Manifests[d]
		for _, b := range m.Blobs {
			blobs[b.Digest] = b.Size
		}
		for _, c := range m.Children {
			walk(c)
		}
	}
	for _, it := range p.Items {
		switch it.Action {
		case Copy:
			t.Copy++
			walk(it.Digest)
		case TagOnly:
			t.TagOnly++
		case Skip:
			t.Skip++
		case Conflict:
			t.Conflicts++
		case Invalid:
			t.Invalid++
		}
	}
	t.Manifests = len(manifests)
	t.UniqueBlobs = len(blobs)
	for _, s := range blobs {
		t.Bytes += s
	}
	return t
}

// String describes the plan for people: one line per change, then the totals.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sync %s → %s", p.Source, p.Destination)
	if p.Shards > 0 {
		fmt.Fprintf(&b, " (shard %d of %d)", p.Shard, p.Shards)
	}
	b.WriteByte('\n')
	for _, it := range p.Items {
		if it.Action == Skip {
			continue
		}
		if it.Action == Invalid {
			fmt.Fprintf(&b, "  %-8s %s/%s:%q is not a valid tag\n", it.Action, p.Source, it.Source, it.Tag)
			continue
		}
		fmt.Fprintf(&b, "  %-8s %s/%s → %s (%s)", it.Action, p.Source, sourceRef(it), it.Ref(), syncShort(it.Digest))
		if it.DestDigest != "" {
			fmt.Fprintf(&b, " replacing %s", syncShort(it.DestDigest))
		}
		b.WriteByte('\n')
	}
	t := p.Totals()
	invalid := ""
	if t.Invalid > 0 {
		invalid = fmt.Sprintf(", %d invalid", t.Invalid)
	}
	recorded := ""
	if p.Recorded > 0 {
		recorded = fmt.Sprintf(" (%d from the state)", p.Recorded)
	}
	fmt.Fprintf(&b, "%d copy, %d tag, %d unchanged%s, %d conflict%s; %d manifests, %d unique blobs, %s to move at most\n",
		t.Copy, t.TagOnly, t.Skip, recorded, t.Conflicts, invalid, t.Manifests, t.UniqueBlobs, replication.FormatBytes(t.Bytes))
	return b.String()
}

func sourceRef(it Item) string {
	if it.Tag != "" {
		return it.Source + ":" + it.Tag
	}
	return it.Source + "@" + syncShort(it.Digest)
}

func syncShort(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

func (p *Plan) sortItems() {
	sort.Slice(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if a.Dest != b.Dest {
			return a.Dest < b.Dest
		}
		if a.Tag != b.Tag {
			return a.Tag < b.Tag
		}
		return a.Digest < b.Digest
	})
}
