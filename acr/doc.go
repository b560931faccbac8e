// Package acr is a typed client of one Alibaba Cloud Container Registry Enterprise
// Edition (ACR EE) instance, over the cr-20181201 OpenAPI SDK, for what regdr needs.
//
// Construct a [Client] with [New]([Config]{InstanceID, Cloud: alicloud.Config{Region,
// Credentials}}): alicloud.Config holds what regdr's Alibaba Cloud clients share. A nil
// Credentials uses the credentials-go default chain (ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN, profiles, an ECS RAM
// role, OIDC). Calls have timeouts and retry throttling, 5xx and network failures
// (Cloud.Retry, a retry.Policy, waited on Cloud.Clock). Then, in the runbook's order:
//
//   - namespaces: [Client.GetNamespace], [Client.ListNamespaces], [Client.CreateNamespace],
//     [Client.UpdateNamespace] and the idempotent [Client.EnsureNamespace] (step 1:
//     auto-create repository ON, default repository type PRIVATE), which reports what it
//     changed ([NamespaceChange]);
//   - the instance ([Client.GetInstance]), its internet and VPC endpoints with their SYSTEM
//     and USER (custom) domains ([Client.ListEndpoints], [Client.GetEndpoint]), the VPC IPs
//     of linked VPCs ([Client.GetVPCEndpoint]), and the two answers failover needs,
//     [Client.PublicDomain] and [Client.VPCAddress] (so *Client is a failover.Endpoints);
//   - custom domains ([Client.CreateCustomDomain], [Client.GetCustomDomain],
//     [Client.UpdateCustomDomain]), called through the SDK's generic CallApi since the SDK
//     lacks them;
//   - repositories (Enterprise Edition multi-tier names included) and their tags with
//     digests as "sha256:<hex>" (ListRepoTag answers bare hex; [NormalizeDigest]), the
//     image size and ID, all pages ([Client.ListRepositories],
//     [Client.GetRepository], [Client.ListTags], [Client.TagsOf] by path), which
//     replication's Verifier compares with Harbor;
//   - registry login: GetAuthorizationToken's temporary credentials as a
//     go-containerregistry authn.Authenticator that refreshes them [RefreshMargin] before
//     they expire ([Client.Authenticator], [TokenAuthenticator]), or the instance's fixed
//     password ([Basic]);
//   - ACR EE's own instance-to-instance sync rules ([Client.CreateSyncRule],
//     [Client.ListSyncRules]) and tasks ([Client.ListSyncTasks], [Client.GetSyncTask]), for
//     replicating onward between instances.
//
// Code that needs only part of this declares it as one of the small interfaces *Client
// satisfies: [Namespaces], [NamespaceEnsurer], [Endpoints], [EndpointResolver],
// [Repositories], [TagLister], [Auth].
//
// # Errors
//
// Both failure shapes of the API become an *alicloud.Error (operation, HTTP status,
// code, message, request ID): HTTP 4xx/5xx answers, and HTTP 200 answers with
// IsSuccess:false such as NAMESPACE_NOT_EXIST. The type belongs to package alicloud, not
// acr, so that the DNS providers' errors are the same type. Match errors with errors.Is
// against [ErrNotFound], [ErrUnauthorized], [ErrThrottled], [ErrConflict],
// [ErrInvalidArgument], [ErrServer] and [ErrNetwork] — the alicloud sentinels under
// this package's names. Inputs are validated before the first call (ErrInvalidArgument).
// USER_NOT_EXIST — a RAM user never activated in ACR — also matches
// [ErrUserNotActivated], whose text names the cause and the fix. No secret (AccessKey
// secret, STS token, registry password) appears in an error, a log line or a printed
// value. No SDK type appears in this package's API.
//
// # Cancellation
//
// The cr SDK takes no context, so an HTTP exchange cannot be stopped mid-flight. Every
// method still returns as soon as its ctx ends, with ctx's error; the exchange goes on in
// the background until it ends by itself, bounded by Cloud.ConnectTimeout +
// Cloud.ReadTimeout (35s by default). A write whose ctx ended may therefore still take
// effect: read the state back (the Ensure… methods do) before trusting either outcome.
//
// # Concurrency
//
// A Client, and the authenticator it returns, are safe for concurrent use: each call takes
// an SDK client of its own from a pool, so concurrent calls run in parallel.
//
// # Testing
//
// Package acr/acrtest emulates ACR EE on loopback: the cr OpenAPI (signatures verified,
// both failure shapes reproduced) and the instance's registry with ACR's auth and
// namespace rules. acrtest.Start serves both for the length of a test, and its Cloud
// points a client at them:
//
//	c, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: acrtest.Start(t).Cloud})
//
// Set Cloud.Clock to a clocktest.Fake (and acrtest.WithClock to the same clock) to test
// token refresh and retries without waiting.
package acr
