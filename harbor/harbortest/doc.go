// Package harbortest is an emulated Harbor v2.13 to test against: an
// http.Handler that speaks Harbor's API v2.0 and its registry's /v2/ protocol at
// the wire level, so that the real go-client, regdr's harbor package, or any
// other Harbor client can be exercised end to end on loopback. In a test, one line
// serves it and returns a client logged in as the administrator, with cleanup registered:
//
//	c, srv := harbortest.Start(t) // admin / Harbor12345, public project "library"
//
// New returns the bare http.Handler, to serve yourself (httptest.NewServer(srv); Close
// both when done).
//
// What it serves:
//
//   - /api/v2.0/: registry endpoints (create and update check the endpoint's
//     health; ping really contacts <url>/v2/ and logs in with the credential;
//     stored secrets are masked), replication policies, executions and tasks
//     with logs, projects, repositories and artifacts — shaped as Harbor's
//     swagger spec says, with pagination (page, page_size ≤ 100, X-Total-Count,
//     Link), Location headers and Harbor's {"errors":[...]} bodies;
//   - /v2/: an OCI registry (go-containerregistry's pkg/registry) behind
//     Harbor's token auth: an anonymous request is answered 401 with
//     `WWW-Authenticate: Bearer realm="<url>/service/token",service="harbor-registry"`
//     (and the scope it needs), and GET /service/token issues signed JWTs that
//     expire (WithTokenExpiration, WithClock) and grant, per project named in
//     the scopes, what the caller may do there — whatever was asked; basic
//     credentials are accepted directly too, as Harbor accepts them. Projects
//     are the first path component: a project that does not exist is refused,
//     anonymous pulls work for public projects, the catalog is for the
//     administrator's basic credentials only, and every manifest pushed
//     becomes an artifact visible through the API
//     (digest, media type, size, tags, an index's children, cosign
//     sha256-<hex>.sig tags and OCI subject referrers as accessories);
//   - replication that really copies: an execution selects artifacts with the
//     policy's filters, flattens names with dest_namespace and
//     dest_namespace_replace_count, throttles to speed (per blob, as Harbor),
//     and copies byte for byte
//     to the endpoint with its credential (TLS verified unless the endpoint is
//     insecure; see WithEndpointTransport), recording a task per repository
//     with a log. Event-based policies run when an artifact is pushed. Only push
//     replication (source = this Harbor) is emulated.
//
// To push, use the server's host as the registry:
//
//	ref, _ := name.ParseReference(srv.Host() + "/library/nginx:1.25")
//	err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "admin", Password: "Harbor12345"}))
//
// The replication rules (filters and their validation, decorations, name
// flattening, speed) are harbortest's own, written from Harbor's source and
// citing it (rules.go, speed.go); harbortest does not import regdr's
// replication package, and its tests compare the two. Every API exchange in
// its tests and the harbor package's is checked against Harbor's v2.13.1
// swagger (package spectest).
//
// Seeding: WithProject, AddProject, AddLabel, WithUser, WithAdmin. Knobs:
// SetEndpointDown (requests to an endpoint fail as if nothing listened),
// SetEndpointFault and WithEndpointFault (wrong credentials, a dropped
// connection, a wrong provider type: see EndpointFault for what Harbor
// answers), FailTasks, HoldExecutions. Inspection: Repositories, Artifacts, Executions.
// Synchronisation: WaitExecutions, WithSyncExecutions.
//
// # Concurrency
//
// A Server is safe for concurrent use. Executions run in their own goroutines
// (unless WithSyncExecutions); Close stops them and waits.
//
// # Testing
//
// Start returns a ready *harbor.Client; point go-client, or any other Harbor client, at
// srv.URL() with DefaultAdmin and DefaultPassword. Options are checked: one that cannot
// be honoured (WithClock(nil), WithTokenExpiration(0)...) fails Start, and makes New
// panic, with ErrInvalidOption. Tests never need to
// sleep: WaitExecutions returns when no execution runs, WithSyncExecutions
// runs each execution to its end before answering, and HoldExecutions keeps a
// new execution InProgress until released. Replication into an ACR EE emulator
// (package acr/acrtest) copies over real HTTP on loopback.
package harbortest
