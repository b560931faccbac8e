package alidns_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/dns/dnstest"
)

// The runbook's case (b): Harbor is off Alibaba Cloud and ACR EE's custom endpoint is
// Harbor's hostname; its public A record moves to ACR EE's public address, TTL kept.
func Example_failoverToACR() {
	ctx := context.Background()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10", TTL: 1200})
	api := httptest.NewServer(ad)
	defer api.Close()
	srv, _ := dnstest.NewDNSServer(dnstest.WithAlidns(ad))
	defer srv.Close()
	internet, _ := srv.ListenPublic()

	p, err := alidns.New(ctx, alicloud.Config{
		Endpoint:    api.Listener.Addr().String(),
		Insecure:    true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret},
	}, "example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	// 47.0.0.1 stands for ACR EE's public address (resolve its SYSTEM endpoint to find it).
	got, err := p.Apply(ctx, dns.Change{
		Record:      dns.Record{Name: "harbor", Type: dns.TypeA},
		ExpectValue: "203.0.113.10",
		NewValue:    "47.0.0.1",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written:", got)
	addrs, _ := dnstest.Resolver(internet).LookupHost(ctx, "harbor.example.com")
	fmt.Println("harbor.example.com resolves", addrs)

	// A change planned against a value the record no longer holds is refused.
	_, err = p.Apply(ctx, dns.Change{Record: dns.Record{Name: "harbor", Type: dns.TypeA}, ExpectValue: "198.51.100.1", NewValue: "47.0.0.2"})
	fmt.Println(errors.Is(err, dns.ErrRecordChanged))
	// Output:
	// written: harbor 1200 A 47.0.0.1 (id 900001)
	// harbor.example.com resolves [47.0.0.1]
	// true
}
