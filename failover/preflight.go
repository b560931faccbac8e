package failover

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/regdr/regdr/dns"
)

// FailoverRequest is what [Switcher.PlanFailover] decides on.
type FailoverRequest struct {
	// Reason and Actor say why and by whom (copied to the journal and audit).
	Reason string
	Actor  string
	// Targets names the targets to switch; empty means all.
	Targets []string
	// Primary is Harbor's health, kept as evidence (failover is allowed while Harbor is up:
	// planned maintenance).
	Primary *HealthStatus
	// Secondary is ACR EE's health; it must be up.
	Secondary HealthStatus
	// Lag reports replication lag; required when RPO is set.
	Lag LagReporter
	// RPO is the data-loss budget: a failover whose Lag.OldestMissing exceeds it is
	// refused with ErrLagExceedsRPO. 0 means no budget.
	RPO time.Duration
	// NameMap reports the forward name map (Harbor repository → ACR EE repository) to
	// record in the plan and the journal, so that failback can carry what clients push
	// during the outage back to the right Harbor repository ([RecordedNameMap]). It is
	// read only when a record would change. Harbor is usually down by then: wrap the
	// mapper in a [LastKnownNameMap]. A map that cannot be read never holds a failover
	// up: the plan records the error (Evidence.NameMapError) and no map. Nil: none is
	// recorded.
	NameMap NameMapper
	// NameMapTimeout bounds reading NameMap (0: DefaultNameMapTimeout), even for a mapper
	// that ignores its context; past it the plan records the map a LastKnownNameMap
	// remembered, or none and why.
	NameMapTimeout time.Duration
	// Force overrides the lag check (a lag over budget, or one that could not be read),
	// and is recorded in the plan; ForceReason is required with it. Nothing overrides an
	// unhealthy secondary or an unexpected record.
	Force       bool
	ForceReason string
}

// PlanFailover observes every target's record and plans to point it at the secondary.
// Preflight refuses (errors joined, nothing planned) when the secondary is not up
// ([ErrSecondaryUnhealthy]), when the replication lag exceeds the RPO
// ([ErrLagExceedsRPO], unless forced), or when a record is neither at primary nor at
// secondary ([ErrUnexpectedRecord]). Records already at the secondary are planned as Done,
// so a plan without changes is how "already failed over" reads.
func (s *Switcher) PlanFailover(ctx context.Context, req FailoverRequest) (*Plan, error) {
	if req.Force && strings.TrimSpace(req.ForceReason) == "" {
		return nil, fmt.Errorf("%w: force needs a reason", ErrInvalid)
	}
	if req.RPO < 0 || req.RPO > 0 && req.Lag == nil {
		return nil, fmt.Errorf("%w: an RPO budget needs a lag reporter", ErrInvalid)
	}
	if req.NameMapTimeout < 0 {
		return nil, fmt.Errorf("%w: negative name map timeout", ErrInvalid)
	}
	targets, err := s.selected(req.Targets)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	p := &Plan{Kind: KindFailover, Reason: req.Reason, Actor: req.Actor, CreatedAt: now, ExpiresAt: now.Add(s.planTTL)}
	sec := req.Secondary
	p.Evidence.Primary, p.Evidence.Secondary, p.Evidence.RPO = req.Primary, &sec, req.RPO

	var overrode []string
	var refusals []error
	if sec.Health != HealthUp {
		refusals = append(refusals, fmt.Errorf("%w: %s is %s (up %d, down %d consecutive)", ErrSecondaryUnhealthy, sec.Endpoint, sec.Health, sec.UpStreak, sec.DownStreak))
	} else if err := s.fresh(sec); err != nil {
		refusals = append(refusals, fmt.Errorf("%w: %w", ErrSecondaryUnhealthy, err))
	}
	for _, t := range targets {
		c, err := s.observe(ctx, t)
		if err != nil {
			refusals = append(refusals, err)
			continue
		}
		switch {
		case c.From.same(t.Secondary):
			c.To, c.Done = c.From, true
		case c.From.same(t.Primary):
			c.To = t.Secondary
			if c.To.TTL == 0 {
				c.To.TTL = c.From.TTL
			}
		default:
			refusals = append(refusals, fmt.Errorf("%w: %s holds %s, neither primary (%s) nor secondary (%s)", ErrUnexpectedRecord, c.FQDN, c.From, t.Primary, t.Secondary))
			continue
		}
		p.Changes = append(p.Changes, c)
	}
	// The lag is only worth reading (a completeness check can be costly) when a record
	// would change.
	if req.Lag != nil && p.HasChanges() {
		lag, err := req.Lag.Lag(ctx)
		switch {
		case err != nil && req.Force:
			p.Evidence.LagError = scrub(err)
			overrode = append(overrode, "replication lag unknown: "+scrub(err))
		case err != nil:
			refusals = append(refusals, fmt.Errorf("reading replication lag: %w", err))
		default:
			p.Evidence.Lag = &lag
			if req.RPO > 0 && lag.OldestMissing > req.RPO {
				msg := fmt.Sprintf("replication lag %v (%d missing, %d stale) exceeds RPO %v", lag.OldestMissing, lag.Missing, lag.Stale, req.RPO)
				if req.Force {
					overrode = append(overrode, msg)
				} else {
					refusals = append(refusals, fmt.Errorf("%w: %s", ErrLagExceedsRPO, msg))
				}
			}
		}
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("planning failover: %w", errors.Join(refusals...))
	}
	if req.NameMap != nil && p.HasChanges() {
		m, err := readNameMap(ctx, req.NameMap, req.NameMapTimeout)
		switch {
		case err != nil:
			p.Evidence.NameMapError = scrub(err)
		case len(m) > 0:
			p.NameMap = maps.Clone(m)
		}
	}
	if req.Force {
		p.Force = &Force{Reason: req.ForceReason, Overrode: overrode}
	}
	if err := s.seal(p); err != nil {
		return nil, fmt.Errorf("planning failover: %w", err)
	}
	return p, nil
}

