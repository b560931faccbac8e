package replication

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
)

// syncCall is one operation run once per key, whoever asks first; later callers wait for it.
type syncCall struct {
	done chan struct{}
	err  error
	repo string // for blob placements: the destination repository now holding the blob
}

type syncOnce struct {
	mu    sync.Mutex
	calls map[string]*syncCall
}

// do runs fn once for key. It returns the call and whether this caller ran it.
func (o *syncOnce) do(ctx context.Context, key string, fn func(*syncCall) error) (*syncCall, bool, error) {
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[string]*syncCall{}
	}
	c, ok := o.calls[key]
	if !ok {
		c = &syncCall{done: make(chan struct{})}
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

// blob makes sure dst holds b, fetching it from src at most once per run: the first
// repository to need a digest gets it uploaded (or finds it present); every other repository
// waits for that and mounts it from there.
func (r *syncRun) blob(ctx context.Context, src, dst string, b SyncBlob) error {
	_, _, err := r.blobs.do(ctx, dst+"@"+b.Digest, func(*syncCall) error {
		first, ran, err := r.placed.do(ctx, b.Digest, func(c *syncCall) error {
			c.repo = dst
			return r.placeBlob(ctx, src, dst, b, "")
		})
		if ran {
			return err
		}
		from := ""
		if err == nil && first.repo != dst {
			from = first.repo
		}
		return r.placeBlob(ctx, src, dst, b, from)
	})
	return err
}

// placeBlob mounts b from another destination repository, or checks whether dst has it and
// otherwise streams it from the source in one PUT. It retries as a whole: a broken upload
// restarts with a fresh session and a fresh source stream.
func (r *syncRun) placeBlob(ctx context.Context, src, dst string, b SyncBlob, from string) error {
	return r.retry(ctx, func() error {
		if err := r.acquire(ctx); err != nil {
			return err
		}
		defer r.release()
		if from == "" {
			found, err := r.s.dst.headBlob(ctx, dst, b.Digest)
			if err != nil {
				return err
			}
			if found {
				r.blobsPresent.Add(1)
				r.emit(SyncEvent{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "present"})
				return nil
			}
		}
		loc, mounted, err := r.s.dst.startUpload(ctx, dst, b.Digest, from)
		if err != nil {
			return err
		}
		if mounted {
			r.blobsMounted.Add(1)
			r.emit(SyncEvent{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "mounted"})
			return nil
		}
		body, err := r.s.src.getBlob(ctx, src, b.Digest)
		if err != nil {
			return err
		}
		defer body.Close()
		cr := &syncProgressReader{r: body, run: r, repo: dst, digest: b.Digest, size: b.Size}
		if err := r.s.dst.finishUpload(ctx, loc, b.Digest, cr, b.Size); err != nil {
			return err
		}
		r.blobsUploaded.Add(1)
		r.emit(SyncEvent{Kind: EventBlob, Repo: dst, Digest: b.Digest, Size: b.Size, Outcome: "uploaded"})
		return nil
	})
}

// syncProgressReader counts the bytes of one upload as they stream.
type syncProgressReader struct {
	r      io.Reader
	run    *syncRun
	repo   string
	digest string
	size   int64
	n      atomic.Int64
}

func (p *syncProgressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.n.Add(int64(n))
		p.run.bytesN.Add(int64(n))
		p.run.emit(SyncEvent{Kind: EventBytes, Repo: p.repo, Digest: p.digest, Bytes: int64(n), Size: p.size})
	}
	return n, err
}
