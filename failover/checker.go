package failover

import (
	"context"
	"fmt"
	"sync"
)

// Checker probes one endpoint from every vantage point and tracks its health. It is safe
// for concurrent use.
type Checker struct {
	endpoint Endpoint
	vantages []Vantage
	tracker  *HealthTracker
}

// NewChecker returns a checker of e from vantages (at least one), deciding health by p.
// A zero p.Quorum means a majority of vantages.
func NewChecker(e Endpoint, vantages []Vantage, p HealthPolicy) (*Checker, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if len(vantages) == 0 {
		return nil, fmt.Errorf("%w: checker of %s has no vantage point", ErrInvalid, e.Name)
	}
	for i, v := range vantages {
		if v == nil {
			return nil, fmt.Errorf("%w: checker of %s: vantage point %d is nil", ErrInvalid, e.Name, i)
		}
	}
	if p.Quorum == 0 {
		p.Quorum = len(vantages)/2 + 1
	}
	if p.Quorum > len(vantages) {
		return nil, fmt.Errorf("%w: checker of %s: quorum %d exceeds %d vantage points", ErrInvalid, e.Name, p.Quorum, len(vantages))
	}
	t, err := NewHealthTracker(p)
	if err != nil {
		return nil, err
	}
	return &Checker{endpoint: e, vantages: vantages, tracker: t}, nil
}

// Endpoint returns the checked endpoint.
func (c *Checker) Endpoint() Endpoint { return c.endpoint }

// Check probes the endpoint once from every vantage point, concurrently, records the
// results and returns the health after them. When ctx ends during the round, nothing is
// recorded. Results that name no vantage point are
// keyed by their position ("vantage-0", ...).
func (c *Checker) Check(ctx context.Context) HealthStatus {
	results := make([]ProbeResult, len(c.vantages))
	var wg sync.WaitGroup
	for i, v := range c.vantages {
		wg.Go(func() {
			r := v.Probe(ctx, c.endpoint)
			r.Endpoint = c.endpoint.Name
			if r.Vantage == "" {
				r.Vantage = fmt.Sprintf("vantage-%d", i)
			}
			results[i] = r
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		// Probes cut short by the caller say nothing about the registry.
		return c.Status()
	}
	var st HealthStatus
	for _, r := range results {
		st = c.tracker.Observe(r)
	}
	return st
}

// Status returns the current health without probing.
func (c *Checker) Status() HealthStatus {
	st := c.tracker.Status()
	st.Endpoint = c.endpoint.Name
	return st
}
