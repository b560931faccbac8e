package mirror

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/regdr/regdr/internal/flock"
	"github.com/regdr/regdr/internal/redact"
	"github.com/regdr/regdr/replication"
)

// The state file (Options.State) records, after an Apply, which digest every destination
// tag the Syncer synced holds and which referrers of each image are in place, so that the
// next Plan can take them from the record instead of asking the destination (one HEAD per
// tag) and the referrers API (one request per image). The source is still asked for every
// tag's digest: a record stands only for a tag whose source digest is the one recorded.
//
// A record is only ever an optimisation: a missing, truncated, corrupt, hand-edited (its
// checksum no longer matches) state, or one of another source or destination registry,
// another version or another repository mapping, is ignored or ignored in part, and the
// plan looks at the destination as it would without one. A destination tag that a record
// stands for but that is no longer in the destination's tag listing is looked at. What
// the destination listing cannot show — a tag someone else moved to another digest between
// two runs, a referrer added through the referrers API to an image that did not change —
// is found when that tag's turn to be looked at again comes: every record is checked
// against the registries at least every stateRecheck runs, and all of them with Reverify.
//
// Two runs sharing one file: each write compares the file's generation with the one its
// plan read, under a lock (flock(2) where it exists); if another run wrote in between, the
// records are dropped (the next run looks at everything), never merged.

// stateVersion is the state file's format.
const stateVersion = 1

// stateRecheck: a record is trusted for at most this many runs in a row; a tag's turn to
// be checked again comes once in stateRecheck runs (by a hash of its name), so a no-op run
// checks about 1/stateRecheck of the records.
const stateRecheck = 8

// maxStateFile bounds what is read of a state file (about 100 bytes per tag).
const maxStateFile = 256 << 20

// stateFile is the state file's content.
type stateFile struct {
	Version     int                   `json:"version"`
	Source      string                `json:"source"`
	Destination string                `json:"destination"`
	Generation  uint64                `json:"generation"`
	Repos       map[string]*stateRepo `json:"repos,omitempty"` // by destination repository
	// The file ends with a last member "checksum", the SHA-256 of the file's bytes
	// before it (seal): a file edited or cut short does not match and is ignored.
}

// stateRepo is what a run left in place in one destination repository.
type stateRepo struct {
	Source string            `json:"source"`         // the source repository it mirrors
	Tags   map[string]string `json:"tags,omitempty"` // tag → digest it holds
	// Referrers: image digest → the digests of its referrers in place, for the images
	// whose referrers were all found (an empty list: none).
	Referrers map[string][]string `json:"referrers,omitempty"`
}

// planState is the state a Plan was made with: the records (read only) and what the plan
// learnt that Apply needs to write the next state.
type planState struct {
	path       string
	source     string // redacted registries, as recorded
	dest       string
	generation uint64        // of the file the plan read (0: none)
	lockWait   time.Duration // the longest wait for the file's lock (Options.Timeout)
	run        uint64        // generation + 1: whose turn to be checked again
	repos      map[string]*stateRepo

	mu       sync.Mutex
	complete map[string]map[string]bool // destination repository → images whose referrers the plan knows in full
}

// loadState reads the state file; problems are logged and cost only requests.
func (s *Syncer) loadState() *planState {
	if s.opts.State == "" {
		return nil
	}
	st := &planState{path: s.opts.State, source: redact.URL(s.src.ep.Registry), dest: redact.URL(s.dst.ep.Registry),
		lockWait: s.opts.Timeout, complete: map[string]map[string]bool{}}
	f, gen, err := readStateFile(st.path)
	st.generation = gen
	st.run = gen + 1
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st
	case err != nil:
		s.logger().Warn("ignoring the sync state", "path", st.path, "err", err)
		return st
	case f.Source != st.source || f.Destination != st.dest:
		s.logger().Warn("ignoring the sync state of other registries", "path", st.path, "source", f.Source, "destination", f.Destination)
		return st
	}
	st.repos = f.Repos
	return st
}

