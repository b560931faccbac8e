// Package replication holds the contracts other tools embed to replicate container
// images from one registry into another — in regdr's case from Harbor into Alibaba Cloud
// Container Registry Enterprise Edition (ACR EE): naming, selection and bandwidth. It does
// no I/O beyond the throttled reader and transport, and depends on the standard library,
// doublestar and regdr/clock only (no cloud SDK, no Harbor client, no registry client).
//
// The jobs built on it live in their own packages: replication/mirror copies images
// registry to registry (the direct sync engine), replication/managed sets up and runs
// Harbor-managed replication (the runbook's steps 1–3), and replication/lag measures how
// far ACR EE is behind Harbor.
//
// # Contracts
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
//   - [Selector] decides which repositories, tags and labelled artifacts are replicated; a
//     tool may plug its own. [Rules] ([NewRules]) is Harbor's source filters ([Filter]:
//     repository and tag globs, labels, resource kind, matches/excludes), with Harbor's
//     semantics where it skips a filter.
//   - [ValidateACRName] and [ACRNames] hold destination paths to ACR's naming rule per
//     edition (multi-tier for Enterprise Edition).
//
// # Errors
//
// Sentinels, matched with errors.Is through every wrap: [ErrInvalidName], [ErrCollision],
// [ErrFlatten] and [ErrInvalidPattern] for names and filters, [ErrInvalidRate] for rates.
// [NameError] and [CollisionError] carry the details.
//
// # Concurrency
//
// Flatteners, Selectors and Limiters are safe for concurrent use; a Limiter is meant to be
// shared.
//
// # Testing
//
// Time comes from a clock.Clock ([WithClock] for a [Limiter]), so a fake clock
// (clock/clocktest) makes throttling run without sleeping. The contracts have no I/O to
// fake: the examples in this package run offline.
package replication