// fresh refuses health evidence whose newest probe is older than a plan's lifetime: a
// registry seen up an hour ago proves nothing now.
func (s *Switcher) fresh(h HealthStatus) error {
	var newest time.Time
	for _, v := range h.Vantages {
		if v.Last.At.After(newest) {
			newest = v.Last.At
		}
	}
	if age := s.clock.Now().Sub(newest); !newest.IsZero() && age > s.planTTL {
		return fmt.Errorf("health of %s was last probed %v ago", h.Endpoint, age)
	}
	return nil
}

// seal stamps the observation time, fingerprint and ID, and seals the plan with the
// switcher's key.
func (s *Switcher) seal(p *Plan) error {
	p.Evidence.ObservedAt = s.clock.Now()
	p.Fingerprint = fingerprint(p.Changes)
	p.ID = planID(p.Kind, p.CreatedAt, p.Fingerprint)
	key, err := s.planKey()
	if err != nil {
		return err
	}
	p.Seal = planMAC(key, p)
	return nil
}

// observe reads the one address record of a target and returns a change whose From is
// what it holds.
func (s *Switcher) observe(ctx context.Context, t Target) (RecordChange, error) {
	z, err := t.Provider.Zone(ctx)
	if err != nil {
		return RecordChange{}, fmt.Errorf("reading zone of target %s: %w", t.Name, err)
	}
	fqdn := dns.FQDN(t.Record, z.Name)
	recs, err := t.Provider.Records(ctx, t.Record)
	if err != nil {
		return RecordChange{}, fmt.Errorf("reading %s: %w", fqdn, err)
	}
	var addr []dns.Record
	for _, r := range recs {
		if isAddressType(r.Type) {
			addr = append(addr, r)
		}
	}
	switch {
	case len(addr) == 0:
		return RecordChange{}, fmt.Errorf("%w: %s has no A, AAAA or CNAME record", ErrUnexpectedRecord, fqdn)
	case len(addr) > 1:
		return RecordChange{}, fmt.Errorf("%w: %s has %d address records; a switch moves exactly one", ErrUnexpectedRecord, fqdn, len(addr))
	case !addr[0].Enabled():
		return RecordChange{}, fmt.Errorf("%w: %s record %s is disabled", ErrUnexpectedRecord, fqdn, addr[0].ID)
	}
	r := addr[0]
	return RecordChange{Target: t.Name, ZoneID: z.ID, Zone: z.Name, FQDN: fqdn, RecordID: r.ID, Name: r.Name, From: valueOf(r), Observed: r}, nil
}

func isAddressType(typ string) bool {
	switch strings.ToUpper(typ) {
	case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME:
		return true
	}
	return false
}
