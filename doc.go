// Package regdr is a library for geo-disaster recovery of container registries: it keeps a
// Harbor registry replicated into an Alibaba Cloud Container Registry Enterprise Edition
// (ACR EE) instance, proves the copy is complete, and when Harbor fails moves clients to
// ACR EE by changing DNS — then moves them back.
//
// The root package holds no code. The runbook it automates, step by step, and where each
// step lives:
//
//  1. the ACR EE namespace, auto-creating private repositories — acr.Client.EnsureNamespace;
//  2. Harbor's registry endpoint for the instance, connection tested, and
//  3. an event-triggered push replication policy flattening one level, run once and waited
//     for — managed.Compute and managed.Plan.Apply (package replication/managed: steps
//     1–3 as one plan), with lag.Verifier (package replication/lag) proving ACR EE holds
//     every tag;
//  4. on Harbor's failure, DNS repointed at ACR EE — PrivateZone (a), public DNS (b) or the
//     instance's VPC address (c) — and back afterwards — failover.Switcher's PlanFailover,
//     Apply and PlanFailback;
//  5. where Harbor's replication is too slow, a direct copy — mirror.Syncer (package
//     replication/mirror), or managed.ApplyOptions.Direct on the same plan.
//
// The packages:
//
//   - [github.com/regdr/regdr/harbor]: a typed Harbor API v2.0 client; harbor/harbortest is a
//     Harbor emulator (API, registry and executions that really copy) for tests.
//   - [github.com/regdr/regdr/acr]: a typed ACR EE client; acr/acrtest emulates its OpenAPI and
//     registry.
//   - [github.com/regdr/regdr/dns]: records, zones and the Provider interface; dns/privatezone
//     (Alibaba Cloud PrivateZone) and dns/alidns (public DNS) implement it; dns/dnstest
//     emulates both and serves their records over real DNS.
//   - [github.com/regdr/regdr/replication]: the contracts other tools embed — flattening,
//     the shared bandwidth limiter, selection filters, destination name rules — with no
//     cloud SDK, Harbor or registry client among its dependencies. Built on it:
//     replication/managed (Harbor-managed replication: plan and apply runbook steps 1–3),
//     replication/mirror (the direct sync engine, registry to registry) and replication/lag
//     (the completeness check and effective RPO that failover consults).
//   - [github.com/regdr/regdr/failover]: probes, the DNS switch plan and apply, journal,
//     failback and an optional monitor.
//
// Every operation that writes follows the same three phases: observe, plan (a printable,
// JSON-serialisable value with HasChanges, the dry run), apply. Plans are validated before
// the first write and refused when the world changed since they were made. Errors are
// typed and matched with errors.Is; no secret appears in a plan, report, log or error; TLS
// is verified unless a caller opts out per endpoint. The README has the runbook in code,
// the RAM permissions each operation needs, and the benchmarks.
//
// # Testing
//
// Every remote API has an exported fake that speaks the real wire protocol — harbortest,
// acrtest, dnstest (with a real DNS server on loopback) — so code built on regdr is tested
// end to end on 127.0.0.1 with the real clients, and every time-dependent call takes a
// clock so tests never sleep.
package regdr
