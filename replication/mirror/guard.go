package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// counter counts a client's requests; it also leads the client's transport to the
// client, whose guard bounds and watches every request (see countingTransport).
type counter struct {
	atomic.Int64
	c *registryClient
}

// syncHealth is what a client knows of its registry's health: when the current run of
// failures began (zero after a success), and whether the registry was declared down.
type syncHealth struct {
	mu        sync.Mutex
	failSince time.Time // first failure since the last success
	downAt    time.Time // when the registry was declared down; zero: it is not
	downErr   error
}

// down returns the ErrRegistryDown error while the registry is declared down: for
// GiveUp after it was. After that, requests go out again; one more failure declares it
// down again at once, one success clears it.
func (c *registryClient) down() error {
	h := &c.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.downErr == nil {
		return nil
	}
	if c.clock.Now().Sub(h.downAt) >= c.retry.withDefaults().GiveUp {
		return nil
	}
	return h.downErr
}

// observe records one request's outcome: a response that is not a temporary failure is a
// success; a temporary failure status or a transport error a failure. guard calls it with
// a 2xx response only once its body is read to the end (or closed with no error), and with
// the read's error if the body breaks: a registry whose answers always break mid-body has
// not answered successfully.
func (c *registryClient) observe(ctx context.Context, req *http.Request, resp *http.Response, err error) {
	if err == nil && resp != nil && !(&HTTPError{StatusCode: resp.StatusCode}).Temporary() {
		h := &c.health
		h.mu.Lock()
		h.failSince, h.downAt, h.downErr = time.Time{}, time.Time{}, nil
		h.mu.Unlock()
		return
	}
	if ctx.Err() != nil || errors.Is(err, ErrScheme) {
		return // the caller gave up, or nothing was sent: not the registry
	}
	what := ""
	switch {
	case err != nil:
		what = err.Error()
	case resp != nil:
		what = fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	giveUp := c.retry.withDefaults().GiveUp
	now := c.clock.Now()
	h := &c.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failSince.IsZero() {
		h.failSince = now
	}
	if now.Sub(h.failSince) >= giveUp && (h.downErr == nil || now.Sub(h.downAt) >= giveUp) {
		h.downAt = now
		h.downErr = fmt.Errorf("%w: no successful response from %s for %v (last: %s)", ErrRegistryDown, c.ep.Registry, now.Sub(h.failSince).Round(time.Second), what)
	}
}

// guard sends req through rt, bounded by the retry policy's Timeout: the request fails with
// ErrTimeout once it waits that long for the response header, for a read of the
// response body, or for the transport to take the next piece of the request body. Time
// spent reading the request body (from the source, or a bandwidth limiter) does not count.
// A registry declared down gets no request at all.
func (c *registryClient) guard(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if err := c.down(); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	c.requests.Add(1)
	parent := req.Context()
	ctx, cancel := context.WithCancel(parent)
	w := &watch{d: c.retry.withDefaults().Timeout, cancel: cancel, header: true, host: c.ep.Registry}
	w.mu.Lock()
	w.timer = time.AfterFunc(w.d, w.fire)
	w.deadline = time.Now().Add(w.d)
	if !isBulk(parent) {
		w.total = smallDeadline * w.d
		w.overall = time.AfterFunc(w.total, w.expire)
	}
	w.mu.Unlock()
	req = req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &watchedBody{rc: req.Body, w: w, req: true}
		if gb := req.GetBody; gb != nil {
			req.GetBody = func() (io.ReadCloser, error) {
				b, err := gb()
				if err != nil || b == nil || b == http.NoBody {
					return b, err
				}
				return &watchedBody{rc: b, w: w, req: true}, nil
			}
		}
	}
	resp, err := rt.RoundTrip(req)
	w.set(func() { w.header = false })
	if err != nil {
		w.stop()
		if terr := w.err(); terr != nil {
			err = terr
		}
		c.observe(parent, req, nil, err)
		return nil, err
	}
	body := &watchedBody{rc: resp.Body, w: w}
	if ok := resp.StatusCode >= 200 && resp.StatusCode < 300; ok && req.Method != http.MethodHead &&
		resp.Body != http.NoBody && resp.ContentLength != 0 {
		// A success once the body is complete: see observe.
		body.end = func(err error) {
			if err != nil {
				c.observe(parent, req, nil, err)
			} else {
				c.observe(parent, req, resp, nil)
			}
		}
	} else {
		c.observe(parent, req, resp, nil)
	}
	resp.Body = body
	return resp, nil
}

