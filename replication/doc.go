// Package replication keeps container images replicated from one registry into another —
// in regdr's case from Harbor into Alibaba Cloud ACR Enterprise Edition.
//
// Its primitives do no I/O:
//
//   - [Flattener] maps source repository paths to destination paths; [HarborFlatten] is
//     Harbor's dest_namespace + dest_namespace_replace_count rule, byte for byte, and
//     [MapNames] with [ValidateACRName] finds every invalid or colliding destination name
//     before anything is copied.
//   - [BandwidthLimiter] is one byte budget shared by every transfer that holds it
//     ([NewBandwidthLimiter], [NewReader], [NewTransport]); [SpeedToBytesPerSecond] converts
//     Harbor's `speed` unit.
//   - [Selector] applies Harbor's source filters (repository and tag globs, labels,
//     matches/excludes).
//
// # Concurrency
//
// Flatteners, Selectors and Limiters are safe for concurrent use; a Limiter is meant to be
// shared.
//
// # Testing
//
// A [Limiter] takes a [Clock] ([WithClock]), so code that throttles can be tested without
// sleeping.
package replication
