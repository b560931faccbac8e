package dns

import (
	"context"
	"fmt"
	"strings"
)

// Zone is the zone a provider is bound to.
type Zone struct {
	// ID is the provider's identifier (PrivateZone's ZoneId, Alidns's DomainId).
	ID string `json:"id"`
	// Name is the zone's domain name, without a trailing dot.
	Name string `json:"name"`
	// VPCs lists the VPC IDs a PrivateZone zone is bound to; empty for public DNS.
	VPCs []string `json:"vpcs,omitempty"`
}

// Change is a compare-and-swap by intent on one record: "the record Record, which I saw
// holding ExpectValue, must now hold NewValue".
type Change struct {
	// Record names the record to change: by ID when set, otherwise by Name and Type
	// (exactly one record must match). When ID is set, a non-empty Name or Type must
	// still match the current record, or Apply refuses with ErrRecordChanged.
	Record Record `json:"record"`
	// ExpectValue is the value the record must hold right now; required.
	ExpectValue string `json:"expect_value"`
	// NewValue is the value to write; required.
	NewValue string `json:"new_value"`
	// NewType changes the record's type (e.g. A to CNAME); empty keeps it.
	NewType string `json:"new_type,omitempty"`
	// TTL sets a new TTL; 0 keeps the current one.
	TTL int `json:"ttl,omitempty"`
}

// String renders the change for people: "@ A 10.0.0.1 -> CNAME a.example.com (ttl kept)".
func (c Change) String() string {
	typ := c.Record.Type
	if c.NewType != "" && c.NewType != typ {
		typ = c.Record.Type + " -> " + c.NewType
	}
	ttl := "ttl kept"
	if c.TTL != 0 {
		ttl = fmt.Sprintf("ttl %d", c.TTL)
	}
	id := ""
	if c.Record.ID != "" {
		id = " id " + c.Record.ID + ","
	}
	return fmt.Sprintf("%s %s:%s %s -> %s (%s)", c.Record.Name, typ, id, c.ExpectValue, c.NewValue, ttl)
}

// Validate checks the change itself and the record it would produce. Errors wrap
// [ErrInvalidRecord].
func (c Change) Validate() error {
	if c.Record.ID == "" && (c.Record.Name == "" || c.Record.Type == "") {
		return fmt.Errorf("%w: change names no record (need an ID, or a name and a type)", ErrInvalidRecord)
	}
	if c.ExpectValue == "" {
		return fmt.Errorf("%w: change to %s has no expected value", ErrInvalidRecord, c.Record.Name)
	}
	if c.TTL < 0 {
		return fmt.Errorf("%w: change to %s has a negative TTL", ErrInvalidRecord, c.Record.Name)
	}
	if c.Record.Type == "" && c.NewType == "" {
		// The type is only known after the re-read; the provider validates then.
		if c.NewValue == "" {
			return fmt.Errorf("%w: change to %s has no new value", ErrInvalidRecord, c.Record.Name)
		}
		return nil
	}
	name := c.Record.Name
	if name == "" {
		name = Apex // only for validation when the record is named by ID
	}
	return ValidateRecord(c.Target(Record{Name: name, Type: c.Record.Type}))
}

// Target returns what current becomes once the change is applied: the new value and
// type, the new TTL when set, everything else (ID, name, status) kept.
func (c Change) Target(current Record) Record {
	t := current
	t.Value = c.NewValue
	if c.NewType != "" {
		t.Type = c.NewType
	}
	if c.TTL != 0 {
		t.TTL = c.TTL
	}
	return t
}

// Check decides a change against the record as it is now: nil when it may be written,
// [ErrRecordChanged] when the record moved away from what the change expects. done is
// true when current already equals the target, so nothing needs writing.
func (c Change) Check(current Record) (done bool, err error) {
	if c.Record.Name != "" && !strings.EqualFold(c.Record.Name, current.Name) ||
		c.Record.Type != "" && !strings.EqualFold(c.Record.Type, current.Type) {
		if c.applied(current) {
			return true, nil
		}
		return false, fmt.Errorf("%w: %s is now %s %s", ErrRecordChanged, c.Record.Name, current.Name, current.Type)
	}
	if c.applied(current) {
		return true, nil
	}
	if !SameValue(current.Type, current.Value, c.ExpectValue) {
		return false, fmt.Errorf("%w: %s %s holds %q, expected %q", ErrRecordChanged, current.Name, current.Type, current.Value, c.ExpectValue)
	}
	return false, nil
}

