package failover

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// ReverseLag measures what ACR EE holds that Harbor lacks (pushed during the outage):
	// while it holds anything, failback is refused with ErrReverseLag, and a reverse lag
	// that cannot be read refuses it too. Nil: not measured, and failback is decided on
	// health and dwell alone, as before reverse lag existed.
	ReverseLag ReverseLagReporter
	// Force overrides the reverse-lag check (artifacts Harbor lacks, or a reverse lag that
	// could not be read) and is recorded in the plan; ForceReason is required with it.
	// Nothing overrides an unhealthy primary, the dwell or an unexpected record.
	Force       bool
	ForceReason string
}

// PlanFailback plans to restore, exactly (type, value and TTL), what the journal says each
// target held before its last failover. It refuses while the primary has not been healthy
// for MinHealthy consecutive probes ([ErrPrimaryUnhealthy]), before MinDwell has passed
// since the failover ([ErrDwell]), when there is no failover to undo
// ([ErrNothingToFailBack]), when a record no longer holds what the failover wrote
// ([ErrUnexpectedRecord]), or, with a ReverseLag source, while ACR EE holds artifacts
// Harbor lacks ([ErrReverseLag], unless forced) — the reverse lag is then the plan's
// evidence.
func (s *Switcher) PlanFailback(ctx context.Context, req FailbackRequest) (*Plan, error) {
	if req.Force && strings.TrimSpace(req.ForceReason) == "" {
		return nil, fmt.Errorf("%w: force needs a reason", ErrInvalid)
	}
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
	var overrode []string
	// The reverse lag lists Harbor and ACR EE: it is read only when a record would change
	// and nothing else refuses (an unhealthy Harbor cannot be listed anyway).
	if req.ReverseLag != nil && len(refusals) == 0 && p.HasChanges() {
		rl, err := req.ReverseLag.ReverseLag(ctx)
		switch {
		case err != nil && req.Force:
			p.Evidence.ReverseLagError = scrub(err)
			overrode = append(overrode, "reverse lag unknown: "+scrub(err))
		case err != nil:
			refusals = append(refusals, fmt.Errorf("reading reverse lag: %w", err))
		default:
			p.Evidence.ReverseLag = &rl
			if rl.Behind() {
				msg := fmt.Sprintf("ACR EE holds %d tags Harbor lacks, %d at another digest and %d in repositories with no Harbor source", rl.Missing, rl.Stale, rl.Unmapped)
				if req.Force {
					overrode = append(overrode, msg)
				} else {
					refusals = append(refusals, fmt.Errorf("%w: %s; replicate them back to Harbor first", ErrReverseLag, msg))
				}
			}
		}
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("planning failback: %w", errors.Join(refusals...))
	}
	if req.Force {
		p.Force = &Force{Reason: req.ForceReason, Overrode: overrode}
	}
	if err := s.seal(p); err != nil {
		return nil, fmt.Errorf("planning failback: %w", err)
	}
	return p, nil
}
