package failover

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Failback defaults.
const (
	// DefaultFailbackHealthy is how many consecutive up results (agreed by a quorum) the
	// primary needs before failback.
	DefaultFailbackHealthy = 5
	// DefaultMinDwell is the minimum time between a failover and its failback.
	DefaultMinDwell = 10 * time.Minute
)

// FailbackRequest is what [Switcher.PlanFailback] decides on.
type FailbackRequest struct {
	// Reason and Actor say why and by whom.
	Reason string
	Actor  string
	// Targets names the targets to fail back; empty means every target with a failover
	// to undo.
	Targets []string
	// Primary is Harbor's health: it must be up with at least MinHealthy consecutive up
	// results.
	Primary HealthStatus
	// Secondary is ACR EE's health, kept as evidence.
	Secondary *HealthStatus
	// MinHealthy is M, the consecutive up results required. The default is
	// DefaultFailbackHealthy.
	MinHealthy int
	// MinDwell is the minimum time since the failover was written. The default is
	// DefaultMinDwell; a negative value means none.
	MinDwell time.Duration
}

// PlanFailback plans to restore, exactly (type, value and TTL), what the journal says each
// target held before its last failover. It refuses while the primary has not been healthy
// for MinHealthy consecutive probes ([ErrPrimaryUnhealthy]), before MinDwell has passed
// since the failover ([ErrDwell]), when there is no failover to undo
// ([ErrNothingToFailBack]), or when a record no longer holds what the failover wrote
// ([ErrUnexpectedRecord]).
func (s *Switcher) PlanFailback(ctx context.Context, req FailbackRequest) (*Plan, error) {
	if req.MinHealthy < 0 {
		return nil, fmt.Errorf("%w: negative MinHealthy", ErrInvalid)
	}
	if req.MinHealthy == 0 {
		req.MinHealthy = DefaultFailbackHealthy
	}
	if req.MinDwell == 0 {
		req.MinDwell = DefaultMinDwell
	}
	targets, err := s.selected(req.Targets)
	if err != nil {
		return nil, err
	}
	entries, err := s.journal.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("planning failback: %w", err)
	}
	last := undoable(entries)
	now := s.clock.Now()
	p := &Plan{Kind: KindFailback, Reason: req.Reason, Actor: req.Actor, CreatedAt: now, ExpiresAt: now.Add(s.planTTL)}
	prim := req.Primary
	p.Evidence.Primary, p.Evidence.Secondary = &prim, req.Secondary

	var refusals []error
	if prim.Health != HealthUp || prim.UpStreak < req.MinHealthy {
		refusals = append(refusals, fmt.Errorf("%w: %s is %s with %d consecutive up results, need %d", ErrPrimaryUnhealthy, prim.Endpoint, prim.Health, prim.UpStreak, req.MinHealthy))
	} else if err := s.fresh(prim); err != nil {
		refusals = append(refusals, fmt.Errorf("%w: %w", ErrPrimaryUnhealthy, err))
	}
	for _, t := range targets {
		e, ok := last[t.Name]
		if !ok {
			if len(req.Targets) > 0 {
				refusals = append(refusals, fmt.Errorf("%w: target %s", ErrNothingToFailBack, t.Name))
			}
			continue
		}
		if since := now.Sub(e.At); since < req.MinDwell {
			refusals = append(refusals, fmt.Errorf("%w: %s failed over %v ago, minimum dwell is %v", ErrDwell, e.FQDN, since, req.MinDwell))
			continue
		}
		c, err := s.observe(ctx, t)
		if err != nil {
			refusals = append(refusals, err)
			continue
		}
		c.Restores = &e
		switch {
		case c.From.same(e.From) && c.From.TTL == e.From.TTL:
			c.To, c.Done = e.From, true
		case c.From.same(e.To) && c.RecordID == e.RecordID:
			c.To = e.From
		default:
			refusals = append(refusals, fmt.Errorf("%w: %s holds %s, not %s written by plan %s", ErrUnexpectedRecord, c.FQDN, c.From, e.To, e.PlanID))
			continue
		}
		p.Changes = append(p.Changes, c)
	}
	if len(refusals) == 0 && len(p.Changes) == 0 {
		refusals = append(refusals, ErrNothingToFailBack)
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("planning failback: %w", errors.Join(refusals...))
	}
	if err := s.seal(p); err != nil {
		return nil, fmt.Errorf("planning failback: %w", err)
	}
	return p, nil
}
