package failover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/regdr/regdr/dns"
)

// Kind says which way a plan switches.
type Kind string

// Plan kinds.
const (
	// KindFailover points names at the secondary (ACR EE).
	KindFailover Kind = "failover"
	// KindFailback restores what the journal says the names held before failover.
	KindFailback Kind = "failback"
)

// Plan is a reviewed, printable, JSON-serialisable decision to change DNS records, with
// the evidence it was based on — planning does no writes, so a plan that is not applied
// is a dry run. A plan remembers the records it observed: [Switcher.Apply] refuses it
// when they changed since, or when it expired.
type Plan struct {
	// ID identifies the plan (derived from its kind, creation time and fingerprint).
	ID string `json:"id"`
	// Kind is failover or failback.
	Kind Kind `json:"kind"`
	// Reason and Actor say why and by whom; they are copied into the journal and audit.
	Reason string `json:"reason,omitempty"`
	Actor  string `json:"actor,omitempty"`
	// CreatedAt is when the plan was made; after ExpiresAt it is refused.
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Changes lists one entry per target; entries already at their target are Done.
	Changes []RecordChange `json:"changes"`
	// Evidence is what the decision was based on.
	Evidence Evidence `json:"evidence"`
	// Force, when set, records which preflight checks were overridden and why.
	Force *Force `json:"force,omitempty"`
	// NameMap, in a failover plan, is the forward name map at planning time (Harbor
	// repository → ACR EE repository; FailoverRequest.NameMap): Apply journals it with
	// every write, for the failback to invert ([RecordedNameMap]).
	NameMap map[string]string `json:"name_map,omitempty"`
	// Fingerprint is a digest of the observed records; Apply compares it.
	Fingerprint string `json:"fingerprint"`
	// Seal is an HMAC-SHA256 of everything above under the switcher's plan key
	// ([WithPlanKey]): Apply refuses a plan whose seal does not match ([ErrTamperedPlan]).
	Seal string `json:"seal"`
}

// RecordChange is one record's switch.
type RecordChange struct {
	// Target is the target's name.
	Target string `json:"target"`
	// ZoneID, Zone and FQDN locate the record.
	ZoneID string `json:"zone_id"`
	Zone   string `json:"zone"`
	FQDN   string `json:"fqdn"`
	// RecordID and Name identify the record in its zone.
	RecordID string `json:"record_id"`
	Name     string `json:"name"`
	// From is the record as observed; To what it becomes (TTL always explicit).
	From Value `json:"from"`
	To   Value `json:"to"`
	// Observed is the whole record as read when planning.
	Observed dns.Record `json:"observed"`
	// Done is true when the record already held To: nothing will be written.
	Done bool `json:"done,omitempty"`
	// Restores, in a failback plan, is the journal entry being undone.
	Restores *JournalEntry `json:"restores,omitempty"`
}

// Change is the compare-and-swap the record change writes.
func (c RecordChange) Change() dns.Change {
	ch := dns.Change{
		Record:      dns.Record{ID: c.RecordID, Name: c.Name, Type: c.From.Type},
		ExpectValue: c.From.Value,
		NewValue:    c.To.Value,
	}
	if !strings.EqualFold(c.From.Type, c.To.Type) {
		ch.NewType = c.To.Type
	}
	if c.To.TTL != c.From.TTL {
		ch.TTL = c.To.TTL
	}
	return ch
}

// Evidence is what a plan was based on.
type Evidence struct {
	// ObservedAt is when the records were read.
	ObservedAt time.Time `json:"observed_at"`
	// Primary and Secondary are the registries' health when planning.
	Primary   *HealthStatus `json:"primary,omitempty"`
	Secondary *HealthStatus `json:"secondary,omitempty"`
	// Lag is the replication completeness report, and RPO the budget it was held to.
	Lag *Lag          `json:"lag,omitempty"`
	RPO time.Duration `json:"rpo,omitempty"`
	// LagError is why the lag could not be read (only in a forced plan).
	LagError string `json:"lag_error,omitempty"`
	// ReverseLag, in a failback plan with a reverse-lag source, is what ACR EE holds that
	// Harbor lacks; ReverseLagError why it could not be read (only in a forced plan).
	ReverseLag      *ReverseLag `json:"reverse_lag,omitempty"`
	ReverseLagError string      `json:"reverse_lag_error,omitempty"`
	// NameMapError, in a failover plan, is why the forward name map could not be read:
	// the plan records none, and failing over goes ahead regardless.
	NameMapError string `json:"name_map_error,omitempty"`
}

