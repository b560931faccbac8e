package mirror

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// memoCall is one operation run once per key, whoever asks first; later callers wait for it.
type memoCall struct {
	done chan struct{}
	err  error
}

// memo runs a function once per key and keeps the outcome for the whole run: later
// callers get the first one's result, not a new call (singleflight forgets a key once its
// call returns, which would upload a blob again).
type memo struct {
	mu    sync.Mutex
	calls map[string]*memoCall
}

// do runs fn once for key. It returns the call and whether this caller ran it.
func (o *memo) do(ctx context.Context, key string, fn func(*memoCall) error) (*memoCall, bool, error) {
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[string]*memoCall{}
	}
	c, ok := o.calls[key]
	if !ok {
		c = &memoCall{done: make(chan struct{})}
		o.calls[key] = c
	}
	o.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			return c, false, c.err
		case <-ctx.Done():
			return c, false, ctx.Err()
		}
	}
	c.err = fn(c)
	close(c.done)
	return c, true, c.err
}

// syncHome is where a blob goes first in a run: the first destination repository (in name
// order) whose copies need it, with the source repository to read it from. Every other
// repository mounts it from there. Because the choice does not depend on timing, a run
// that follows an interrupted one finds the blob where the first run put it, and mounts
// instead of uploading again.
type syncHome struct{ src, dst string }

// addHomes gives a home to every blob the copies among items need that has none yet, or
// one in a repository later in name order. Apply adds the whole plan's items at once; a
// pipelined Sync adds each repository's as it goes, in name order, which comes to the same.
func (r *applyRun) addHomes(items []Item) {
	r.live.Lock()
	defer r.live.Unlock()
	if r.home == nil {
		r.home = map[string]syncHome{}
	}
	var walk func(src, dst, d string, seen map[string]bool)
	walk = func(src, dst, d string, seen map[string]bool) {
		if seen[d] {
			return
		}
		seen[d] = true
		m := r.p.Manifests[d]
		for _, b := range m.Blobs {
			if h, ok := r.home[b.Digest]; !ok || dst < h.dst {
				r.home[b.Digest] = syncHome{src: src, dst: dst}
			}
		}
		for _, c := range m.Children {
			walk(src, dst, c, seen)
		}
	}
	for _, it := range items {
		if it.Action == Copy {
			walk(it.Source, it.Dest, it.Digest, map[string]bool{})
		}
	}
}

// blob makes sure dst holds b, reading it from the source at most once per run: the blob's
// home repository gets it first (found there, or uploaded), every other repository mounts
// it from there.
func (r *applyRun) blob(ctx context.Context, src, dst string, b Blob) error {
	_, _, err := r.blobs.do(ctx, dst+"@"+b.Digest, func(*memoCall) error {
		r.live.RLock()
		home, ok := r.home[b.Digest]
		guess := r.resumeFrom
		r.live.RUnlock()
		if !ok {
			home = syncHome{src: src, dst: dst}
		}
		_, _, err := r.placed.do(ctx, b.Digest, func(*memoCall) error {
			return r.placeBlob(ctx, home.src, home.dst, b, "", guess)
		})
		if home.dst == dst {
			return err
		}
		from := home.dst
		if err != nil {
			from = "" // the home failed: fend for ourselves
		}
		return r.placeBlob(ctx, src, dst, b, from, "")
	})
	return err
}

// addResumeGuess notes where a blob the plan's copies need may already be, at no cost to
// look: the first destination repository (in name order) whose items the plan skips,
// among items and the guess so far. A run cut short after copying it put the blobs it
// shares with later repositories there (the home rule), and a mount that misses still
// opens the upload session the blob goes through.
func (r *applyRun) addResumeGuess(items []Item) {
	r.live.Lock()
	defer r.live.Unlock()
	for _, it := range items {
		if it.Action == Skip && (r.resumeFrom == "" || it.Dest < r.resumeFrom) {
			r.resumeFrom = it.Dest
		}
	}
}

