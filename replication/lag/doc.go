// Package lag measures how far ACR EE is behind Harbor: the completeness check failover
// consults before it switches DNS, and the effective RPO (the age of the oldest artifact
// a failover now would lose).
//
// A [Verifier] checks, independently of Harbor's execution records, that ACR EE holds
// every tag Harbor holds under a selection, under its flattened name and with the same
// digest, and every accessory (signature, SBOM) Harbor lists for them. [Verifier.Verify]
// returns a [Report] (missing, stale and extra tags, missing accessories, and
// OldestMissing); [Verifier.Lag] returns the [Summary] that package failover holds to an
// RPO budget. A [TagLister] lists ACR EE in plain values ([Tag]) — the OpenAPI through
// managed.ACR, or [RegistryTagLister] through the distribution API, which, being a
// [ManifestChecker], finds accessories by digest. Package managed builds the Verifier of a Harbor
// replication setup (managed.Setup.Verifier).
//
// # Concurrency
//
// A Verifier is safe for concurrent use; reports are plain values.
//
// # Testing
//
// Serve harbortest and acrtest on loopback with net/http/httptest and point
// *harbor.Client and *acr.Client at them; Verifier.Clock (a clock.Clock) ages artifacts
// against a fake clock.
package lag
