package replication

import (
	"context"
	"io"
	"net/http"
)

// maxChunk bounds one wait so that a throttled stream moves smoothly instead of in bursts.
const maxChunk = 32 << 10

// NewReader returns a reader that takes every byte it reads from r out of l's budget. Reads
// stop with ctx's error when ctx is done. With an unlimited limiter r is returned unchanged.
func NewReader(ctx context.Context, r io.Reader, l BandwidthLimiter) io.Reader {
	if l == nil || l == Unlimited {
		return r
	}
	chunk, wait := maxChunk, maxChunk
	if b, ok := l.(burster); ok && b.Burst() > 0 {
		// Never ask for much more than a burst at once: a slow limit then paces reads
		// evenly rather than in multi-second steps. A read is at least 512 bytes, and is
		// waited for in pieces of at most the burst (a *rate.Limiter refuses more).
		wait = b.Burst()
		chunk = min(maxChunk, max(wait, 512))
		if _, ok := l.(*Limiter); ok {
			wait = chunk // a *Limiter waits in proportion for n above its burst
		}
	}
	return &limitedReader{ctx: ctx, r: r, l: l, chunk: chunk, wait: wait}
}

// burster is a BandwidthLimiter that refuses to wait for more than Burst bytes at once.
type burster interface{ Burst() int }

type limitedReader struct {
	ctx   context.Context
	r     io.Reader
	l     BandwidthLimiter
	chunk int // bytes read at most at once
	wait  int // bytes waited for at most at once
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if len(p) > r.chunk {
		p = p[:r.chunk]
	}
	n, err := r.r.Read(p)
	for left := n; left > 0; {
		k := min(left, r.wait)
		if werr := r.l.WaitN(r.ctx, k); werr != nil {
			return n, werr
		}
		left -= k
	}
	return n, err
}

// NewReadCloser is NewReader for a body that must still be closed.
func NewReadCloser(ctx context.Context, rc io.ReadCloser, l BandwidthLimiter) io.ReadCloser {
	if l == nil || l == Unlimited || rc == nil || rc == http.NoBody {
		return rc
	}
	return struct {
		io.Reader
		io.Closer
	}{NewReader(ctx, rc, l), rc}
}

// NewTransport returns a RoundTripper that throttles every request body it sends and every
// response body it receives through l, so that any HTTP client — go-containerregistry's
// remote package included — shares one budget. A nil rt means http.DefaultTransport.
func NewTransport(rt http.RoundTripper, l BandwidthLimiter) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if l == nil || l == Unlimited {
		return rt
	}
	return &limitedTransport{rt: rt, l: l}
}

type limitedTransport struct {
	rt http.RoundTripper
	l  BandwidthLimiter
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody {
		r2 := req.Clone(ctx)
		r2.Body = NewReadCloser(ctx, req.Body, t.l)
		if req.GetBody != nil {
			r2.GetBody = func() (io.ReadCloser, error) {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return NewReadCloser(ctx, b, t.l), nil
			}
		}
		req = r2
	}
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = NewReadCloser(ctx, resp.Body, t.l)
	return resp, nil
}
