package replication

import (
	"fmt"
	"sort"
	"strings"
)

// SyncAction is what Apply does for one SyncItem.
type SyncAction string

// Sync actions.
const (
	// SyncCopy copies the manifest, its blobs and children, then tags it.
	SyncCopy SyncAction = "copy"
	// SyncTagOnly points the tag at a manifest the destination repository already holds.
	SyncTagOnly SyncAction = "tag"
	// SyncSkip: the destination already holds the tag at the same digest.
	SyncSkip SyncAction = "skip"
	// SyncConflict: the destination tag holds another digest. Skipped unless the plan was
	// made with Override, in which case the action is SyncCopy or SyncTagOnly instead and
	// DestDigest records what was overwritten.
	SyncConflict SyncAction = "conflict"
)

// SyncItem is one tag (or, for a referrer pushed by digest, one untagged manifest) to sync.
type SyncItem struct {
	Source string     `json:"source"` // source repository
	Dest   string     `json:"dest"`   // destination repository
	Tag    string     `json:"tag,omitempty"`
	Digest string     `json:"digest"`
	Action SyncAction `json:"action"`
	// DestDigest is what the destination tag held when planned, if anything else.
	DestDigest string `json:"destDigest,omitempty"`
	// Subject is the digest this artifact refers to (a signature, an SBOM), if any.
	Subject string `json:"subject,omitempty"`
}

// Ref returns "dest:tag" or "dest@digest".
func (it SyncItem) Ref() string {
	if it.Tag != "" {
		return it.Dest + ":" + it.Tag
	}
	return it.Dest + "@" + it.Digest
}

func (it SyncItem) ref() string {
	if it.Tag != "" {
		return it.Tag
	}
	return it.Digest
}

// SyncBlob is a blob a manifest needs.
type SyncBlob struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// SyncManifest is what the plan learned about a manifest to copy: its blobs (config and
// layers) and, for an index, its child manifests.
type SyncManifest struct {
	MediaType string     `json:"mediaType"`
	Size      int64      `json:"size"`
	Blobs     []SyncBlob `json:"blobs,omitempty"`
	Children  []string   `json:"children,omitempty"`
}

// SyncPlan is what a sync will do: a value with no I/O, safe to print, save as JSON and
// apply later (a JSON round trip loses nothing that Apply needs).
type SyncPlan struct {
	Source      string                  `json:"source"`
	Destination string                  `json:"destination"`
	Items       []SyncItem              `json:"items"`
	Manifests   map[string]SyncManifest `json:"manifests,omitempty"`
	// Shard and Shards say which part of a split plan this is (Shards 0: whole plan).
	Shard  int `json:"shard,omitempty"`
	Shards int `json:"shards,omitempty"`

	raw map[string][]byte // manifests fetched while planning, so Apply need not refetch
}

// HasChanges reports whether applying the plan would write anything.
func (p *SyncPlan) HasChanges() bool {
	for _, it := range p.Items {
		if it.Action == SyncCopy || it.Action == SyncTagOnly {
			return true
		}
	}
	return false
}

// SyncTotals summarises a plan.
type SyncTotals struct {
	Items       int   `json:"items"`
	Copy        int   `json:"copy"`
	TagOnly     int   `json:"tagOnly"`
	Skip        int   `json:"skip"`
	Conflicts   int   `json:"conflicts"`
	Manifests   int   `json:"manifests"`   // unique manifests to push (children included)
	UniqueBlobs int   `json:"uniqueBlobs"` // unique blob digests the copies need
	Bytes       int64 `json:"bytes"`       // their size: the most Apply moves
}

// Totals counts the plan's actions, unique manifests and blobs, and the bytes to move at
// most (blobs already at the destination move nothing).
func (p *SyncPlan) Totals() SyncTotals {
	t := SyncTotals{Items: len(p.Items)}
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
		case SyncCopy:
			t.Copy++
			walk(it.Digest)
		case SyncTagOnly:
			t.TagOnly++
		case SyncSkip:
			t.Skip++
		case SyncConflict:
			t.Conflicts++
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
func (p *SyncPlan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sync %s → %s", p.Source, p.Destination)
	if p.Shards > 0 {
		fmt.Fprintf(&b, " (shard %d of %d)", p.Shard, p.Shards)
	}
	b.WriteByte('\n')
	for _, it := range p.Items {
		if it.Action == SyncSkip {
			continue
		}
		fmt.Fprintf(&b, "  %-8s %s/%s → %s (%s)", it.Action, p.Source, syncSourceRef(it), it.Ref(), syncShort(it.Digest))
		if it.DestDigest != "" {
			fmt.Fprintf(&b, " replacing %s", syncShort(it.DestDigest))
		}
		b.WriteByte('\n')
	}
	t := p.Totals()
	fmt.Fprintf(&b, "%d copy, %d tag, %d unchanged, %d conflict; %d manifests, %d unique blobs, %s to move at most\n",
		t.Copy, t.TagOnly, t.Skip, t.Conflicts, t.Manifests, t.UniqueBlobs, FormatBytes(t.Bytes))
	return b.String()
}

func syncSourceRef(it SyncItem) string {
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

func (p *SyncPlan) sortItems() {
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