// smallDeadline × Timeout is how long a small request (anything but a blob's transfer:
// manifests, listings, tokens, HEADs) may take in all, however steadily its answer drips.
const smallDeadline = 5

type bulkKey struct{}

// withBulk marks requests made with ctx as blob transfers, which have no deadline: only
// the idle timeout bounds them.
func withBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

func isBulk(ctx context.Context) bool { b, _ := ctx.Value(bulkKey{}).(bool); return b }

// watch is one request's idle timer. It runs while the request waits on the registry:
// for the response header (unless the transport is reading the request body from us), or
// inside a read of the response body. Every change of state restarts it.
type watch struct {
	d      time.Duration
	cancel context.CancelFunc
	host   string

	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time
	header   bool // waiting for the response header
	inReq    int  // reads of the request body under way
	inResp   int  // reads of the response body under way
	fired    bool
	stopped  bool

	total   time.Duration // a small request's deadline; 0: none
	overall *time.Timer
	expired bool // the deadline, not the idle timer, ended the request
}

// expire ends a small request at its deadline.
func (w *watch) expire() {
	w.mu.Lock()
	if w.fired || w.stopped {
		w.mu.Unlock()
		return
	}
	w.fired, w.expired = true, true
	w.timer.Stop()
	w.mu.Unlock()
	w.cancel()
}

func (w *watch) set(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
	if w.fired || w.stopped {
		return
	}
	if (w.header && w.inReq == 0) || w.inResp > 0 {
		w.deadline = time.Now().Add(w.d)
		w.timer.Reset(w.d)
	} else {
		w.deadline = time.Time{}
		w.timer.Stop()
	}
}

func (w *watch) fire() {
	w.mu.Lock()
	if w.fired || w.stopped || w.deadline.IsZero() {
		w.mu.Unlock()
		return
	}
	if left := time.Until(w.deadline); left > 0 { // restarted while this call was on its way
		w.timer.Reset(left)
		w.mu.Unlock()
		return
	}
	w.fired = true
	w.mu.Unlock()
	w.cancel()
}

func (w *watch) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	if w.overall != nil {
		w.overall.Stop()
	}
	w.mu.Unlock()
}

// err is the ErrTimeout error once the timer fired.
func (w *watch) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.fired {
		return nil
	}
	if w.expired {
		return fmt.Errorf("%w: %s did not complete a small request in %v (%d × the timeout)", ErrTimeout, w.host, w.total, smallDeadline)
	}
	return fmt.Errorf("%w: %s sent nothing for %v", ErrTimeout, w.host, w.d)
}

// watchedBody is a request or response body under a watch.
type watchedBody struct {
	rc   io.ReadCloser
	w    *watch
	req  bool
	once sync.Once

	end     func(error) // a response body's outcome for the registry's health: nil, none
	endOnce sync.Once
}

// finish reports the response body's outcome once: nil at its end (or when closed before
// it without an error), else the error that broke it.
func (b *watchedBody) finish(err error) {
	if b.end != nil {
		b.endOnce.Do(func() { b.end(err) })
	}
}

func (b *watchedBody) Read(p []byte) (int, error) {
	if b.req {
		b.w.set(func() { b.w.inReq++ })
	} else {
		b.w.set(func() { b.w.inResp++ })
	}
	n, err := b.rc.Read(p)
	if b.req {
		b.w.set(func() { b.w.inReq-- })
	} else {
		b.w.set(func() { b.w.inResp-- })
	}
	if err != nil && err != io.EOF {
		if terr := b.w.err(); terr != nil {
			err = terr
		}
	}
	if !b.req && err != nil {
		if err == io.EOF {
			b.finish(nil)
		} else {
			b.finish(err)
		}
	}
	return n, err
}

// Close closes the body; closing the response body ends the request.
func (b *watchedBody) Close() error {
	if !b.req {
		b.finish(nil) // closed before its end, nothing broken: the caller had enough
		b.once.Do(func() {
			b.w.stop()
			b.w.cancel()
		})
	}
	return b.rc.Close()
}
