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
// # Reverse lag
//
// After a failover, clients push into ACR EE; failing back would hide what they pushed.
// [Verifier.Reverse] measures the other direction: every tag of the ACR EE namespace that
// the Harbor repository it maps back to lacks (Missing) or holds at another digest
// (Stale), in a [ReverseReport] of the forward report's shape. The inverse name map is
// built from the forward map of the repositories Harbor holds, never guessed: when two
// Harbor repositories flatten to one ACR EE repository (a replace count of -1 over
// nested sources) it is refused with [ErrAmbiguousInverse], and an ACR EE repository no
// Harbor repository flattens to (created during the outage under a new name) is reported
// as Unmapped. [CompareReverse] is the decision, a pure function of the listings;
// [Verifier.ReverseLag] returns the [ReverseSummary] that failover's failback holds at
// zero (failover.ReverseLag(s)).
//
// The exact inverse is the forward map recorded at failover, not the one Harbor's
// repositories give at failback (a repository created since may collide, one deleted
// since must still get back what clients pushed for it): [Verifier.ForwardMap] is what
// a failover records (failover.FailoverRequest.NameMap), failover.RecordedNameMap reads
// it back from the journal, and with it as Verifier.NameMap Reverse inverts it instead.
// An OCI referrers fallback tag (sha256-<hex>) in ACR EE is an index of its subject's
// referrers that Harbor, which serves the referrers API, neither holds nor needs: it
// counts as held when Harbor holds the subject and lists referrers of it, and as missing
// (blocking failback) when Harbor lists none — a signature made during the outage —
// or lacks the subject. What must be carried back is the referrers, not the tag.
//
// [Invert] is the inverse itself, refused with [ErrAmbiguousInverse] when two Harbor
// repositories share an ACR EE repository: reverse replication writes only through an
// inverse it accepted. Reverse needs Tags that list repositories
// ([RepositoryLister], as managed.ACR does) and a Namespace. OldestMissing ages tags by
// [Tag].PushTime when the lister reports it.
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
