// Package regdr is a library for geo-disaster recovery of container registries: it keeps a
// Harbor registry replicated into an Alibaba Cloud Container Registry Enterprise Edition
// (ACR EE) instance, proves the copy is complete, and when Harbor fails moves clients to
// ACR EE by changing DNS — then moves them back.
//
// The root package holds no code; the work is done by its sub-packages:
//
//   - [github.com/regdr/regdr/harbor]: a typed Harbor API v2.0 client; harbor/harbortest is a
//     Harbor emulator (API and registry) for tests.
//   - [github.com/regdr/regdr/acr]: a typed ACR EE client; acr/acrtest emulates its OpenAPI and
//     registry.
//   - [github.com/regdr/regdr/dns]: records and providers for Alibaba Cloud PrivateZone
//     (dns/privatezone) and public DNS (dns/alidns); dns/dnstest emulates both and serves DNS.
//   - [github.com/regdr/regdr/replication]: flattening, bandwidth limits and filters, the
//     Harbor-managed replication Plan/Apply, and a direct registry-to-registry sync engine.
//   - [github.com/regdr/regdr/failover]: probes, the DNS switch Plan/Apply, journal and failback.
//
// # Testing
//
// Every remote API has an exported fake that speaks the real wire protocol (harbortest,
// acrtest, dnstest), so code built on regdr can be tested end to end on loopback.
package regdr
