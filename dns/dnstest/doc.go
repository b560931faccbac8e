// Package dnstest provides test doubles for regdr's DNS providers that speak the real
// wire protocols, so code built on them is tested end to end on loopback:
//
//   - [PrivateZone]: an emulator of the Alibaba Cloud PrivateZone OpenAPI (2018-01-01),
//     seeded with zones, their VPC bindings and records, inspected after a test;
//   - [Alidns]: an emulator of the Alibaba Cloud DNS OpenAPI (2015-01-09) for public domains;
//   - [DNSServer]: a real DNS server on 127.0.0.1 (UDP and TCP) that answers from the
//     emulators' records as seen from one simulated VPC, or from the internet, so a real
//     net.Resolver (see [Resolver]) can check what clients would resolve;
//   - [TestProvider]: a conformance suite any dns.Provider implementation can run.
//
// The emulators are http.Handlers: serve them with httptest.NewServer and point the real
// Alibaba SDK — or dns/privatezone and dns/alidns — at the server's address.
//
// # Concurrency
//
// Emulators and the DNS server are safe for concurrent use; seeding and inspection may
// happen while requests are served, and the DNS server always answers from the records as
// they are at the moment of the query.
//
// # Testing
//
// This package is itself the testing aid. Its own tests run the real SDK clients against
// the emulators and resolve names through the DNS server with net.Resolver.
package dnstest