// readStateFile reads and checks a state file. gen is its generation whenever the JSON
// parses, even if the file is refused otherwise, so a write can tell another run's.
func readStateFile(path string) (f *stateFile, gen uint64, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, maxStateFile+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading sync state: %w", err)
	}
	if len(raw) > maxStateFile {
		return nil, 0, fmt.Errorf("reading sync state: more than %d bytes", maxStateFile)
	}
	payload, sealed := unseal(raw)
	f = &stateFile{}
	if err := json.Unmarshal(payload, f); err != nil {
		return nil, 0, fmt.Errorf("reading sync state: %w", err)
	}
	gen = f.Generation
	if f.Version != stateVersion {
		return nil, gen, fmt.Errorf("reading sync state: version %d, not %d", f.Version, stateVersion)
	}
	if !sealed {
		return nil, gen, errors.New("reading sync state: checksum does not match (edited or cut short)")
	}
	// Only well-formed records are kept: tags and digests from the file may become items.
	for repo, r := range f.Repos {
		if r == nil || replication.ValidateRepositoryName(repo) != nil || replication.ValidateRepositoryName(r.Source) != nil {
			delete(f.Repos, repo)
			continue
		}
		for t, d := range r.Tags {
			if !tagRE.MatchString(t) || !validDigest(d) {
				delete(r.Tags, t)
			}
		}
		for subj, refs := range r.Referrers {
			ok := validDigest(subj)
			for _, d := range refs {
				ok = ok && validDigest(d)
			}
			if !ok {
				delete(r.Referrers, subj)
			}
		}
	}
	return f, gen, nil
}

// seal returns the JSON object b with a last member "checksum": the SHA-256 of b itself.
func seal(b []byte) []byte {
	head, tail := sealParts(b)
	return append(bytes.Clone(head), tail...)
}

// sealParts returns seal(b) in two parts, head (b without its closing brace, not a copy)
// then tail (the checksum member, the brace, a newline), so a large state is written
// without a second copy of it.
func sealParts(b []byte) (head, tail []byte) {
	b = bytes.TrimSpace(b)
	sum := sha256.Sum256(b)
	tail = append([]byte(`,"checksum":"sha256:`), hex.EncodeToString(sum[:])...)
	return b[:len(b)-1], append(tail, "\"}\n"...)
}

// unseal undoes seal: it returns the object without its checksum, and whether the
// checksum matched. Any edit of the file's bytes, a cut included, makes it not match.
func unseal(raw []byte) (payload []byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	const prefix, hexLen = `,"checksum":"sha256:`, 64
	n := len(prefix) + hexLen + len(`"}`)
	if len(raw) < n+1 || !bytes.HasSuffix(raw, []byte(`"}`)) || !bytes.Equal(raw[len(raw)-n:len(raw)-n+len(prefix)], []byte(prefix)) {
		return raw, false
	}
	want, err := hex.DecodeString(string(raw[len(raw)-n+len(prefix) : len(raw)-2]))
	if err != nil {
		return raw, false
	}
	payload = append(raw[:len(raw)-n:len(raw)-n], '}')
	sum := sha256.Sum256(payload)
	return payload, bytes.Equal(sum[:], want)
}

// repo returns the record of destination repository dst if it mirrors src.
func (st *planState) repo(src, dst string) *stateRepo {
	if st == nil {
		return nil
	}
	if r := st.repos[dst]; r != nil && r.Source == src {
		return r
	}
	return nil
}

// referrers returns the recorded referrers of digest, if the record knows them all.
func (r *stateRepo) referrers(digest string) ([]string, bool) {
	if r == nil {
		return nil, false
	}
	refs, ok := r.Referrers[digest]
	return refs, ok
}

// recheck reports whether it is dst:key's turn to be looked at again.
func (st *planState) recheck(dst, key string) bool {
	h := fnv.New64a()
	h.Write([]byte(dst))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return h.Sum64()%stateRecheck == st.run%stateRecheck
}

// knowAll notes that the plan knows every referrer of digest in dst.
func (st *planState) knowAll(dst, digest string) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.complete[dst] == nil {
		st.complete[dst] = map[string]bool{}
	}
	st.complete[dst][digest] = true
}

