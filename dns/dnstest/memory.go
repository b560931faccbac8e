package dnstest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regdr/regdr/dns"
)

// DefaultMemoryTTL is the TTL [Memory] gives a record added without one.
const DefaultMemoryTTL = 600

var (
	_ dns.RecordAdder        = (*Memory)(nil)
	_ dns.RecordStatusSetter = (*Memory)(nil)
)

// Memory is a dns.Provider that keeps one zone's records in memory: the fstest.MapFS of
// package dns. It speaks no wire protocol and emulates no product — no signatures, no
// paging, no quotas — so a unit test of code that takes a dns.Provider needs no server;
// it passes [TestProvider], and so behaves as the dns package documents. Use the
// emulators ([PrivateZone], [Alidns]) when the product's API itself is under test.
//
// Records are kept in the order they were added, with IDs "1", "2"…; Set and Record
// change and read them out of band, as another operator or a test would. A Memory is safe
// for concurrent use; create one with [NewMemory].
type Memory struct {
	zone dns.Zone

	mu      sync.Mutex
	records []dns.Record
	nextID  int
}

// NewMemory returns a provider bound to the zone named zone (ID "memory-<zone>"), holding
// records in order (their IDs are assigned, as by AddRecord). It panics on an empty zone
// name or an invalid record: the arguments are the test's own constants.
func NewMemory(zone string, records ...dns.Record) *Memory {
	zone = strings.TrimSuffix(zone, ".")
	if zone == "" {
		panic("dnstest.NewMemory: empty zone name")
	}
	m := &Memory{zone: dns.Zone{ID: "memory-" + zone, Name: zone}}
	for _, r := range records {
		if _, err := m.add(r); err != nil {
			panic(fmt.Sprintf("dnstest.NewMemory: %v", err))
		}
	}
	return m
}

// Zone implements dns.Provider.
func (m *Memory) Zone(ctx context.Context) (dns.Zone, error) {
	if err := ctx.Err(); err != nil {
		return dns.Zone{}, err
	}
	return m.zone, nil
}

// Records implements dns.Provider: the records named exactly name (case-insensitively),
// every record for "", in the order they were added.
func (m *Memory) Records(ctx context.Context, name string) ([]dns.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dns.Record
	for _, r := range m.records {
		if name == "" || strings.EqualFold(r.Name, name) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Apply implements dns.Provider: a compare-and-swap under one lock, so concurrent
// changes to one record are decided one after the other.
func (m *Memory) Apply(ctx context.Context, c dns.Change) (dns.Record, error) {
	if err := c.Validate(); err != nil {
		return dns.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return dns.Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	current, err := c.Find(m.records)
	if err != nil {
		return dns.Record{}, fmt.Errorf("applying change to %s: %w", c.Record.Name, err)
	}
	done, err := c.Check(current)
	if err != nil || done {
		return current, err
	}
	target := c.Target(current)
	if err := dns.ValidateRecord(target); err != nil {
		return dns.Record{}, err
	}
	m.records[m.index(current.ID)] = target
	return target, nil
}

// AddRecord implements dns.RecordAdder. A TTL of 0 becomes DefaultMemoryTTL; r.ID is
// ignored.
func (m *Memory) AddRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	if err := ctx.Err(); err != nil {
		return dns.Record{}, err
	}
	return m.add(r)
}

func (m *Memory) add(r dns.Record) (dns.Record, error) {
	if r.TTL == 0 {
		r.TTL = DefaultMemoryTTL
	}
	if r.Status == "" {
		r.Status = dns.StatusEnabled
	}
	if err := dns.ValidateRecord(r); err != nil {
		return dns.Record{}, fmt.Errorf("adding record %s: %w", r.Name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	r.ID = strconv.Itoa(m.nextID)
	m.records = append(m.records, r)
	return r, nil
}

// SetRecordStatus implements dns.RecordStatusSetter.
func (m *Memory) SetRecordStatus(ctx context.Context, id string, enabled bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.index(id)
	if i < 0 {
		return fmt.Errorf("setting status of record %s: %w", id, dns.ErrNotFound)
	}
	m.records[i].Status = dns.StatusDisabled
	if enabled {
		m.records[i].Status = dns.StatusEnabled
	}
	return nil
}

// Record returns the record with the given ID, out of band.
func (m *Memory) Record(id string) (dns.Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := m.index(id); i >= 0 {
		return m.records[i], true
	}
	return dns.Record{}, false
}

// Set overwrites the record with r's ID, out of band (as another operator would), without
// the checks Apply makes. It fails with dns.ErrNotFound when there is no such record.
func (m *Memory) Set(r dns.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.index(r.ID)
	if i < 0 {
		return fmt.Errorf("setting record %s: %w", r.ID, dns.ErrNotFound)
	}
	m.records[i] = r
	return nil
}

// index returns the position of the record with the given ID, or -1. The caller holds mu.
func (m *Memory) index(id string) int {
	return slices.IndexFunc(m.records, func(r dns.Record) bool { return r.ID == id })
}
