package dnstest

import (
	"fmt"

	"github.com/regdr/regdr/dns"
)

// Alidns emulates the Alibaba Cloud DNS OpenAPI (2015-01-09) for public domains. Seed it
// with domains and records; point the real SDK (or dns/alidns) at it; inspect its records
// afterwards.
//
// Records seeded without a TTL get 600 s, the product's default. An Alidns is safe for
// concurrent use.
type Alidns struct {
	api
	store       *store
	maxPageSize int
}

// AddDomain creates a domain and returns it with its new ID.
func (a *Alidns) AddDomain(name string) dns.Zone { return a.store.addZone(name, nil) }

// AddRecord seeds a record into a domain (by name; its ID is ignored) and returns it with
// its new ID. The record must pass dns.ValidateRecord.
func (a *Alidns) AddRecord(domain string, r dns.Record) (dns.Record, error) {
	a.store.mu.Lock()
	z := a.store.zoneByNameLocked(domain)
	a.store.mu.Unlock()
	if z == nil {
		return dns.Record{}, fmt.Errorf("dnstest: no domain %q", domain)
	}
	return a.store.addRecord(z.id, r)
}

// SetEdition sets the edition of a domain (by name); a new domain has the free edition,
// "mianfei", whose smallest TTL is 600 s. AddDomainRecord and UpdateDomainRecord refuse
// TTLs below the edition's minimum with QuotaExceeded.TTL; AddRecord (seeding) does not
// check them.
func (a *Alidns) SetEdition(domain, versionCode string) error {
	if _, ok := alidnsMinTTL[versionCode]; !ok {
		return fmt.Errorf("dnstest: unknown Alidns edition %q", versionCode)
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z := a.store.zoneByNameLocked(domain)
	if z == nil {
		return fmt.Errorf("dnstest: no domain %q", domain)
	}
	z.edition = versionCode
	return nil
}

// Domains returns every domain, in creation order.
func (a *Alidns) Domains() []dns.Zone { return a.store.zonesSnapshot() }

// Records returns the records of a domain (by name), in creation order.
func (a *Alidns) Records(domain string) []dns.Record {
	a.store.mu.Lock()
	z := a.store.zoneByNameLocked(domain)
	a.store.mu.Unlock()
	if z == nil {
		return nil
	}
	return a.store.records(z.id)
}

// Record returns the record with that ID.
func (a *Alidns) Record(id string) (dns.Record, bool) { return a.store.record(id) }

// SetRecord overwrites the record with r.ID out of band, the way another operator's
// console edit would.
func (a *Alidns) SetRecord(r dns.Record) error { return a.store.setRecord(r) }

// NewAlidns returns an empty Alidns emulator (API version 2015-01-09). Serve it with
// Start (or httptest.NewServer) and point a client at it with the AccessKey
// AccessKeyID/AccessKeySecret. It panics on an invalid option.
func NewAlidns(opts ...Option) *Alidns {
	o, err := buildOptions(opts, 500)
	if err != nil {
		panic(err)
	}
	a := &Alidns{store: newStore("dom-", 900000, alidnsDefaultTTL), maxPageSize: o.maxPageSize}
	a.api = newAPI("2015-01-09", o, a.actions())
	return a
}
