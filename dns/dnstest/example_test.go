package dnstest_test

import (
	"context"
	"fmt"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

// Seed a PrivateZone emulator with two same-name zones bound to different VPCs, and ask
// the DNS server from each VPC. Clients outside any VPC see public zones only.
func ExampleNewDNSServer() {
	ctx := context.Background()
	pz := dnstest.NewPrivateZone()
	za := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	zb := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddRecord(za.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.10"})
	pz.AddRecord(zb.ID, dns.Record{Name: "@", Type: "CNAME", Value: "a-registry.cn-hangzhou.cr.aliyuncs.com", TTL: 30})

	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz),
		dnstest.WithUpstream(map[string][]string{"a-registry.cn-hangzhou.cr.aliyuncs.com": {"47.0.0.1"}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	for _, vpc := range []string{"vpc-aaaaa", "vpc-bbbbb"} {
		addr, _ := srv.ListenVPC(vpc)
		r := dnstest.Resolver(addr)
		cname, _ := r.LookupCNAME(ctx, "cross-region.registry.io")
		addrs, _ := r.LookupHost(ctx, "cross-region.registry.io")
		fmt.Println(vpc, cname, addrs)
	}
	public, _ := srv.ListenPublic()
	_, err = dnstest.Resolver(public).LookupHost(ctx, "cross-region.registry.io")
	fmt.Println("internet:", err != nil)
	// Output:
	// vpc-aaaaa cross-region.registry.io. [10.0.0.10]
	// vpc-bbbbb a-registry.cn-hangzhou.cr.aliyuncs.com. [47.0.0.1]
	// internet: true
}

// Seed an Alidns emulator, change a record as another operator would, and inspect it.
func ExampleAlidns() {
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	r, _ := ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10"})
	r.Value = "198.51.100.7"
	ad.SetRecord(r)
	for _, rec := range ad.Records("example.com") {
		fmt.Println(rec)
	}
	// Output:
	// harbor 600 A 198.51.100.7 (id 900001)
}
