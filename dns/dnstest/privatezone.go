package dnstest

import "github.com/regdr/regdr/dns"

// PrivateZone emulates the Alibaba Cloud PrivateZone OpenAPI (2018-01-01). Seed it with
// zones, VPC bindings and records; point the real SDK (or dns/privatezone) at it; inspect
// its records afterwards. Several zones may share a name, as in the real product.
//
// Records seeded without a TTL get 60 s. A PrivateZone is safe for concurrent use.
type PrivateZone struct {
	api
	store       *store
	maxPageSize int
}

// PrivateZoneTTLs are the TTLs PrivateZone accepts, in seconds.
var PrivateZoneTTLs = []int{5, 30, 60, 3600, 43200, 86400}

// AddZone creates a zone named name bound to vpcs and returns it with its new ID.
func (p *PrivateZone) AddZone(name string, vpcs ...string) dns.Zone {
	return p.store.addZone(name, vpcs)
}

// BindVPC binds more VPCs to a zone.
func (p *PrivateZone) BindVPC(zoneID string, vpcs ...string) error { return p.store.bind(zoneID, vpcs) }

// AddRecord seeds a record into a zone (its ID is ignored) and returns it with its new ID.
// The record must pass dns.ValidateRecord.
func (p *PrivateZone) AddRecord(zoneID string, r dns.Record) (dns.Record, error) {
	return p.store.addRecord(zoneID, r)
}

// Zones returns every zone with its VPC bindings, in creation order.
func (p *PrivateZone) Zones() []dns.Zone { return p.store.zonesSnapshot() }

// Records returns the records of a zone, in creation order (nil for an unknown zone).
func (p *PrivateZone) Records(zoneID string) []dns.Record { return p.store.records(zoneID) }

// Record returns the record with that ID, in whichever zone it is.
func (p *PrivateZone) Record(id string) (dns.Record, bool) { return p.store.record(id) }

// SetRecord overwrites the record with r.ID out of band, the way another operator's
// console edit would.
func (p *PrivateZone) SetRecord(r dns.Record) error { return p.store.setRecord(r) }

// NewPrivateZone returns an empty PrivateZone emulator (API version 2018-01-01). Serve
// it with Start (or httptest.NewServer) and point a client at it with the AccessKey
// AccessKeyID/AccessKeySecret. It panics on an invalid option.
func NewPrivateZone(opts ...Option) *PrivateZone {
	o, err := buildOptions(opts, 100)
	if err != nil {
		panic(err)
	}
	p := &PrivateZone{store: newStore("zone-", 100000, pvtzDefaultTTL), maxPageSize: o.maxPageSize}
	p.api = newAPI("2018-01-01", o, p.actions())
	return p
}
