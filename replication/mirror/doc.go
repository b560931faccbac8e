// Package mirror is regdr's direct sync engine: it copies container images from one
// registry to another over the distribution API, registry to registry (the runbook's step
// 5), as go-containerregistry's remote package is to ggcr. It shares the contracts of
// package replication (Flattener, BandwidthLimiter, Selector) and knows nothing of Harbor
// or ACR: package managed feeds it Harbor's listing through a [Source].
//
// A [Syncer] ([New], configured by [Options]) copies from one [Endpoint] to another.
// [Syncer.Plan] lists the source — a [Source]: the registry's catalog ([NewRegistrySource])
// by default, or anything else that lists repositories and tags —, maps and validates
// every destination name before any request to the destination, looks at the destination
// by digest and returns a [Plan]: a value to print, save as JSON, [Plan.Split] into shards
// for parallel workers, and apply later. [Syncer.Apply] copies what the plan says, at most
// Jobs requests at a time to each registry, and verifies every planned artifact at the destination with
// one HEAD each; its [Report] says what happened to each [Item] ([Report.OK],
// [Report.Errors]). [Syncer.Sync] does both in one pipelined pass with the same guarantees:
// each repository's items go to the copy as soon as they are planned, so planning overlaps
// copying; use Plan and Apply for a dry run or a plan to keep.
//
// The engine preserves digests byte for byte (image indexes, OCI and Docker media types),
// brings the artifacts that refer to an image (signatures, SBOMs: through the referrers
// API, see [Referrers], and cosign-style tags), sends a layer shared by several images
// once, mounts blobs the destination already holds in another repository, never pushes a
// manifest before its blobs, and retries 5xx, 429 (honouring Retry-After), 408, resets
// and truncated bodies (Options.Retry, a retry.Policy). Apply after an interruption re-sends only what is
// missing. A no-op re-sync moves no blob bytes; with Options.State, a file recording what
// each Apply left in place, it also skips the destination HEAD (and the referrers request)
// of every tag whose source digest is the one recorded, checking each record again one
// run in eight. A registry is reached over HTTPS — loopback
// and private addresses included — unless its address says http:// or PlainHTTP is set,
// with no fallback either way; credentials go over plain HTTP only to loopback, or with
// AllowPlainHTTPCredentials. Without Override, a destination tag is looked at again right
// before each manifest push, and one that someone pushed to since the plan is left alone
// ([ErrTagChanged]). Options.Jobs bounds the requests in flight to each registry; a blob
// streams from the source's GET into the destination's PUT, the PUT sent first and the GET
// when the PUT reads its body (one round trip, not two in a row). The benchmarks in this
// package (BenchmarkSyncCopy and, on many small images, BenchmarkSyncCopyRequestBound
// against crane.Copy and remote.MultiWrite, and regsync when REGDR_BENCH_REGSYNC names it;
// BenchmarkSyncFloor against copying each unique blob once; BenchmarkSyncNoop,
// BenchmarkSyncLargeLayer, BenchmarkPlanMemory) measure these claims:
//
//	go test -run '^$' -bench . ./replication/mirror/
//
// No request waits forever: one that gets no response header, or no body progress, for
// Options.Timeout ([DefaultTimeout], 60 s) fails with [ErrTimeout] and is retried, and so
// does a small request (anything but a blob's transfer) not done within 5 × Timeout. A
// registry that answers nothing successfully for Options.GiveUp ([DefaultGiveUp], 2
// minutes, on the Syncer's Clock) is declared down: what is left fails at once with [ErrRegistryDown];
// faults, however frequent, never trip it while requests succeed. Every blob is hashed as
// it streams through (sha256 or sha512; a blob named by another algorithm is refused,
// [ErrUnsupportedDigest]), and a blob whose bytes do not match its digest is broken off
// before its last bytes reach the destination ([ErrDigestMismatch]). Listings follow
// their Link headers on the registry only, each page once ([ErrPagination]); a source tag
// that is not a tag fails alone ([ErrInvalidTag]); a token realm is held to the same
// cleartext rule as the registry ([ErrPlainHTTPCredentials]).
//
// # Errors
//
// Sentinels, matched with errors.Is through every wrap: [ErrDigestMismatch],
// [ErrNotVerified], [ErrConflict], [ErrStalePlan], [ErrPlanMismatch], [ErrInvalidPlan],
// [ErrTagChanged], [ErrPlainHTTPCredentials], [ErrScheme], [ErrEndpoint], [ErrTimeout],
// [ErrRegistryDown], [ErrPagination], [ErrInvalidTag], [ErrManifestTooLarge] and
// [ErrUnsupportedDigest]; replication's [replication.ErrInvalidName] and
// [replication.ErrCollision] for destination names. [HTTPError] carries a registry's
// answer. No registry credential appears in a plan, a report, a log record or an error:
// an [Endpoint] (and a [Syncer]) redacts them under every fmt verb, in slog and in JSON.
//
// # Concurrency
//
// A Syncer is safe for concurrent use, but its report assumes one Apply at a time;
// Options.Progress is called from many goroutines, one call at a time. Plans and reports
// are plain values.
//
// # Testing
//
// go-containerregistry's pkg/registry (or harbortest, acrtest) served by net/http/httptest
// on loopback is a registry for a Syncer (ExampleSyncer). Time comes from Options.Clock, a
// clock.Clock, so a fake clock (clocktest) runs backoff and the give-up rule without
// sleeping.
package mirror
