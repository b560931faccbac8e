// Package testutil holds helpers for regdr's own tests and benchmarks. Go forbids importing
// it from outside this module: users test with the exported fakes — harbortest, acrtest,
// dnstest — and clocktest.Fake, the fake clock.Clock.
//
// In the order a test meets them:
//
//   - time: clocktest.Fake is the fake clock ([Clock] and [NewClock] are old names for
//     it); [ImmediateClock], whose After fires at once and records the wait, for code
//     that backs off;
//   - images: [Fixture] builds deterministic images, multi-arch indexes and signatures
//     from a seed; [Workload] is the many-repository workload of the sync benchmarks;
//     [Push] and [PushAuth] write them;
//   - registries on 127.0.0.1: [NewGGCRRegistry] (go-containerregistry's),
//     [NewDistribution] (go-containerregistry's, made to behave as the CNCF registry
//     Harbor runs does: blobs per repository, cross-repository mounts, manifests
//     refused before their blobs, a paged catalog, no referrers API) and
//     [NewDiscardRegistry] (accepts blobs and throws the bytes away, for memory
//     benchmarks); [TokenAuth] puts one behind Docker token authentication;
//   - observation and faults: [Recorder] counts every request a registry answered and
//     flags a manifest pushed before what it refers to; [FaultTransport] fails a
//     repeatable share of requests ([Faults]: 5xx, resets, truncated bodies, 429 with
//     Retry-After).
//
// # Concurrency
//
// Clocks, Recorders and FaultTransports are safe for concurrent use.
//
// # Testing
//
// Every helper binds to a testing.TB where it starts a server, and registers its cleanup.
// Nothing here sleeps in real time: latency injected by a FaultTransport waits on its
// Faults.Clock.
package testutil
