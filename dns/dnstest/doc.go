// Package dnstest provides test doubles for regdr's DNS providers that speak the real
// wire protocols, so code built on them is tested end to end on loopback:
//
//   - [PrivateZone]: an emulator of the Alibaba Cloud PrivateZone OpenAPI (2018-01-01),
//     seeded with zones, their VPC bindings and records ([PrivateZone.AddZone],
//     [PrivateZone.BindVPC], [PrivateZone.AddRecord]), inspected after a test
//     ([PrivateZone.Records]);
//   - [Alidns]: an emulator of the Alibaba Cloud DNS OpenAPI (2015-01-09) for public
//     domains ([Alidns.AddDomain], [Alidns.AddRecord], [Alidns.Records]);
//   - [DNSServer]: a real DNS server on 127.0.0.1 (UDP and TCP) that answers from the
//     emulators' records as seen from one simulated VPC ([DNSServer.ListenVPC]) or from
//     the internet ([DNSServer.ListenPublic]), so a real net.Resolver (see [Resolver]) can
//     check what clients would resolve; [WithUpstream] answers names outside the zones,
//     such as ACR EE's public domain;
//   - [TestProvider]: a conformance suite any dns.Provider implementation can run.
//
// The emulators are http.Handlers that verify each call's signature against [AccessKeyID]
// and [AccessKeySecret] (or the keys given with [WithAccessKey]): serve them with
// httptest.NewServer — or their Start method, which also registers the cleanup — and
// point the real Alibaba SDK, or dns/privatezone and dns/alidns, at the server's address.
// FailNext and Throttle inject faults; Calls and CallCount tell what was asked. Tests can
// also seed through the SDK: PrivateZone serves AddZone and BindZoneVpc (which replaces the
// zone's VPC list, as the real call does), Alidns serves AddDomain.
//
// # Fidelity
//
// The emulators follow the project's Alibaba fact pack (shared/reference/alibaba), and
// testdata/golden holds its documented example answers, with their sources, for every
// action served and the documented errors; the golden tests hold the emulators' answers to
// the same fields, types and formats. Behaviour taken from the pack: Alidns refuses TTLs
// below the domain edition's minimum with QuotaExceeded.TTL (the free edition, which new
// domains have, allows 600-86400; [Alidns.SetEdition] changes it; seeding with AddRecord is
// not checked) and reports it as MinTtl; DescribeDomainRecords applies KeyWord under
// SearchMode LIKE/EXACT and RRKeyWord/TypeKeyWord/ValueKeyWord under ADVANCED or no mode,
// newest first; DescribeSubDomainRecords pages by 100 at most; PrivateZone's
// DescribeZoneRecords matches Keyword exactly unless SearchMode is LIKE. The DNS server
// answers as the VPC's recursive resolver: a CNAME chain whose target does not exist is
// NXDOMAIN with the chain (RFC 6604), and negative answers carry the owning zone's SOA
// (RFC 2308; the SOA's values are placeholders). Not emulated: record lines other than
// default, weights, remarks, tags, resource groups, PrivateZone's ProxyPattern RECORD and
// cross-account VPCs, Alidns domain groups and record locks, deletes.
//
// # Concurrency
//
// Emulators and the DNS server are safe for concurrent use; seeding and inspection may
// happen while requests are served, and the DNS server always answers from the records as
// they are at the moment of the query.
//
// # Testing
//
// This package is itself the testing aid. Each emulator starts in one line: Config(t)
// serves it on loopback until the test ends and returns the alicloud.Config that points a
// provider at it (Start returns just the endpoint). A test of a failover built on regdr seeds the
// zone the runbook describes, opens the real provider on the emulator, and resolves
// through the DNS server what a client in the VPC would see:
//
//	pz := dnstest.NewPrivateZone()
//	zone := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
//	pz.AddRecord(zone.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60})
//	p, err := privatezone.New(ctx, pz.Config(t), "cross-region.registry.io", "vpc-bbbbb")
//	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz))
//	addr, err := srv.ListenVPC("vpc-bbbbb")
//	addrs, err := dnstest.Resolver(addr).LookupHost(ctx, "cross-region.registry.io")
//
// Its own tests run the real SDK clients against the emulators and resolve names through
// the DNS server with net.Resolver.
package dnstest
