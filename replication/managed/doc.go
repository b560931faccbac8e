// Package managed sets up and runs Harbor-managed replication into ACR EE: the runbook's
// steps 1–3, as a plan and an apply.
//
// A [Setup] is the desired state: the ACR EE namespace (auto-create repository ON,
// default type PRIVATE), Harbor's registry endpoint for the instance ([Endpoint];
// [ACREndpointURL] gives its VPC or public URL) and a push-based, event-triggered policy
// flattening one level. [Compute] reads Harbor and ACR EE through [Clients] (a
// [HarborAPI] — *harbor.Client —, a [NamespaceEnsurer] and optionally a lag.TagLister —
// both [ACR], which adapts *acr.Client to these interfaces of plain values) and returns a
// [Plan]: the actions ([Action]) that converge them, field
// by field for drifted endpoints and policies. It validates everything first — the setup,
// every destination name, the namespace, the stored endpoint's provider type and Harbor's
// connection test of the endpoint — and writes nothing.
//
// [Plan.Apply] performs the actions in order and runs the copy once, waiting for it with
// [ApplyOptions].Wait; applying a converged plan writes nothing. The copy is Harbor's own
// execution by default. With [ApplyOptions].Direct ([Direct]) the same plan is executed
// by the direct sync engine (package mirror) instead, listing Harbor through its API
// ([Source]: digests, labels and accessories known, no HEAD per tag) and sharing one
// bandwidth budget; the policy still replicates later pushes through its event trigger.
// With [ApplyOptions].Verify, Apply ends with a completeness check: [Setup.Verifier]
// returns the lag.Verifier of the setup.
//
// # Preflight diagnoses
//
// Harbor's connection test answers every failure alike (400 "the registry is
// unhealthy"; an "ali-acr" endpoint that gets no answer, 500 "internal server error"), so
// when it fails Compute returns a [PreflightError] naming the likely cause and the fix in
// one line, from the evidence regdr has: Harbor's answer, the login name's shape (an
// AccessKey ID, [LooksLikeAccessKeyID]), ACR's own token call ([ACR].CheckRegistryLogin:
// USER_NOT_EXIST) and, with [Clients].Registry ([RegistryProbe]), regdr's own login to the
// registry with the same credentials. It matches ErrEndpoint and one of
// [ErrEndpointCredentials] (a wrong registry password, or an AccessKey pair where the
// registry login belongs), [ErrEndpointUnreachable] (regdr logs in but Harbor gets no
// answer: likely the instance's VPC ACL drops Harbor's address; or nobody reaches the URL;
// or an untrusted certificate) or acr.ErrUserNotActivated (a RAM user never activated in
// ACR); without regdr's own login the ambiguous case names both causes. Heuristic
// conclusions say "likely". An endpoint Harbor already holds under the setup's name with
// another provider type is refused with [ErrEndpointType] (Harbor cannot change a type; the
// wrong one makes its manifest checks 404): delete it, or use its type. A type that passes
// the connection test but does not match the registry shows only when Harbor copies: an
// [ExecutionError] whose failed tasks' logs show manifests answered 404 names that likely
// cause (Cause ErrEndpointType, Diagnosis).
//
// # Errors
//
// Sentinels, matched with errors.Is through every wrap: [ErrSetup], [ErrEndpoint] (with
// [ErrEndpointCredentials] or [ErrEndpointUnreachable]), [ErrEndpointType],
// [ErrNamespace], [ErrSecret], [ErrExecution] and [ErrIncomplete]. [ActionError] (the
// action that failed and what was done before it), [ExecutionError] (the tasks that
// failed) and [PreflightError] (cause, fix and Harbor's answer) carry the details; Harbor's and ACR's own sentinels (harbor.ErrUnauthorized,
// acr.ErrNotFound…) stay matchable. No secret — the endpoint's registry password,
// registry credentials — appears in a plan, a log record or an error: [Setup], [Plan] and
// [Direct] redact them in String, %#v, slog and JSON, so a plan read back from JSON needs
// [ApplyOptions].AccessSecret again.
//
// # Concurrency
//
// Plans are plain values; a Plan is applied by one goroutine at a time.
//
// # Testing
//
// Serve harbortest.New() (Harbor's API and registry, with executions that really copy)
// and acrtest.New() (ACR EE's OpenAPI and registry) with net/http/httptest on loopback,
// and point *harbor.Client and *acr.Client at them, as ExampleCompute does. Apply's wait
// takes harbor.WaitOptions.Clock, so a fake clock runs the polling without sleeping.
package managed
