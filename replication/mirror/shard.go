package mirror

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
)

// ShardOf returns the part of p that shard i of n applies: the items of every destination
// repository whose name hashes (FNV-1a) to i, with the manifests they need. The split
// depends only on repository names, so n processes — say a Kubernetes Indexed Job, each
// taking JOB_COMPLETION_INDEX — that plan the same source agree on who copies what, and a
// repository's referrers stay with it. A blob needed by repositories of different shards
// is uploaded once per shard (a shard cannot mount from a repository another process is
// still writing). Options.Shards makes the same split before planning, so that each
// process plans its own part only.
func (p *Plan) ShardOf(i, n int) (*Plan, error) {
	if n <= 0 || i < 0 || i >= n {
		return nil, fmt.Errorf("shard %d of %d: %w", i, n, errSyncShard)
	}
	out := &Plan{Source: p.Source, Destination: p.Destination, Shard: i, Shards: n,
		Manifests: map[string]Manifest{}, raw: map[string][]byte{}}
	var walk func(d string)
	walk = func(d string) {
		m, ok := p.Manifests[d]
		if _, done := out.Manifests[d]; !ok || done {
			return
		}
		out.Manifests[d] = m
		if b, ok := p.raw[d]; ok {
			out.raw[d] = b
		}
		for _, c := range m.Children {
			walk(c)
		}
	}
	for _, it := range p.Items {
		if ShardIndex(it.Dest, n) != i {
			continue
		}
		out.Items = append(out.Items, it)
		walk(it.Digest)
	}
	return out, nil
}

// Split returns all n shards of p.
func (p *Plan) Split(n int) ([]*Plan, error) {
	out := make([]*Plan, n)
	for i := range out {
		var err error
		if out[i], err = p.ShardOf(i, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var errSyncShard = errors.New("invalid shard")

// ownState keeps, of the records st read, those of Options.Shard's repositories only, so
// that the state this part writes holds its own repositories' records and no other's. A
// record of another part's repository would be stale as soon as that part synced it with
// another file — a file shared by parts one after another, files swapped between parts,
// or a repository moved to another part by a new Shards — and trusting it again once the
// repository comes back to this file would skip a tag the destination no longer holds
// (a source rolled back to the recorded digest). Dropping them only costs requests.
func (s *Syncer) ownState(st *planState) *planState {
	if st == nil || s.opts.Shards <= 0 {
		return st
	}
	for repo := range st.repos {
		if ShardIndex(repo, s.opts.Shards) != s.opts.Shard {
			delete(st.repos, repo)
		}
	}
	return st
}

// ShardIndex returns the shard, of n (above 0), that repository repo belongs to.
func ShardIndex(repo string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(repo))
	// In 64 bits: uint32(n) of an n past 2^32 would be another number of parts, or 0 (a
	// division by zero). Below 2^32, the same split.
	return int(uint64(h.Sum32()) % uint64(n))
}

// MergePlans joins the shards of one plan back into one.
func MergePlans(parts ...*Plan) (*Plan, error) {
	if len(parts) == 0 {
		return nil, errors.New("merging sync plans: no plan")
	}
	out := &Plan{Source: parts[0].Source, Destination: parts[0].Destination,
		Manifests: map[string]Manifest{}, raw: map[string][]byte{}}
	for _, p := range parts {
		if p.Source != out.Source || p.Destination != out.Destination {
			return nil, fmt.Errorf("merging a plan for %s → %s into one for %s → %s: %w",
				p.Source, p.Destination, out.Source, out.Destination, ErrPlanMismatch)
		}
		out.Items = append(out.Items, p.Items...)
		maps.Copy(out.Manifests, p.Manifests)
		maps.Copy(out.raw, p.raw)
	}
	out.sortItems()
	return out, nil
}

// ShardRate divides a bandwidth budget (bytes per second, ≤ 0 unlimited) among n shards
// running at once, so that together they stay within it.
func ShardRate(bytesPerSecond int64, n int) int64 {
	if bytesPerSecond <= 0 || n <= 1 {
		return bytesPerSecond
	}
	return max(bytesPerSecond/int64(n), 1)
}
