package aliyun

import "sync"

// maxIdle bounds the SDK clients a Pool keeps between calls; more may be in use at once.
const maxIdle = 16

// Pool hands out SDK clients one call at a time, which makes a wrapper that holds a Pool
// safe for concurrent use although the SDK's clients are not: darabonba-openapi's Client
// keeps per-request state (every call reads and clears Client.Headers), so one SDK client
// must never run two calls at once. When every client is busy, Pool creates another from
// the same configuration, so concurrent calls run in parallel; it keeps up to 16 idle
// clients for later calls. A Pool is safe for concurrent use.
type Pool[T any] struct {
	mu      sync.Mutex
	newFn   func() (T, error)
	idle    []T
	created int
}

// NewPool returns a pool of the clients newFn creates, with one already created: an
// invalid configuration fails here, not at the first call. newFn is only ever called by one
// goroutine at a time (the SDK's NewClient writes into the configuration it is given).
func NewPool[T any](newFn func() (T, error)) (*Pool[T], error) {
	first, err := newFn()
	if err != nil {
		return nil, err
	}
	return &Pool[T]{newFn: newFn, idle: []T{first}, created: 1}, nil
}

// Use runs fn with a client no other call is using, and returns fn's error (or the error of
// creating a client).
func (p *Pool[T]) Use(fn func(T) error) error {
	c, err := p.get()
	if err != nil {
		return err
	}
	defer p.put(c)
	return fn(c)
}

// Created returns how many clients the pool has created so far: at most the largest number
// of calls that ran at once.
func (p *Pool[T]) Created() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.created
}

func (p *Pool[T]) get() (T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		var zero T
		p.idle[n-1] = zero
		p.idle = p.idle[:n-1]
		return c, nil
	}
	c, err := p.newFn()
	if err == nil {
		p.created++
	}
	return c, err
}

func (p *Pool[T]) put(c T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) < maxIdle {
		p.idle = append(p.idle, c)
	}
}