// Force records a preflight override.
type Force struct {
	// Reason is the caller's justification; required.
	Reason string `json:"reason"`
	// Overrode lists the refusals that were overridden.
	Overrode []string `json:"overrode,omitempty"`
}

// Lag is the replication completeness report: how far ACR EE is behind Harbor.
type Lag struct {
	// Missing counts artifacts in Harbor absent from ACR EE; Stale those present with
	// another digest.
	Missing int `json:"missing"`
	Stale   int `json:"stale"`
	// OldestMissing is the age of the oldest missing or stale artifact: the data a
	// failover would lose, the effective RPO.
	OldestMissing time.Duration `json:"oldest_missing"`
	// CheckedAt is when the comparison ran.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// LagReporter reports replication lag; the replication package's verifier satisfies it
// through [LagFunc].
type LagReporter interface {
	Lag(ctx context.Context) (Lag, error)
}

// LagFunc adapts a function to [LagReporter].
type LagFunc func(ctx context.Context) (Lag, error)

// Lag calls f.
func (f LagFunc) Lag(ctx context.Context) (Lag, error) { return f(ctx) }

var _ LagReporter = LagFunc(nil)

// HasChanges reports whether applying the plan would write anything.
func (p *Plan) HasChanges() bool {
	if p == nil {
		return false
	}
	for _, c := range p.Changes {
		if !c.Done {
			return true
		}
	}
	return false
}

// String renders the plan for review.
func (p *Plan) String() string {
	if p == nil {
		return "<nil plan>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s plan %s (created %s, expires %s)\n", p.Kind, p.ID,
		p.CreatedAt.UTC().Format(time.RFC3339), p.ExpiresAt.UTC().Format(time.RFC3339))
	if p.Reason != "" || p.Actor != "" {
		fmt.Fprintf(&b, "  reason: %q by %q\n", p.Reason, p.Actor)
	}
	if p.Force != nil {
		fmt.Fprintf(&b, "  FORCED: %q overriding %s\n", p.Force.Reason, strings.Join(p.Force.Overrode, "; "))
	}
	for _, c := range p.Changes {
		mark := "~"
		if c.Done {
			mark = "="
		}
		fmt.Fprintf(&b, "  %s %s (zone %s, record %s): %s -> %s\n", mark, c.FQDN, c.ZoneID, c.RecordID, c.From, c.To)
	}
	e := p.Evidence
	for _, h := range []*HealthStatus{e.Primary, e.Secondary} {
		if h != nil {
			q := fmt.Sprintf("quorum %d", h.Quorum)
			if len(h.Vantages) > 0 {
				q += fmt.Sprintf(" of %d vantage points", len(h.Vantages))
			}
			fmt.Fprintf(&b, "  health %s: %s (%d consecutive up, %d down; %s)\n", h.Endpoint, h.Health, h.UpStreak, h.DownStreak, q)
		}
	}
	if e.Lag != nil {
		oldest := e.Lag.OldestMissing.Round(time.Millisecond)
		if oldest >= time.Second {
			oldest = oldest.Round(time.Second)
		}
		fmt.Fprintf(&b, "  lag: %d missing, %d stale, oldest %v (RPO %v)", e.Lag.Missing, e.Lag.Stale, oldest, e.RPO)
		if age := p.CreatedAt.Sub(e.Lag.CheckedAt); !e.Lag.CheckedAt.IsZero() && age >= time.Second {
			fmt.Fprintf(&b, ", measured %v before the plan", age.Round(time.Second))
		}
		b.WriteString("\n")
	}
	if e.LagError != "" {
		fmt.Fprintf(&b, "  lag unknown: %s\n", e.LagError)
	}
	if r := e.ReverseLag; r != nil {
		fmt.Fprintf(&b, "  reverse lag: %d missing, %d stale, %d unmapped in Harbor, oldest %v\n",
			r.Missing, r.Stale, r.Unmapped, r.OldestMissing.Round(time.Second))
	}
	if e.ReverseLagError != "" {
		fmt.Fprintf(&b, "  reverse lag unknown: %s\n", e.ReverseLagError)
	}
	if len(p.NameMap) > 0 {
		fmt.Fprintf(&b, "  name map: %d Harbor repositories recorded for failback\n", len(p.NameMap))
	}
	if e.NameMapError != "" {
		fmt.Fprintf(&b, "  name map unknown (none recorded): %s\n", e.NameMapError)
	}
	if !p.HasChanges() {
		b.WriteString("  no changes\n")
	}
	return b.String()
}

// fingerprint digests the observed records of changes.
func fingerprint(changes []RecordChange) string {
	h := sha256.New()
	for _, c := range changes {
		b, _ := json.Marshal(struct {
			T string
			R dns.Record
		}{c.Target, c.Observed})
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// planID derives a plan's ID from what makes it unique.
func planID(kind Kind, created time.Time, fp string) string {
	sum := sha256.Sum256([]byte(string(kind) + "|" + created.UTC().Format(time.RFC3339Nano) + "|" + fp))
	return hex.EncodeToString(sum[:6])
}

// Validate checks a plan's shape — what Apply, and a program reading a plan from a
// file, check first, before any I/O: a known kind, an expiry, at least one change, each
// target changed once, and every change from and to a full, valid record. It wraps
// [ErrInvalid]. It does not check the seal: only [Switcher.Apply], which holds the key,
// can.
func (p *Plan) Validate() error {
	if p == nil {
		return fmt.Errorf("%w: no plan (null)", ErrInvalid)
	}
	name := "plan"
	if p.ID != "" {
		name += " " + p.ID
	}
	if p.Kind != KindFailover && p.Kind != KindFailback {
		return fmt.Errorf("%w: %s: unknown kind %q (want %s or %s)", ErrInvalid, name, p.Kind, KindFailover, KindFailback)
	}
	if p.ID == "" {
		return fmt.Errorf("%w: %s has no ID", ErrInvalid, name)
	}
	if p.CreatedAt.IsZero() || p.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: %s has no creation or expiry time", ErrInvalid, name)
	}
	if len(p.Changes) == 0 {
		return fmt.Errorf("%w: %s has no changes", ErrInvalid, name)
	}
	seen := map[string]bool{}
	for _, c := range p.Changes {
		if c.Target == "" {
			return fmt.Errorf("%w: %s has a change without a target", ErrInvalid, name)
		}
		if seen[c.Target] {
			return fmt.Errorf("%w: %s changes target %s twice", ErrInvalid, name, c.Target)
		}
		seen[c.Target] = true
		// Never leave a name without a target: every change writes a full record.
		if err := c.To.validate(name + " change to " + c.FQDN); err != nil {
			return err
		}
		if err := c.From.validate(name + " change from " + c.FQDN); err != nil {
			return err
		}
		if c.To.TTL <= 0 {
			return fmt.Errorf("%w: %s change to %s has no TTL", ErrInvalid, name, c.FQDN)
		}
		if err := c.Change().Validate(); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
		}
		if p.Kind == KindFailback && c.Restores == nil {
			return fmt.Errorf("%w: %s: failback of %s names no journal entry to undo", ErrInvalid, name, c.FQDN)
		}
	}
	return nil
}

// DecodePlan reads one plan, as JSON, from r — a plan saved to a file — and validates
// it ([Plan.Validate]): "null", "{}", a plan without changes, or anything after the plan
// is refused with [ErrInvalid]. Whether the plan may be applied is [Switcher.Apply]'s to
// decide.
func DecodePlan(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	var p *Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: decoding plan: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: decoding plan: data after the plan", ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}
