package dnstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regdr/regdr/dns"
)

// store is the state shared by an emulator's OpenAPI handlers, its seeding and
// inspection methods, and the DNS server: zones, their VPC bindings and their records.
type store struct {
	now        func() time.Time // record timestamps; time.Now
	mu         sync.Mutex
	zones      []*zone
	nextZone   int
	nextRecord int64
	idPrefix   string
	defaultTTL int
}

type zone struct {
	id      string
	name    string
	vpcs    []string
	records []*dns.Record
	edition string              // Alidns VersionCode; "" = mianfei (free)
	stamps  map[string][2]int64 // record ID → created, updated (epoch ms)
}

func newStore(idPrefix string, firstRecord int64, defaultTTL int) *store {
	return &store{idPrefix: idPrefix, nextRecord: firstRecord, defaultTTL: defaultTTL, now: time.Now}
}

func (z *zone) public() dns.Zone {
	return dns.Zone{ID: z.id, Name: z.name, VPCs: slices.Clone(z.vpcs)}
}

func (s *store) addZone(name string, vpcs []string) dns.Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextZone++
	z := &zone{
		id:   fmt.Sprintf("%s%08x", s.idPrefix, 0x5eed0000+s.nextZone),
		name: strings.ToLower(strings.TrimSuffix(name, ".")),
		vpcs: slices.Clone(vpcs),
	}
	s.zones = append(s.zones, z)
	return z.public()
}

// zoneLocked finds a zone by ID; s.mu must be held.
func (s *store) zoneLocked(id string) *zone {
	for _, z := range s.zones {
		if z.id == id {
			return z
		}
	}
	return nil
}

// zoneByNameLocked finds the first zone of that name; s.mu must be held.
func (s *store) zoneByNameLocked(name string) *zone {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, z := range s.zones {
		if z.name == name {
			return z
		}
	}
	return nil
}

func (s *store) bind(zoneID string, vpcs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(zoneID)
	if z == nil {
		return fmt.Errorf("dnstest: no zone %q", zoneID)
	}
	for _, v := range vpcs {
		if !slices.Contains(z.vpcs, v) {
			z.vpcs = append(z.vpcs, v)
		}
	}
	return nil
}

func (s *store) zonesSnapshot() []dns.Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dns.Zone, 0, len(s.zones))
	for _, z := range s.zones {
		out = append(out, z.public())
	}
	return out
}

// addRecordLocked stores a copy of r with a fresh ID; s.mu must be held.
func (s *store) addRecordLocked(z *zone, r dns.Record) dns.Record {
	s.nextRecord++
	r.ID = strconv.FormatInt(s.nextRecord, 10)
	if r.Status == "" {
		r.Status = dns.StatusEnabled
	}
	if r.TTL == 0 {
		r.TTL = s.defaultTTL
	}
	z.records = append(z.records, &r)
	s.stampLocked(z, r.ID, true)
	return r
}

// stampLocked records that a record was created (or updated) now; s.mu must be held.
func (s *store) stampLocked(z *zone, id string, created bool) {
	if z.stamps == nil {
		z.stamps = map[string][2]int64{}
	}
	now := s.now().UnixMilli()
	st := z.stamps[id]
	if created {
		st[0] = now
	}
	st[1] = now
	z.stamps[id] = st
}

func (s *store) addRecord(zoneID string, r dns.Record) (dns.Record, error) {
	if err := dns.ValidateRecord(r); err != nil {
		return dns.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(zoneID)
	if z == nil {
		return dns.Record{}, fmt.Errorf("dnstest: no zone %q", zoneID)
	}
	return s.addRecordLocked(z, r), nil
}

// recordLocked finds a record by ID in any zone; s.mu must be held.
func (s *store) recordLocked(id string) (*zone, *dns.Record) {
	for _, z := range s.zones {
		for _, r := range z.records {
			if r.ID == id {
				return z, r
			}
		}
	}
	return nil, nil
}

func (s *store) record(id string) (dns.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r := s.recordLocked(id)
	if r == nil {
		return dns.Record{}, false
	}
	return *r, true
}

// setRecord overwrites the record with r.ID, out of band.
func (s *store) setRecord(r dns.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, cur := s.recordLocked(r.ID)
	if cur == nil {
		return fmt.Errorf("dnstest: no record %q", r.ID)
	}
	*cur = r
	return nil
}

func (s *store) records(zoneID string) []dns.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(zoneID)
	if z == nil {
		return nil
	}
	return copyRecords(z.records)
}

func copyRecords(rs []*dns.Record) []dns.Record {
	out := make([]dns.Record, 0, len(rs))
	for _, r := range rs {
		out = append(out, *r)
	}
	return out
}

// view is a zone as the DNS server sees it.
type view struct {
	name    string
	records []dns.Record
}

// visible returns the zones a client in vpc sees ("" = the internet: every zone when
// the store is public, none when it is private).
func (s *store) visible(vpc string, private bool) []view {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []view
	for _, z := range s.zones {
		if private && (vpc == "" || !slices.Contains(z.vpcs, vpc)) {
			continue
		}
		out = append(out, view{name: z.name, records: copyRecords(z.records)})
	}
	return out
}