// placeBlob mounts b from another destination repository, or checks whether dst has it and
// otherwise streams it from the source in one PUT — after trying to mount it from guess, if
// set: a missed mount opens the same upload session. It retries as a whole: a broken upload
// restarts with a fresh session and a fresh source stream.
//
// Once the destination has mounted a blob across repositories in this run, the check is
// itself a mount, from dst into dst, with no guess to try instead: a registry that mounts
// answers it 201 when dst holds the blob (the distribution spec's answer to a mount: the
// blob is then in dst) and otherwise opens the session the upload goes through — one
// request where a HEAD then a POST took two. Until then, and on a registry that never
// mounts, a HEAD comes first, as a registry ignoring the mount would take the blob again.
func (r *applyRun) placeBlob(ctx context.Context, src, dst string, b Blob, from, guess string) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	if _, _, err := newDigester(b.Digest); err != nil {
		// Nothing moves through regdr unchecked: such a blob is neither looked for nor
		// streamed.
		return fmt.Errorf("copying blob %s from %s: %w", b.Digest, src, err)
	}
	self := false // the mount from dst stands for the HEAD
	if from == "" && (guess == "" || guess == dst) && r.mounts.Load() {
		from, self = dst, true
	}
	if from == "" {
		found, err := r.s.dst.headBlob(ctx, dst, b.Digest)
		if err != nil {
			return err
		}
		if found {
			r.blobsPresent.Add(1)
			r.emit(Event{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "present"})
			return nil
		}
		if guess != dst {
			from = guess
		}
	}
	// eager: a lazy GET failed at the source; from then on the GET goes first, retried on
	// its own as every other request is, so that a flaky source does not spend the whole
	// upload's attempts (each a fresh session) on its GET.
	eager := false
	return r.retry(ctx, func() error {
		var loc string
		var mounted bool
		err := r.s.dst.try(ctx, func() error {
			var err error
			loc, mounted, err = r.s.dst.startUpload(ctx, dst, b.Digest, from)
			return err
		})
		var he *HTTPError
		if from != "" && errors.As(err, &he) && !he.Temporary() {
			// A registry that refuses the mount itself (not the upload) still takes
			// the blob the ordinary way.
			r.s.logger().DebugContext(ctx, "mount refused; uploading", "repo", dst, "from", from, "err", err)
			from = ""
			err = r.s.dst.try(ctx, func() error {
				var err error
				loc, mounted, err = r.s.dst.startUpload(ctx, dst, b.Digest, "")
				return err
			})
		}
		if err != nil {
			return err
		}
		switch {
		case mounted && self:
			r.blobsPresent.Add(1)
			r.emit(Event{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "present"})
			return nil
		case mounted:
			r.mounts.Store(true)
			r.blobsMounted.Add(1)
			r.emit(Event{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "mounted"})
			return nil
		}
		// The source's GET streams into the destination's PUT: a source slot too, taken
		// after the destination's (see acquireSrc).
		if err := r.acquireSrc(ctx); err != nil {
			return err
		}
		defer r.releaseSrc()
		// The source's GET is sent when the PUT first reads its body, so the PUT goes out
		// while the source answers: one round trip where two came one after the other.
		// Its failure is this attempt's (the retry starts over with a fresh session), not
		// retried under a PUT that waits.
		// Once the PUT has ended the GET has nothing left to feed: a GET still waiting on
		// the source is called off then (cancel), not waited for.
		octx, cancel := context.WithCancel(ctx)
		defer cancel()
		var rc io.ReadCloser
		get := func(ctx context.Context) func() error {
			return func() error {
				var err error
				rc, err = r.s.src.getBlob(ctx, src, b.Digest)
				return err
			}
		}
		body := &lazyBody{cancel: cancel, open: func() (io.ReadCloser, error) {
			err := r.s.src.tryOnce(get(octx))
			return rc, err
		}}
		if eager {
			if err := r.s.src.try(ctx, get(ctx)); err != nil {
				return err
			}
			body = &lazyBody{rc: rc}
			body.began.Store(true)
		}
		defer body.Close()
		vr, err := newSyncVerifyReader(body, b.Digest)
		if err != nil {
			return err
		}
		cr := &progressReader{r: vr, run: r, repo: dst, digest: b.Digest, size: b.Size}
		size := b.Size
		if size <= 0 {
			size = -1 // unknown: the descriptor did not say
		}
		accepted, err := r.putBlob(ctx, loc, b.Digest, cr, size, body)
		if err != nil {
			body.abort()
		}
		var answer *HTTPError
		if oerr := body.openErr(); oerr != nil && !(errors.As(err, &answer) && !errors.Is(err, oerr)) {
			// The PUT failed because the source did: the source's error says why. Not when
			// the destination answered the PUT itself (a refusal before the body, say): its
			// answer is why.
			eager = true
			return oerr
		}
		if rerr := body.readErr(); err != nil && rerr != nil && !(errors.As(err, &answer) && !errors.Is(err, rerr)) {
			// The source's stream broke mid-blob: the PUT's error names the destination's
			// connection the bytes were going to.
			return fmt.Errorf("copying blob %s from %s at %s: %w", b.Digest, src, r.s.src.ep.Registry, rerr)
		}
		if verr := vr.mismatch(); verr != nil {
			// The last bytes were held back: the destination has an incomplete upload,
			// which it never commits, whatever it checks itself.
			return fmt.Errorf("copying blob %s from %s: %w", b.Digest, src, verr)
		}
		if err != nil {
			return err
		}
		if accepted {
			// 202: an upload still open, not a committed blob — unless the blob is there.
			found, err := r.s.dst.headBlob(ctx, dst, b.Digest)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("uploading blob %s to %s: answered 202 Accepted, and the blob is not there: %w", b.Digest, dst, ErrNotVerified)
			}
		}
		r.blobsUploaded.Add(1)
		r.emit(Event{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "uploaded"})
		return nil
	})
}