// recordState writes the state after Apply: the records of every destination repository
// the plan covers are replaced by what the run verified in place; the others are kept.
// A failure to write is logged and removes the file: it costs the next run requests only.
func (s *Syncer) recordState(p *Plan, results []Result) {
	st := p.state
	if st == nil {
		return
	}
	// Applying the plan again records nothing: its records would be another run's by
	// then.
	st.mu.Lock()
	path := st.path
	st.path = ""
	st.mu.Unlock()
	if path == "" {
		return
	}
	if err := st.write(path, p, results); err != nil {
		s.logger().Warn("not recording the sync state", "path", path, "err", err)
		// The file left as it was would be trusted again, and the rotation of the records'
		// checks, which advances with each write, would stop: the same eighth of them
		// would be checked on every run and the others never. Without it, the next run
		// looks at everything.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.logger().Error("not removing a sync state that could not be written: its records stay trusted", "path", path, "err", err)
		}
	}
	st.mu.Lock()
	st.repos, st.complete = nil, nil // no longer needed
	st.mu.Unlock()
}

func (st *planState) write(path string, p *Plan, results []Result) error {
	next := &stateFile{Version: stateVersion, Source: st.source, Destination: st.dest, Repos: map[string]*stateRepo{}}
	for repo, r := range st.repos {
		next.Repos[repo] = r
	}
	covered := map[string]bool{}
	refs := map[string][]string{} // dst + "@" + subject → its untagged referrers in place
	failed := map[string]bool{}   // dst + "@" + subject with a referrer not in place
	for _, res := range results {
		it := res.Item
		covered[it.Dest] = true
		if next.Repos[it.Dest] == nil || next.Repos[it.Dest] == st.repos[it.Dest] {
			next.Repos[it.Dest] = &stateRepo{Source: it.Source}
		}
		good := res.Verified && res.Err == nil &&
			(res.Outcome == OutcomeCopied || res.Outcome == OutcomeTagged || res.Outcome == OutcomeSkipped)
		switch {
		case it.Tag != "" && good:
			r := next.Repos[it.Dest]
			if r.Tags == nil {
				r.Tags = map[string]string{}
			}
			r.Tags[it.Tag] = it.Digest
		case it.Tag == "" && it.Subject != "" && good:
			refs[it.Dest+"@"+it.Subject] = append(refs[it.Dest+"@"+it.Subject], it.Digest)
		case it.Subject != "":
			failed[it.Dest+"@"+it.Subject] = true
		}
	}
	st.mu.Lock()
	for dst, subjects := range st.complete {
		r := next.Repos[dst]
		if r == nil || !covered[dst] {
			continue
		}
		for subj := range subjects {
			if failed[dst+"@"+subj] {
				continue
			}
			if r.Referrers == nil {
				r.Referrers = map[string][]string{}
			}
			r.Referrers[subj] = append([]string{}, refs[dst+"@"+subj]...)
		}
	}
	st.mu.Unlock()
	return writeStateFile(path, st.generation, next, st.lockWait)
}

// writeStateFile replaces the file at path by f, atomically (a temporary file in the same
// directory, then a rename), mode 0600. If the file's generation is no longer base,
// another run wrote it since this one read it: the records are dropped instead. It waits
// at most wait for the lock: a lock another process holds (a run stuck writing on a hung
// disk) must not hold this run for ever.
func writeStateFile(path string, base uint64, f *stateFile, wait time.Duration) error {
	unlock, err := lockState(path+".lock", wait)
	if err != nil {
		return err
	}
	defer unlock()
	_, cur, err := readStateFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && cur == 0 {
		cur = base // unreadable: nobody's generation to respect
	}
	f.Generation = max(cur, base) + 1
	if cur != base {
		f.Repos = nil // another run wrote in between: trust neither
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	head, tail := sealParts(b)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	for _, part := range [][]byte{head, tail} {
		if _, err := tmp.Write(part); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// lockState takes an exclusive lock on the file at path, creating it (mode 0600), waiting
// at most wait (0: DefaultTimeout). Past that, it gives up; the lock, if it comes later,
// is released at once.
func lockState(path string, wait time.Duration) (unlock func(), err error) {
	if wait <= 0 {
		wait = DefaultTimeout
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	type locked struct {
		release func()
		err     error
	}
	got := make(chan locked, 1)
	go func() {
		release, err := flock.Lock(f, true)
		got <- locked{release, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case l := <-got:
		if l.err != nil {
			f.Close()
			return nil, l.err
		}
		return func() { l.release(); f.Close() }, nil
	case <-timer.C:
		go func() {
			if l := <-got; l.err == nil {
				l.release()
			}
			f.Close()
		}()
		return nil, fmt.Errorf("locking sync state: held by another process for %v", wait)
	}
}