// applied reports whether current already is the change's target.
func (c Change) applied(current Record) bool {
	t := c.Target(current)
	return strings.EqualFold(t.Type, current.Type) && SameValue(t.Type, t.Value, current.Value) && t.TTL == current.TTL &&
		(c.Record.Name == "" || strings.EqualFold(c.Record.Name, current.Name))
}

// Provider is one zone of a DNS product.
type Provider interface {
	// Zone returns the zone the provider is bound to.
	Zone(ctx context.Context) (Zone, error)
	// Records returns the records whose name is exactly name ("" = every record),
	// enabled and disabled alike, in the provider's order.
	Records(ctx context.Context, name string) ([]Record, error)
	// Apply re-reads the record, returns it unchanged when it already is the target,
	// refuses with ErrRecordChanged when it does not hold c.ExpectValue, and otherwise
	// writes the change and returns the record as written. The TTL is kept unless c.TTL
	// is set. Invalid changes fail with ErrInvalidRecord before any call.
	Apply(ctx context.Context, c Change) (Record, error)
}

// RecordAdder is a Provider that can create records.
type RecordAdder interface {
	Provider
	// AddRecord creates r (its ID is ignored) and returns it with its new ID.
	AddRecord(ctx context.Context, r Record) (Record, error)
}

// RecordStatusSetter is a Provider that can enable and disable records.
type RecordStatusSetter interface {
	Provider
	// SetRecordStatus enables or disables the record with the given ID.
	SetRecordStatus(ctx context.Context, id string, enabled bool) error
}

// AddRecord creates r through p, or fails with [ErrUnsupported] when p cannot add records.
func AddRecord(ctx context.Context, p Provider, r Record) (Record, error) {
	a, ok := p.(RecordAdder)
	if !ok {
		return Record{}, fmt.Errorf("adding record %s: %w", r.Name, ErrUnsupported)
	}
	return a.AddRecord(ctx, r)
}

// SetRecordStatus enables or disables a record through p, or fails with [ErrUnsupported].
func SetRecordStatus(ctx context.Context, p Provider, id string, enabled bool) error {
	s, ok := p.(RecordStatusSetter)
	if !ok {
		return fmt.Errorf("setting status of record %s: %w", id, ErrUnsupported)
	}
	return s.SetRecordStatus(ctx, id, enabled)
}

// Find picks the record the change names among records (typically every record of the
// name): by ID when set, otherwise by name and type — or by name and the new type, so a
// change already applied is found again. It fails with [ErrNotFound] or
// [ErrAmbiguousRecord].
func (c Change) Find(records []Record) (Record, error) {
	var found []Record
	for _, r := range records {
		switch {
		case c.Record.ID != "":
			if r.ID == c.Record.ID {
				return r, nil
			}
		case strings.EqualFold(r.Name, c.Record.Name) &&
			(strings.EqualFold(r.Type, c.Record.Type) || c.NewType != "" && strings.EqualFold(r.Type, c.NewType)):
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return Record{}, fmt.Errorf("finding record %s %s: %w", c.Record.Name, c.Record.Type, ErrNotFound)
	case 1:
		return found[0], nil
	}
	// A name can hold several A records; the expected value tells them apart.
	var same []Record
	for _, r := range found {
		if SameValue(r.Type, r.Value, c.ExpectValue) || c.applied(r) {
			same = append(same, r)
		}
	}
	if len(same) == 1 {
		return same[0], nil
	}
	return Record{}, fmt.Errorf("finding record %s %s: %d records match: %w", c.Record.Name, c.Record.Type, len(found), ErrAmbiguousRecord)
}
