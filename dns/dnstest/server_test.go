package dnstest

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	mdns "github.com/miekg/dns"

	"github.com/regdr/regdr/dns"
)

const acrPublic = "a-registry.cn-hangzhou.cr.aliyuncs.com"

// fixture seeds the runbook's world: two PrivateZone zones named cross-region.registry.io
// (one per VPC), a public domain, and the ACR EE endpoint upstream.
func fixture(t *testing.T) (*PrivateZone, *Alidns, *DNSServer) {
	t.Helper()
	must := func(_ dns.Record, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pz := NewPrivateZone()
	za := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	zb := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	must(pz.AddRecord(za.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60}))
	must(pz.AddRecord(zb.ID, dns.Record{Name: "@", Type: "CNAME", Value: acrPublic, TTL: 30}))
	must(pz.AddRecord(zb.ID, dns.Record{Name: "off", Type: "A", Value: "10.0.0.9", Status: dns.StatusDisabled}))
	must(pz.AddRecord(zb.ID, dns.Record{Name: "*.wild", Type: "A", Value: "10.0.0.7", TTL: 5}))
	ad := NewAlidns()
	ad.AddDomain("example.com")
	must(ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10", TTL: 600}))
	must(ad.AddRecord("example.com", dns.Record{Name: "v6", Type: "AAAA", Value: "2001:db8::1"}))
	must(ad.AddRecord("example.com", dns.Record{Name: "away", Type: "CNAME", Value: "nowhere.invalid"}))
	must(ad.AddRecord("example.com", dns.Record{Name: "dangling", Type: "CNAME", Value: "gone.example.com"}))
	must(ad.AddRecord("example.com", dns.Record{Name: "alias", Type: "CNAME", Value: "harbor.example.com"}))
	must(ad.AddRecord("example.com", dns.Record{Name: "deep.tree", Type: "A", Value: "203.0.113.12"}))
	srv, err := NewDNSServer(WithPrivateZone(pz), WithAlidns(ad),
		WithUpstream(map[string][]string{acrPublic: {"47.0.0.1"}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return pz, ad, srv
}

func listen(t *testing.T, srv *DNSServer, vpc string) string {
	t.Helper()
	var addr string
	var err error
	if vpc == "" {
		addr, err = srv.ListenPublic()
	} else {
		addr, err = srv.ListenVPC(vpc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func lookupHost(t *testing.T, addr, name string) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := Resolver(addr).LookupHost(ctx, name)
	slices.Sort(got)
	return got, err
}

func TestDNSServerViews(t *testing.T) {
	t.Parallel()
	_, _, srv := fixture(t)
	vpcA, vpcB, public := listen(t, srv, "vpc-aaaaa"), listen(t, srv, "vpc-bbbbb"), listen(t, srv, "")
	tests := []struct {
		addr, name string
		want       []string
		notFound   bool
	}{
		{vpcA, "cross-region.registry.io", []string{"10.0.0.1"}, false},
		{vpcB, "cross-region.registry.io", []string{"47.0.0.1"}, false},
		{public, "cross-region.registry.io", nil, true},
		{vpcB, "off.cross-region.registry.io", nil, true},
		{vpcB, "x.y.wild.cross-region.registry.io", []string{"10.0.0.7"}, false},
		{vpcB, "missing.cross-region.registry.io", nil, true},
		{vpcB, "harbor.example.com", []string{"203.0.113.10"}, false},
		{public, "harbor.example.com", []string{"203.0.113.10"}, false},
		{public, "v6.example.com", []string{"2001:db8::1"}, false},
		{public, acrPublic, []string{"47.0.0.1"}, false},
	}
	for _, tt := range tests {
		got, err := lookupHost(t, tt.addr, tt.name)
		var dnsErr *net.DNSError
		if tt.notFound {
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				t.Errorf("LookupHost(%q) = %v, %v, want not found", tt.name, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("LookupHost(%q) = %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("LookupHost(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestDNSServerCNAME(t *testing.T) {
	t.Parallel()
	_, _, srv := fixture(t)
	vpcB := listen(t, srv, "vpc-bbbbb")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := Resolver(vpcB).LookupCNAME(ctx, "cross-region.registry.io")
	if err != nil || got != acrPublic+"." {
		t.Errorf("LookupCNAME = %q, %v, want %q", got, err, acrPublic+".")
	}
}

// Negative answers are the recursive resolver's: the rcode of the chain's last name, the
// chain itself (RFC 6604), and the SOA of the zone owning the last name in the authority
// section (RFC 2308); NODATA is NOERROR with no answer of the type and the SOA.
func TestDNSServerNegativeAnswers(t *testing.T) {
	t.Parallel()
	_, _, srv := fixture(t)
	public, vpcB := listen(t, srv, ""), listen(t, srv, "vpc-bbbbb")
	for _, tc := range []struct {
		addr, name string
		qtype      uint16
		rcode      int
		answer     []string // owner names, in order
		soa        string   // zone of the authority SOA, "" = none
	}{
		{public, "away.example.com", mdns.TypeA, mdns.RcodeNameError, []string{"away.example.com."}, ""},
		{public, "dangling.example.com", mdns.TypeA, mdns.RcodeNameError, []string{"dangling.example.com."}, "example.com."},
		{public, "alias.example.com", mdns.TypeAAAA, mdns.RcodeSuccess, []string{"alias.example.com."}, "example.com."},
		{public, "alias.example.com", mdns.TypeA, mdns.RcodeSuccess, []string{"alias.example.com.", "harbor.example.com."}, ""},
		{public, "gone.example.com", mdns.TypeA, mdns.RcodeNameError, nil, "example.com."},
		{public, "harbor.example.com", mdns.TypeTXT, mdns.RcodeSuccess, nil, "example.com."},
		{public, "tree.example.com", mdns.TypeA, mdns.RcodeSuccess, nil, "example.com."}, // empty non-terminal
		{public, "nothing.invalid", mdns.TypeA, mdns.RcodeNameError, nil, ""},
		{vpcB, "missing.cross-region.registry.io", mdns.TypeA, mdns.RcodeNameError, nil, "cross-region.registry.io."},
		{vpcB, "cross-region.registry.io", mdns.TypeA, mdns.RcodeSuccess, []string{"cross-region.registry.io.", acrPublic + "."}, ""},
	} {
		t.Run(tc.name+"/"+mdns.TypeToString[tc.qtype], func(t *testing.T) {
			m := exchange(t, tc.addr, tc.name, tc.qtype)
			var names []string
			for _, rr := range m.Answer {
				names = append(names, rr.Header().Name)
			}
			soa := ""
			if len(m.Ns) == 1 {
				if s, ok := m.Ns[0].(*mdns.SOA); ok {
					soa = s.Hdr.Name
				}
			}
			if m.Rcode != tc.rcode || !cmp.Equal(names, tc.answer) || soa != tc.soa || len(m.Ns) > 1 {
				t.Errorf("got %s, answer %v, authority %v; want %s, answer %v, SOA of %q",
					mdns.RcodeToString[m.Rcode], names, m.Ns, mdns.RcodeToString[tc.rcode], tc.answer, tc.soa)
			}
		})
	}
	// A plain net.Resolver reports the dangling chains as not found.
	for _, name := range []string{"away.example.com", "dangling.example.com"} {
		_, err := lookupHost(t, public, name)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("LookupHost(%s) = %v, want not found", name, err)
		}
	}
}

func TestDNSServerTTLAndLiveChanges(t *testing.T) {
	t.Parallel()
	pz, _, srv := fixture(t)
	vpcB := listen(t, srv, "vpc-bbbbb")
	m := exchange(t, vpcB, "cross-region.registry.io", mdns.TypeA)
	var ttls []uint32
	for _, rr := range m.Answer {
		ttls = append(ttls, rr.Header().Ttl)
	}
	if diff := cmp.Diff([]uint32{30, 300}, ttls); diff != "" {
		t.Errorf("TTLs (-want +got):\n%s", diff)
	}
	// Changes to the emulator are served at once.
	zb := pz.Zones()[1]
	r := pz.Records(zb.ID)[0]
	r.Type, r.Value = dns.TypeA, "10.1.1.1"
	if err := pz.SetRecord(r); err != nil {
		t.Fatal(err)
	}
	if got, err := lookupHost(t, vpcB, "cross-region.registry.io"); err != nil || !slices.Equal(got, []string{"10.1.1.1"}) {
		t.Errorf("after SetRecord: LookupHost = %v, %v", got, err)
	}
}

func TestDNSServerTCP(t *testing.T) {
	t.Parallel()
	_, _, srv := fixture(t)
	addr := listen(t, srv, "")
	c := &mdns.Client{Net: "tcp", Timeout: 5 * time.Second}
	m, _, err := c.Exchange(query("harbor.example.com", mdns.TypeA), addr)
	if err != nil || len(m.Answer) != 1 {
		t.Fatalf("TCP exchange = %v, %v", m, err)
	}
}

func TestDNSServerClosed(t *testing.T) {
	t.Parallel()
	_, _, srv := fixture(t)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ListenPublic(); err == nil {
		t.Error("ListenPublic after Close succeeded")
	}
	if _, err := srv.ListenVPC(""); err == nil {
		t.Error("ListenVPC(\"\") succeeded")
	}
}

func query(name string, qtype uint16) *mdns.Msg {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	return m
}

func exchange(t *testing.T, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	c := &mdns.Client{Timeout: 5 * time.Second}
	m, _, err := c.Exchange(query(name, qtype), addr)
	if err != nil {
		t.Fatalf("exchange %s: %v", name, err)
	}
	return m
}
