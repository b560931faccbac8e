package privatezone_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
)

// The runbook's case (a): two zones named cross-region.registry.io, one per VPC. In the
// zone bound to vpc-bbbbb, the apex moves from Harbor's address to a CNAME to the ACR EE
// public endpoint, TTL unchanged; the zone bound to vpc-aaaaa is left alone.
func Example_failoverToACR() {
	ctx := context.Background()
	const acr = "a-registry.cn-hangzhou.cr.aliyuncs.com"

	// The world, emulated: PrivateZone, its DNS, and the ACR EE endpoint upstream.
	pz := dnstest.NewPrivateZone()
	za := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	zb := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddRecord(za.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.10", TTL: 3600})
	pz.AddRecord(zb.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.10", TTL: 3600})
	api := httptest.NewServer(pz)
	defer api.Close()
	srv, _ := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz), dnstest.WithUpstream(map[string][]string{acr: {"47.0.0.1"}}))
	defer srv.Close()
	inA, _ := srv.ListenVPC("vpc-aaaaa")
	inB, _ := srv.ListenVPC("vpc-bbbbb")

	p, err := privatezone.New(ctx, alicloud.Config{
		Endpoint:    api.Listener.Addr().String(),
		Insecure:    true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret},
	}, "cross-region.registry.io", "vpc-bbbbb")
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := p.Apply(ctx, dns.Change{
		Record:      dns.Record{Name: "@", Type: "A"},
		ExpectValue: "10.0.0.10",
		NewValue:    acr,
		NewType:     dns.TypeCNAME,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written:", got)

	for _, c := range []struct{ vpc, addr string }{{"vpc-aaaaa", inA}, {"vpc-bbbbb", inB}} {
		addrs, _ := dnstest.Resolver(c.addr).LookupHost(ctx, "cross-region.registry.io")
		fmt.Println(c.vpc, "resolves", addrs)
	}
	// Output:
	// written: @ 3600 CNAME a-registry.cn-hangzhou.cr.aliyuncs.com (id 100002)
	// vpc-aaaaa resolves [10.0.0.10]
	// vpc-bbbbb resolves [47.0.0.1]
}
