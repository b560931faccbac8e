// Package reverse carries back to Harbor what clients pushed into ACR EE while Harbor
// was down, before failback points them at Harbor again: the runbook's replication, run
// the other way, planned and applied like steps 1–3.
//
// [Compute] measures the reverse lag (lag.Verifier.Reverse: what ACR EE holds that Harbor
// lacks, holds at another digest, or has no place for) and plans a direct copy ACR EE →
// Harbor (a mirror.Plan) of the repositories Harbor is behind on, each named back
// through the exact inverse of the forward name map. The [Plan] is a value: print it,
// save it as JSON, review it; a plan that is not applied is a dry run — Compute writes
// nothing. [Plan.Apply] copies, then measures the reverse lag again and requires it
// complete ([ErrIncomplete]). Right before the copy it lists ACR EE again and looks at
// Harbor again, and writes only what is still missing (or stale), at the digest ACR EE
// holds, so applying a plan twice writes nothing the second time, and a saved plan
// edited to write another digest, another tag or elsewhere in Harbor writes nothing of
// the kind.
//
// Nothing is guessed:
//
//   - The inverse name map is the forward map inverted. When it cannot be exact — two
//     Harbor repositories flatten into one ACR EE repository (flatten-all over nested
//     projects) — Compute refuses with lag.ErrAmbiguousInverse before anything is
//     copied. A map recorded at failover time (Harbor repository → ACR EE repository)
//     can be given instead — as the Verifier's NameMap, or inverted by [Invert] in
//     Config.Inverse — and is exact. It is read by lag.Verifier.Reverse's one rule,
//     which failback's reverse lag applies too: a Harbor repository created after the
//     map was recorded maps back through the current flattening into an ACR EE
//     repository the map does not name, unless another such repository flattens there.
//   - ACR EE repositories that map back to no Harbor repository (created during the
//     outage under a new name) are reported in the plan and refuse it ([ErrUnmapped]):
//     name their Harbor repository in Config.Inverse, or remove them, and plan again.
//   - A Harbor tag holding another digest than ACR EE may be a newer push into Harbor
//     since failback started: it is reported and refuses the plan ([ErrStaleTag]),
//     unless the plan is made with Config.Overwrite. Even then, and for every tag the
//     plan saw missing, Apply refuses the whole plan before any write when a tag it
//     would write changed in Harbor since the plan ([ErrStalePlan]).
//
// Refusals are in the plan ([Plan.Err], each a [*RefusalError] listing its tags) and
// Apply refuses such a plan before its first write. Once Apply succeeds, the reverse lag is zero
// and failback is no longer refused with failover.ErrReverseLag; [Measure] is the
// measurement to give failback (failover.FailbackRequest.ReverseLag), through the same
// inverse — recorded or derived — as the reverse replication.
//
// # Errors
//
// Sentinels, matched with errors.Is through every wrap: [ErrInvalidConfig],
// [ErrUnmapped], [ErrStaleTag], [ErrStalePlan], [ErrPlanMismatch], [ErrIncomplete], and
// lag.ErrAmbiguousInverse; the copy's own errors are package mirror's. No credential
// appears in a plan, a result or an error: they live in the Config's mirror.Endpoints,
// which redact themselves.
//
// # Concurrency
//
// Compute and Apply may run concurrently with each other on different plans, but two
// Applies to one Harbor race as any two writers do (each then refuses what the other
// changed, ErrStalePlan). Plans and results are plain values.
//
// # Testing
//
// Serve harbortest and acrtest on loopback with net/http/httptest; point the Verifier's
// clients and the two mirror.Endpoints at them (Example). Time comes from the Verifier's
// Clock and Config.Sync.Clock.
package reverse
