// Package acrtest emulates Alibaba Cloud Container Registry Enterprise Edition for
// tests: the cr OpenAPI (version 2018-12-01) as the SDK speaks it, and an
// ACR-EE-shaped registry, both plain http.Handlers to serve on loopback.
//
// The OpenAPI (Server.OpenAPI) verifies each call's signature (ACS3-HMAC-SHA256, or the
// legacy v1 query signing) against the AccessKeys it was given and answers in the real
// response shapes: IsSuccess/Code, HTTP 200 with IsSuccess:false for NAMESPACE_NOT_EXIST
// and friends, TotalCount as a string where the SDK declares one. Throttle and FailNext
// inject faults; CallCount counts calls; Namespaces, Repositories and Tags read the state
// back. Seed an instance with AddNamespace, AddRepository, AddSyncTask, SetDomains (its
// SYSTEM and custom domains) and SetLinkedVPCs (its VPC IPs); WithInstance adds
// instances, each with its own registry (InstanceRegistry).
//
// The registry (Server.Registry) wraps go-containerregistry's in-memory registry:
// clients log in with GetAuthorizationToken's temporary credentials or a fixed password
// (SetPassword), by Basic auth or through the Docker token flow (a Bearer challenge
// pointing at TokenPath on the same host); repositories are namespace/repository with
// Enterprise Edition's multi-tier names allowed (namespace/a/b/c; WithMaxPathDepth(2) for
// Personal Edition's one tier); a push into a missing namespace is DENIED; a push creates a
// missing repository only when the namespace auto-creates them (NAME_UNKNOWN
// otherwise); tags pushed are listed by ListRepoTag as the real API lists them: Digest as
// bare hex, ImageId the config digest, ImageSize the image's size.
//
// Fidelity: testdata/golden holds the documented example answer of every action served,
// copied from the project's fact pack (shared/reference/alibaba/cr.md) with its source;
// TestGoldenAnswers holds acrtest's answers to the same fields and formats.
// SetUserNotActivated reproduces a RAM user never activated in ACR (USER_NOT_EXIST on
// GetAuthorizationToken).
//
// Start serves both on loopback until the test ends and returns the configuration that
// points a client at them:
//
//	srv := acrtest.Start(t)
//	client, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: srv.Cloud})
//	// push to srv.RegistryHost, read srv.Namespaces(acrtest.DefaultInstanceID)…
//
// New returns an unserved Server, for tests that serve OpenAPI and Registry themselves.
//
// # Concurrency
//
// A Server is safe for concurrent use.
//
// # Testing
//
// This package is itself a test double; package acr's tests run the real SDK client
// and go-containerregistry against it, and so can yours: build an *acr.Client from Start,
// hand it to replication (HarborClients, Verifier) or failover (PrivateZoneTarget,
// VPCTarget take it as their Endpoints), and check the result with Namespaces and Tags.
// WithClock (a clock.Clock, e.g. clocktest.Fake) and WithTokenTTL make token expiry
// testable without waiting. Options panic on invalid values (a nil clock, a TTL ≤ 0).
package acrtest