// putBlob sends an upload's PUT, and sends it again on the same session while its body
// was never read: a PUT refused before its first byte (a 503 or 429 from a proxy, a reset)
// costs neither the session nor a source request, and does not spend one of the whole
// upload's attempts. Once the body was read, a failure is the attempt's (the caller's
// retry starts over, with a fresh session and a fresh source stream).
func (r *applyRun) putBlob(ctx context.Context, loc, digest string, body io.Reader, size int64, lazy *lazyBody) (accepted bool, err error) {
	err = r.s.dst.try(ctx, func() error {
		var err error
		accepted, err = r.s.dst.finishUpload(ctx, loc, digest, body, size)
		if err != nil && lazy.started() {
			return spentBody{err}
		}
		return err
	})
	if s, ok := err.(spentBody); ok {
		err = s.err
	}
	return accepted, err
}

// spentBody is a PUT's failure after its body was read: not to be sent again as it was.
// It hides the error from retryable (no Unwrap); putBlob unwraps it.
type spentBody struct{ err error }

func (s spentBody) Error() string { return s.err.Error() }

// lazyBody opens its stream at its first Read. Close closes what was opened. Close and
// abort call off an open still waiting on the source (cancel) once the PUT has ended.
type lazyBody struct {
	open    func() (io.ReadCloser, error)
	cancel  context.CancelFunc // nil: none
	aborted atomic.Bool
	mu      sync.Mutex
	rc      io.ReadCloser
	err     error
	rerr    error       // the first failed Read of rc, abort's aside
	cut     bool        // err is abort's doing, not the source's
	began   atomic.Bool // the stream was opened or tried (Read), or is not to be (Close)
}

// abort calls off an open under way (or to come): the PUT ended, and its outcome does
// not wait on the source.
func (l *lazyBody) abort() {
	l.aborted.Store(true)
	if l.cancel != nil {
		l.cancel()
	}
}

func (l *lazyBody) Read(p []byte) (int, error) {
	l.mu.Lock()
	if !l.began.Load() {
		l.began.Store(true)
		l.rc, l.err = l.open()
		l.cut = l.err != nil && l.aborted.Load()
	}
	rc, err := l.rc, l.err
	l.mu.Unlock()
	switch {
	case err != nil:
		return 0, err
	case rc == nil: // closed before any Read (a transport may read after the PUT ended)
		return 0, errLazyClosed
	}
	n, err := rc.Read(p)
	if err != nil && err != io.EOF && !l.aborted.Load() {
		l.mu.Lock()
		if l.rerr == nil {
			l.rerr = err
		}
		l.mu.Unlock()
	}
	return n, err
}

