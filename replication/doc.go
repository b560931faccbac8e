// Package replication keeps container images replicated from one registry into another —
// in regdr's case from Harbor into Alibaba Cloud Container Registry Enterprise Edition
// (ACR EE). It offers two ways to do it, on shared primitives: let Harbor replicate
// (Harbor-managed replication, the runbook's steps 1–3), or copy the images directly,
// registry to registry (the direct sync engine, step 5).
//
// # Primitives
//
// These do no I/O:
//
//   - [Flattener] maps source repository paths to destination paths; [HarborFlatten] is
//     Harbor's dest_namespace + dest_namespace_replace_count rule, byte for byte, and
//     [MapNames] with [ValidateACRName] finds every invalid or colliding destination name
//     before anything is copied ([ErrInvalidName], [ErrFlatten], [ErrCollision]).
//   - [BandwidthLimiter] is one byte budget shared by every transfer that holds it
//     ([NewBandwidthLimiter], [NewLimiter], [NewReader], [NewTransport]); unlike Harbor's
//     per-blob `speed`, sixteen streams sharing a 10 MB/s limiter move 10 MB/s between them.
//     [SpeedToBytesPerSecond] and [BytesPerSecondToSpeed] convert Harbor's unit;
//     [ParseRate] reads "20MiB/s".
//   - [Selector] applies Harbor's source filters ([Filter]: repository and tag globs,
//     labels, resource kind, matches/excludes).
//
// # Harbor-managed replication
//
// A [HarborSetup] is the desired state of the runbook's steps 1–3: the ACR EE namespace
// (auto-create repository ON, default type PRIVATE), Harbor's registry endpoint for the
// instance ([HarborEndpoint]; [ACREndpointURL] gives its VPC or public URL) and a
// push-based, event-triggered policy flattening one level. [PlanHarbor] reads Harbor and
// ACR EE through [HarborClients] (a [HarborAPI] — *harbor.Client —, a [NamespaceEnsurer]
// and optionally a [TagLister] — both *acr.Client) and returns a [HarborPlan]: the
// actions ([HarborAction]) that converge them, field by field for drifted endpoints and
// policies.
// It validates everything first — the setup, every destination name, the namespace, and
// Harbor's connection test of the endpoint — and writes nothing.
//
// [HarborPlan.Apply] performs the actions in order and runs the copy once, waiting for it
// with [HarborApplyOptions].Wait; applying a converged plan writes nothing. The copy is
// Harbor's own execution by default. With [HarborApplyOptions].Direct ([HarborDirect]) the
// same plan is executed by the direct sync engine instead, listing Harbor through its API
// ([HarborSyncSource]: digests, labels and accessories known, no HEAD per tag) and sharing
// one bandwidth budget; the policy still replicates later pushes through its event
// trigger. With [HarborApplyOptions].Verify, Apply ends with a completeness check.
//
// A [Verifier] checks, independently of Harbor's execution records, that ACR EE holds
// every tag Harbor holds under the setup's filters, under its flattened name and with the
// same digest, and every accessory (signature, SBOM) Harbor lists for them.
// [Verifier.Verify] returns a [LagReport] (missing, stale and extra tags, missing
// accessories, and OldestMissing, the effective RPO); [Verifier.Lag] returns the
// [LagSummary] that package failover holds to an RPO budget before it switches DNS.
// [RegistryTagLister] lists any registry through the distribution API when the ACR
// OpenAPI is not at hand, and, being a [ManifestChecker], finds accessories by digest.
//
// # Direct sync
//
// A [Syncer] ([NewSyncer], configured by [SyncOptions]) copies from one [SyncEndpoint] to
// another. [Syncer.Plan] lists the source — a [SyncSource]: the registry's catalog
// ([NewSyncRegistrySource]) by default, or Harbor's API ([HarborSyncSource]) —, maps and
// validates every destination name before any request to the destination, looks at the
// destination by digest and returns a [SyncPlan]: a value to print, save as JSON,
// [SyncPlan.Split] into shards for parallel workers, and apply later. [Syncer.Apply] copies
// what the plan says, at most Jobs transfers at a time, and verifies every planned
// artifact at the destination with one HEAD each; its [SyncReport] says what happened to
// each [SyncItem] ([SyncReport.OK], [SyncReport.Errors]).
//
// The engine preserves digests byte for byte (image indexes, OCI and Docker media types),
// brings the artifacts that refer to an image (signatures, SBOMs: through the referrers
// API, see [SyncReferrers], and cosign-style tags), sends a layer shared by several images
// once, mounts blobs the destination already holds in another repository, never pushes a
// manifest before its blobs, and retries 5xx, 429 (honouring Retry-After), 408, resets
// and truncated bodies ([SyncRetry]). Apply after an interruption re-sends only what is
// missing. A no-op re-sync moves no blob bytes. A registry is reached over HTTPS — loopback
// and private addresses included — unless its address says http:// or PlainHTTP is set,
// with no fallback either way; credentials go over plain HTTP only to loopback, or with
// AllowPlainHTTPCredentials. Without Override, a destination tag is looked at again right
// before each manifest push, and one that someone pushed to since the plan is left alone
// ([ErrSyncTagChanged]). The benchmarks in this package
// (BenchmarkSyncCopy against crane.Copy and remote.MultiWrite, BenchmarkSyncNoop,
// BenchmarkSyncLargeLayer, BenchmarkLimiterAccuracy) measure these claims:
//
//	go test -run '^$' -bench . ./replication/
//
// No request waits forever: one that gets no response header, or no body progress, for
// [SyncRetry].Timeout (60 s by default) fails with [ErrSyncTimeout] and is retried. A
// registry that answers nothing successfully for [SyncRetry].GiveUp (2 minutes by
// default, on the Syncer's Clock) is declared down: what is left fails at once with
// [ErrSyncRegistryDown]; faults, however frequent, never trip it while requests succeed.
// Every blob is hashed as it streams through, and a blob whose bytes do not match its
// digest is broken off before its last bytes reach the destination ([ErrSyncDigestMismatch]).
//
// # Errors
//
// Sentinels, matched with errors.Is through every wrap: [ErrHarborSetup],
// [ErrHarborEndpoint], [ErrHarborNamespace], [ErrHarborSecret], [ErrHarborExecution] and
// [ErrHarborIncomplete] for Harbor-managed replication; [ErrSyncDigestMismatch],
// [ErrSyncNotVerified], [ErrSyncConflict], [ErrSyncStalePlan], [ErrSyncPlanMismatch] and
// [ErrSyncInvalidPlan], [ErrSyncTagChanged], [ErrSyncPlainHTTPCredentials], [ErrSyncScheme] and
// [ErrSyncEndpoint] for the sync engine; [ErrInvalidName], [ErrCollision], [ErrFlatten] and
// [ErrInvalidPattern] for names and filters. The typed errors [HarborActionError] (the
// action that failed and what was done before it), [HarborExecutionError] (the tasks that
// failed), [SyncHTTPError] (a registry's answer), [NameError] and [CollisionError] carry
// the details; Harbor's and ACR's own sentinels (harbor.ErrUnauthorized, acr.ErrNotFound…)
// stay matchable. No secret — the endpoint's registry password, registry credentials —
// appears in a plan, a report, a log record or an error: [HarborSetup], [HarborPlan] and
// [SyncEndpoint] (and a [Syncer]) redact them in String, %#v, slog and JSON, so a plan read back from JSON needs
// [HarborApplyOptions].AccessSecret again.
//
// # Concurrency
//
// Flatteners, Selectors, Limiters and Verifiers are safe for concurrent use; a Limiter is
// meant to be shared. A Syncer is safe for concurrent use, but its report assumes one
// Apply at a time; SyncOptions.Progress is called from many goroutines, one call at a
// time. Plans and reports are plain values.
//
// # Testing
//
// Test code built on this package end to end on loopback: serve harbortest.New() (Harbor's
// API and registry, with executions that really copy) and acrtest.New() (ACR EE's OpenAPI
// and registry) with net/http/httptest, and point *harbor.Client and *acr.Client at them,
// as ExamplePlanHarbor does; go-containerregistry's pkg/registry serves a plain registry
// for a Syncer (ExampleSyncer). Time comes from a [Clock] — [WithClock] for a [Limiter],
// SyncOptions.Clock, Verifier.Clock, harbor.WaitOptions.Clock for Apply's wait — so a fake
// clock makes throttling, backoff and polling run without sleeping.
package replication
