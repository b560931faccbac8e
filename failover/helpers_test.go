package failover

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
)

const (
	acrDomain = "a-registry.cn-hangzhou.cr.aliyuncs.com"
	acrIP     = "47.0.0.1"
	harborIP  = "10.0.0.1"
	zoneName  = "cross-region.registry.io"
	vpc       = "vpc-bbbbb"
)

// countingProvider wraps a real provider: it counts the writes that reach it and can run
// a hook just before each (to simulate a racing operator).
type countingProvider struct {
	dns.Provider

	mu          sync.Mutex
	writes      int
	beforeWrite func()
}

func (p *countingProvider) Apply(ctx context.Context, c dns.Change) (dns.Record, error) {
	p.mu.Lock()
	hook := p.beforeWrite
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	recs, err := p.Records(ctx, c.Record.Name)
	if err != nil {
		return dns.Record{}, err
	}
	var done bool
	if cur, err := c.Find(recs); err == nil {
		done, _ = c.Check(cur)
	}
	r, err := p.Provider.Apply(ctx, c)
	if err == nil && !done {
		p.mu.Lock()
		p.writes++
		p.mu.Unlock()
	}
	return r, err
}

func (p *countingProvider) Writes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes
}

// world is the runbook's solution (a): a PrivateZone zone bound to vpc-bbbbb whose apex
// points at Harbor, a DNS server for that VPC, and the ACR EE public endpoint upstream.
// newWorld keeps the zone in a dnstest.Memory and answers verification queries from it;
// newWireWorld serves it from the PrivateZone emulator, through the real privatezone
// client, and resolves through a real DNS server — for the end-to-end tests.
type world struct {
	mem      *dnstest.Memory      // newWorld's zone
	pz       *dnstest.PrivateZone // newWireWorld's zone
	lookup   LookupFunc           // newWorld's resolver; nil: DNSLookup
	zone     dns.Zone
	record   dns.Record
	provider *countingProvider
	resolver string
	clock    *clocktest.Fake
	journal  *MemoryJournal
	audit    *auditLog
	target   Target
}

type auditLog struct {
	mu     sync.Mutex
	events []AuditEvent
}

func (a *auditLog) add(e AuditEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
}

func (a *auditLog) all() []AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditEvent(nil), a.events...)
}

// memoryResolver stands for the VPC's resolver in newWorld: its queries never leave the
// process (the switcher's LookupFunc answers them from the zone in memory).
const memoryResolver = "127.0.0.1:53"

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clock: clocktest.NewFake(time.Time{}), journal: &MemoryJournal{}, audit: &auditLog{}, resolver: memoryResolver}
	w.mem = dnstest.NewMemory(zoneName, dns.Record{Name: dns.Apex, Type: dns.TypeA, Value: harborIP, TTL: 60})
	w.zone, _ = w.mem.Zone(ctx(t))
	w.record, _ = w.mem.Record("1")
	w.provider = &countingProvider{Provider: w.mem}
	w.lookup = func(ctx context.Context, server, fqdn, typ string) ([]string, error) {
		if server != memoryResolver {
			return nil, fmt.Errorf("querying %s %s at %s: no such resolver", fqdn, typ, server)
		}
		if strings.EqualFold(fqdn, acrDomain) && typ == dns.TypeA {
			return []string{acrIP}, nil
		}
		name, ok := dns.Relative(fqdn, zoneName)
		if !ok {
			return nil, nil
		}
		recs, err := w.mem.Records(ctx, name)
		var out []string
		for _, r := range recs {
			if r.Enabled() && strings.EqualFold(r.Type, typ) {
				out = append(out, r.Value)
			}
		}
		return out, err
	}
	var err error
	w.target, err = PrivateZoneTarget(ctx(t), TargetSpec{Name: "vpc-b", Provider: w.provider,
		Primary: Value{Type: dns.TypeA, Value: harborIP}, Resolver: w.resolver}, StaticEndpoints{Public: acrDomain})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newWireWorld(t *testing.T) *world {
	t.Helper()
	w := &world{pz: dnstest.NewPrivateZone(), clock: clocktest.NewFake(time.Time{}), journal: &MemoryJournal{}, audit: &auditLog{}}
	w.zone = w.pz.AddZone(zoneName, vpc)
	var err error
	w.record, err = w.pz.AddRecord(w.zone.ID, dns.Record{Name: dns.Apex, Type: dns.TypeA, Value: harborIP, TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	real, err := privatezone.New(ctx(t), alicloud.Config{Region: "cn-hangzhou", Endpoint: w.pz.Start(t), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret}}, zoneName, vpc)
	if err != nil {
		t.Fatal(err)
	}
	w.provider = &countingProvider{Provider: real}
	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(w.pz), dnstest.WithUpstream(map[string][]string{acrDomain: {acrIP}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if w.resolver, err = srv.ListenVPC(vpc); err != nil {
		t.Fatal(err)
	}
	w.target, err = PrivateZoneTarget(ctx(t), TargetSpec{Name: "vpc-b", Provider: w.provider,
		Primary: Value{Type: dns.TypeA, Value: harborIP}, Resolver: w.resolver}, StaticEndpoints{Public: acrDomain})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// setRecord overwrites a record out of band, as another operator would.
func (w *world) setRecord(r dns.Record) error {
	if w.mem != nil {
		return w.mem.Set(r)
	}
	return w.pz.SetRecord(r)
}

// addRecord adds a record to the zone out of band.
func (w *world) addRecord(r dns.Record) (dns.Record, error) {
	if w.mem != nil {
		return w.mem.AddRecord(context.Background(), r)
	}
	return w.pz.AddRecord(w.zone.ID, r)
}

func (w *world) switcher(t *testing.T, opts ...Option) *Switcher {
	t.Helper()
	opts = append([]Option{WithClock(w.clock), WithJournal(w.journal), WithAudit(w.audit.add)}, opts...)
	if w.lookup != nil {
		opts = append([]Option{WithLookup(w.lookup)}, opts...)
	}
	s, err := NewSwitcher([]Target{w.target}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (w *world) current(t *testing.T) dns.Record {
	t.Helper()
	var r dns.Record
	var ok bool
	if w.mem != nil {
		r, ok = w.mem.Record(w.record.ID)
	} else {
		r, ok = w.pz.Record(w.record.ID)
	}
	if !ok {
		t.Fatal("record vanished")
	}
	return r
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// healthy returns the status of an endpoint that a quorum saw up n times in a row.
func healthy(name string, n int) HealthStatus {
	return HealthStatus{Endpoint: name, Health: HealthUp, UpStreak: n, Threshold: 3, Quorum: 1}
}

func down(name string, n int) HealthStatus {
	return HealthStatus{Endpoint: name, Health: HealthDown, DownStreak: n, Threshold: 3, Quorum: 1}
}

// must unwraps a seeded record.
func must(t *testing.T) func(dns.Record, error) dns.Record {
	return func(r dns.Record, err error) dns.Record {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}
