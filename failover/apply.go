package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/regdr/regdr/dns"
)

// rereadTimeout bounds the read-back of a record whose write failed.
const rereadTimeout = 30 * time.Second

// Result reports what Apply did.
type Result struct {
	// PlanID and Kind name the applied plan.
	PlanID string `json:"plan_id"`
	Kind   Kind   `json:"kind"`
	// Changes has one entry per planned change, in plan order.
	Changes []ChangeResult `json:"changes"`
}

// Writes counts the records written.
func (r *Result) Writes() int {
	n := 0
	for _, c := range r.Changes {
		if c.Written {
			n++
		}
	}
	return n
}

// ChangeResult is the outcome of one planned change.
type ChangeResult struct {
	// Target and FQDN name the change.
	Target string `json:"target"`
	FQDN   string `json:"fqdn"`
	// Written is true when this Apply wrote the record; false when it already was the
	// target (a plan applied twice writes once) or the write failed.
	Written   bool      `json:"written"`
	WrittenAt time.Time `json:"written_at,omitzero"`
	// Record is the record as written (or as found, when nothing was written).
	Record dns.Record `json:"record"`
	// Propagation is how long resolvers may keep answering the old value: its TTL.
	Propagation time.Duration `json:"propagation"`
	// Verified is true once the target's resolver answered the new value, at VerifiedAt.
	Verified   bool      `json:"verified"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// Error says why the change failed or could not be verified.
	Error string `json:"error,omitempty"`
}

// Apply carries out a plan. It first refuses, before any write: a plan that fails
// [Plan.Validate] ([ErrInvalid]); one whose seal does not match its contents under the
// switcher's plan key — edited, or made with another key ([ErrTamperedPlan]); one that
// expired, whose records changed since they were observed, or whose changes are not what
// the switcher derives now from the targets and the journal ([ErrStalePlan]) — unless a
// record already holds the planned value, which is then left alone (applying a plan twice
// makes one write). It then writes each change by compare-and-swap, journaling it
// write-ahead (intent, write, outcome), audits every write, and verifies each change
// through the target's resolver. It keeps going past one change's failure and joins the
// errors; the result is returned whenever the plan was accepted.
func (s *Switcher) Apply(ctx context.Context, p *Plan) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkSeal(p); err != nil {
		return nil, fmt.Errorf("applying plan %s: %w", p.ID, err)
	}
	if now := s.clock.Now(); now.After(p.ExpiresAt) {
		return nil, fmt.Errorf("applying plan %s: %w: expired at %s", p.ID, ErrStalePlan, p.ExpiresAt.UTC().Format(time.RFC3339))
	}
	// A failback undoes what the journal says now, not what the plan says it did; and a
	// plan the journal shows spent is not applied again.
	entries, err := s.journal.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("applying plan %s: %w", p.ID, err)
	}
	undo := undoable(entries)
	type step struct {
		t       Target
		c       RecordChange
		current dns.Record
		write   bool
	}
	var steps []step
	var refusals []error
	for _, c := range p.Changes {
		t, ok := s.targets[c.Target]
		if !ok {
			refusals = append(refusals, fmt.Errorf("%w: plan %s names unknown target %s", ErrInvalid, p.ID, c.Target))
			continue
		}
		z, err := t.Provider.Zone(ctx)
		if err != nil {
			refusals = append(refusals, fmt.Errorf("reading zone of target %s: %w", t.Name, err))
			continue
		}
		if err := checkRecord(p, t, z, c); err != nil {
			refusals = append(refusals, err)
			continue
		}
		if err := checkIntent(p, t, c, undo); err != nil {
			refusals = append(refusals, err)
			continue
		}
		cur, err := s.reread(ctx, t, c)
		if err != nil {
			refusals = append(refusals, err)
			continue
		}
		switch {
		case atValue(cur, c.To):
			steps = append(steps, step{t: t, c: c, current: cur})
		case !c.Done && sameRecord(cur, c.Observed) && spent(entries, p.ID, t.Name):
			refusals = append(refusals, fmt.Errorf("%w: plan %s was already applied to %s and switched since (journal): make a new plan", ErrStalePlan, p.ID, c.FQDN))
		case !c.Done && sameRecord(cur, c.Observed):
			steps = append(steps, step{t: t, c: c, current: cur, write: true})
		default:
			refusals = append(refusals, fmt.Errorf("%w: %s was %s when planned, is now %s", ErrStalePlan, c.FQDN, c.Observed, cur))
		}
	}
	if len(refusals) > 0 {
		return nil, fmt.Errorf("applying plan %s: %w", p.ID, errors.Join(refusals...))
	}

	res := &Result{PlanID: p.ID, Kind: p.Kind, Changes: make([]ChangeResult, len(steps))}
	errs := make([]error, len(steps))
	var verify []int
	for i, st := range steps {
		cr := &res.Changes[i]
		*cr = ChangeResult{Target: st.c.Target, FQDN: st.c.FQDN, Record: st.current,
			Propagation: time.Duration(st.c.From.TTL) * time.Second}
		if st.write {
			rec, written, err := s.write(ctx, p, st.t, st.c)
			if written {
				cr.Written, cr.WrittenAt, cr.Record = true, s.clock.Now(), rec
			}
			if err != nil {
				cr.Error, errs[i] = err.Error(), err
			}
			if !written {
				continue
			}
		} else if err := s.closeIntent(ctx, entries, st.t, st.current); err != nil {
			cr.Error, errs[i] = err.Error(), err
		}
		if st.t.Resolver != "" {
			verify = append(verify, i)
		}
	}
	// Verify every target at once: each may wait up to the verification timeout.
	var wg sync.WaitGroup
	for _, i := range verify {
		wg.Go(func() {
			at, err := s.verify(ctx, steps[i].t, steps[i].c)
			cr := &res.Changes[i]
			if err != nil {
				err = errors.Join(errs[i], err)
				cr.Error, errs[i] = err.Error(), err
				return
			}
			cr.Verified, cr.VerifiedAt = true, at
		})
	}
	wg.Wait()
	return res, errors.Join(errs...)
}

// closeIntent journals the outcome of target t's open intent — the last switch the
// journal holds for it, whose outcome a crash lost — when the record, re-read as cur,
// holds what that intent wrote: the write landed, and the journal must say so, or
// failback and the monitor would act on a switch that was already made or undone.
func (s *Switcher) closeIntent(ctx context.Context, entries []JournalEntry, t Target, cur dns.Record) error {
	sw := switches(entries)
	var last *JournalEntry
	for i := range sw {
		if sw[i].Target == t.Name {
			last = &sw[i]
		}
	}
	if last == nil || last.Outcome != OutcomeIntent || !atValue(cur, last.To) {
		return nil
	}
	e := *last
	e.Outcome, e.At = OutcomeWritten, s.clock.Now()
	if cur.ID != "" {
		e.RecordID = cur.ID
	}
	if err := s.journal.Append(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("journaling that the write of %s by plan %s landed: %w", e.FQDN, e.PlanID, err)
	}
	s.logger.InfoContext(ctx, "failover write found landed after a crash", "plan", e.PlanID, "fqdn", e.FQDN, "to", e.To.String())
	return nil
}

// spent reports whether the journal shows plan id already applied to target: its write
// journaled, or its intent followed by another plan's write to the target. Applying it
// again would replay a switch that has since been undone.
func spent(entries []JournalEntry, id, target string) bool {
	intent := false
	for _, e := range entries {
		if e.Target != target {
			continue
		}
		written := e.Outcome == OutcomeWritten || e.Outcome == ""
		switch {
		case e.PlanID == id && written:
			return true
		case e.PlanID == id:
			intent = intent || e.Outcome == OutcomeIntent
		case intent && written:
			return true
		}
	}
	return false
}

// reread finds the planned record again, among the records of the target's name: a
// change naming another record finds none.
func (s *Switcher) reread(ctx context.Context, t Target, c RecordChange) (dns.Record, error) {
	recs, err := t.Provider.Records(ctx, t.Record)
	if err != nil {
		return dns.Record{}, fmt.Errorf("re-reading %s: %w", c.FQDN, err)
	}
	cur, err := c.Change().Find(recs)
	if errors.Is(err, dns.ErrNotFound) {
		return dns.Record{}, fmt.Errorf("%w: %s record %s is gone: %w", ErrStalePlan, c.FQDN, c.RecordID, err)
	}
	if err != nil {
		return dns.Record{}, fmt.Errorf("re-reading %s: %w", c.FQDN, err)
	}
	return cur, nil
}

// write applies one change, write-ahead: it journals the intent, writes the record,
// audits the write and journals its outcome. A crash between the intent and the outcome
// leaves an intent that failback reads as a failover whose record it must re-read.
// written reports whether the record was written, even when journaling then failed.
func (s *Switcher) write(ctx context.Context, p *Plan, t Target, c RecordChange) (rec dns.Record, written bool, err error) {
	entry := JournalEntry{PlanID: p.ID, Kind: p.Kind, Target: c.Target, ZoneID: c.ZoneID, FQDN: c.FQDN,
		RecordID: c.RecordID, Name: c.Name, From: c.From, To: c.To, At: s.clock.Now(),
		Reason: p.Reason, Actor: p.Actor, Force: p.Force, Outcome: OutcomeIntent}
	if p.Kind == KindFailover {
		entry.NameMap = p.NameMap
	}
	if err := s.journal.Append(ctx, entry); err != nil {
		return dns.Record{}, false, fmt.Errorf("journaling the intent to write %s (nothing written): %w", c.FQDN, err)
	}
	ev := AuditEvent{PlanID: p.ID, Kind: p.Kind, Target: c.Target, FQDN: c.FQDN, RecordID: c.RecordID,
		From: c.From, To: c.To, Actor: p.Actor, Reason: p.Reason, Forced: p.Force != nil}
	rec, err = t.Provider.Apply(ctx, c.Change())
	ev.Time = s.clock.Now()
	// The intent is journaled: journal the outcome even if the caller gave up meanwhile.
	bg := context.WithoutCancel(ctx)
	outcome := entry
	outcome.At = ev.Time
	if err != nil {
		if errors.Is(err, dns.ErrRecordChanged) {
			err = fmt.Errorf("%w: %w", ErrStalePlan, err)
		}
		err = fmt.Errorf("writing %s: %w", c.FQDN, err)
		ev.Outcome, ev.Error = OutcomeFailed, err.Error()
		s.emit(ev)
		s.logger.WarnContext(ctx, "failover write failed", "plan", p.ID, "fqdn", c.FQDN, "error", err)
		// A failed call may still have landed (a timeout after the write): only a record
		// read back not holding the new value proves it did not. Otherwise the intent
		// stays open, and failback re-reads the record.
		rctx, cancel := context.WithTimeout(bg, rereadTimeout)
		cur, rerr := s.reread(rctx, t, c)
		cancel()
		if rerr != nil || atValue(cur, c.To) {
			return dns.Record{}, false, err
		}
		outcome.Outcome, outcome.Error = OutcomeFailed, err.Error()
		if jerr := s.journal.Append(bg, outcome); jerr != nil {
			err = errors.Join(err, fmt.Errorf("journaling the failed write of %s: %w", c.FQDN, jerr))
		}
		return dns.Record{}, false, err
	}
	ev.Outcome = OutcomeWritten
	s.emit(ev)
	s.logger.InfoContext(ctx, "failover record written", "plan", p.ID, "fqdn", c.FQDN, "from", c.From.String(), "to", c.To.String())
	outcome.Outcome = OutcomeWritten
	if rec.ID != "" {
		outcome.RecordID = rec.ID
	}
	if err := s.journal.Append(bg, outcome); err != nil {
		// The intent is journaled, so failback still finds this write.
		return rec, true, fmt.Errorf("journaling %s (written: %s -> %s; its intent is journaled): %w", c.FQDN, c.From, c.To, err)
	}
	return rec, true, nil
}

// atValue reports whether r holds v (type, value and TTL).
func atValue(r dns.Record, v Value) bool {
	return valueOf(r).same(v) && r.TTL == v.TTL && r.Enabled()
}

// sameRecord reports whether r still is the observed record.
func sameRecord(r, observed dns.Record) bool {
	return r.ID == observed.ID && strings.EqualFold(r.Name, observed.Name) &&
		valueOf(r).same(valueOf(observed)) && r.TTL == observed.TTL && r.Enabled() == observed.Enabled()
}

// checkRecord refuses a change of a record that target t does not manage: the zone must
// be t's provider's zone z, the name t's record, the observed record the one the change
// names, and a failback's record the one its journal entry switched.
func checkRecord(p *Plan, t Target, z dns.Zone, c RecordChange) error {
	fqdn := dns.FQDN(t.Record, z.Name)
	isName := func(name string) bool { return strings.EqualFold(dns.FQDN(name, z.Name), fqdn) }
	refuse := func(what string) error {
		return fmt.Errorf("%w: plan %s changes %s, which target %s does not manage (%s)", ErrStalePlan, p.ID, c.FQDN, t.Name, what)
	}
	switch {
	case c.ZoneID != z.ID || !strings.EqualFold(c.Zone, z.Name):
		return refuse("zone " + c.ZoneID + " " + c.Zone + ", not " + z.ID + " " + z.Name)
	case !strings.EqualFold(c.FQDN, fqdn) || !isName(c.Name):
		return refuse("the target's record is " + fqdn)
	case c.Observed.ID != c.RecordID || !isName(c.Observed.Name):
		return refuse("its observed record is not record " + c.RecordID)
	}
	if r := c.Restores; p.Kind == KindFailback && r != nil {
		if r.ZoneID != z.ID || !strings.EqualFold(r.FQDN, fqdn) || !isName(r.Name) || (!c.Done && r.RecordID != c.RecordID) {
			return refuse("not the record " + r.RecordID + " " + r.FQDN + " that plan " + r.PlanID + " switched")
		}
	}
	return nil
}

// checkIntent refuses a change that is not what the switcher derives now — whoever
// holds the plan key may still have sealed a wrong plan, and the world may have moved:
// From must be the observed record (type, value, TTL); a failover's To the target's
// secondary (TTL as configured, else the observed one); a failback's Restores the
// journal's failover to undo now, and To exactly what it replaced.
func checkIntent(p *Plan, t Target, c RecordChange, undo map[string]JournalEntry) error {
	if c.From != valueOf(c.Observed) {
		return fmt.Errorf("%w: plan %s changes %s from %s, but observed %s", ErrStalePlan, p.ID, c.FQDN, c.From, valueOf(c.Observed))
	}
	var want Value
	switch p.Kind {
	case KindFailover:
		want = t.Secondary
		if want.TTL == 0 {
			want.TTL = c.From.TTL
		}
		if c.Done && c.From.same(t.Secondary) {
			want = c.From
		}
		if !c.To.same(want) || c.To.TTL != want.TTL {
			return fmt.Errorf("%w: plan %s points %s at %s, not target %s's secondary %s", ErrStalePlan, p.ID, c.FQDN, c.To, t.Name, want)
		}
	case KindFailback:
		e, ok := undo[t.Name]
		if !ok || c.Restores == nil || !sameEntry(*c.Restores, e) {
			return fmt.Errorf("%w: plan %s undoes a failover of %s that is not the journal's last", ErrStalePlan, p.ID, c.FQDN)
		}
		if c.To != e.From {
			return fmt.Errorf("%w: plan %s restores %s to %s, not the journaled previous value %s", ErrStalePlan, p.ID, c.FQDN, c.To, e.From)
		}
	}
	return nil
}

// sameEntry reports whether a and b are the same journal entry (as JSON: a plan read
// from a file carries its times in another location).
func sameEntry(a, b JournalEntry) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