// readErr is why the opened stream broke, nil if it did not (or abort broke it). The
// transport reports it as its own connection's error (readfrom tcp to the destination).
func (l *lazyBody) readErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rerr
}

var errLazyClosed = errors.New("read after close")

// started reports whether a Read, or the eager GET, opened the stream or tried to.
func (l *lazyBody) started() bool {
	return l.began.Load()
}

// openErr is why the stream could not be opened, nil if it was (or never tried, or
// abort called it off).
func (l *lazyBody) openErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return nil
	}
	return l.err
}

func (l *lazyBody) Close() error {
	l.abort()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.began.Store(true) // a Read after Close opens nothing
	if l.rc != nil {
		return l.rc.Close()
	}
	return nil
}

// progressReader counts the bytes of one upload as they stream.
type progressReader struct {
	r      io.Reader
	run    *applyRun
	repo   string
	digest string
	size   int64
	n      atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.n.Add(int64(n))
		p.run.bytesN.Add(int64(n))
		p.run.emit(Event{Kind: EventBytes, Repo: p.repo, Digest: p.digest, Bytes: int64(n), Size: p.size})
	}
	return n, err
}

// verifyReader hashes a blob as it streams through and holds back the last piece it
// read until the source's stream has ended and the bytes hash to the digest that named
// them: on a mismatch the reader fails with ErrDigestMismatch instead, and the
// destination never receives the whole blob — a corrupting proxy cannot slip a bad blob
// past a registry that does not check digests itself. It checks sha256 and sha512
// digests, and refuses others (ErrUnsupportedDigest).
type verifyReader struct {
	r      io.Reader
	want   string
	h      hash.Hash
	prefix string // the digest's algorithm, "sha256:"
	// Two fixed buffers take turns: one holds the last piece read (held), the other is
	// being released to the caller (ready) and is read into again only once it is drained,
	// so a blob of any size streams through 64 KiB of memory.
	bufs   [2][]byte
	heldAt int    // which of bufs holds held
	held   []byte // read from the source and hashed, not yet released
	ready  []byte // released to the caller from off on
	off    int
	ended  bool  // the source ended and its bytes verified: held goes out last
	final  error // the stream's end: io.EOF once verified, or the failure
	bad    error
}

func newSyncVerifyReader(r io.Reader, digest string) (*verifyReader, error) {
	h, prefix, err := newDigester(digest)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", digest, err)
	}
	return &verifyReader{r: r, want: digest, h: h, prefix: prefix}, nil
}

// mismatch returns the ErrDigestMismatch error if the stream did not hash to its digest.
func (v *verifyReader) mismatch() error { return v.bad }

func (v *verifyReader) Read(p []byte) (int, error) {
	for v.off >= len(v.ready) {
		if v.final != nil {
			return 0, v.final
		}
		v.fill()
	}
	n := copy(p, v.ready[v.off:])
	v.off += n
	return n, nil
}

// fill reads the next piece from the source into the buffer not holding the held piece;
// the piece held until then becomes ready. It is called only once ready is drained.
func (v *verifyReader) fill() {
	if v.ended {
		v.ready, v.off, v.held, v.final = v.held, 0, nil, io.EOF
		return
	}
	if v.bufs[0] == nil {
		v.bufs = [2][]byte{make([]byte, 32<<10), make([]byte, 32<<10)}
	}
	spare := 1 - v.heldAt
	n, err := v.r.Read(v.bufs[spare])
	if n > 0 {
		v.h.Write(v.bufs[spare][:n])
		v.ready, v.off = v.held, 0
		v.held, v.heldAt = v.bufs[spare][:n], spare
	}
	switch {
	case err == io.EOF:
		if got := v.prefix + hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			v.bad = fmt.Errorf("blob %s: %w (the source sent bytes hashing to %s)", v.want, ErrDigestMismatch, got)
			v.final, v.held = v.bad, nil
			return
		}
		v.ended = true
	case err != nil:
		v.final, v.held = err, nil
	}
}
