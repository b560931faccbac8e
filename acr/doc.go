// Package acr is a typed client of one Alibaba Cloud Container Registry Enterprise
// Edition (ACR EE) instance, over the cr-20181201 OpenAPI SDK, for what regdr needs:
//
//   - namespaces: Get, List, Create, Update and the idempotent EnsureNamespace (the
//     runbook's step 1: auto-create repository ON, default repository type PRIVATE),
//     which reports what it changed;
//   - the instance, its internet and VPC endpoints with their SYSTEM and USER (custom)
//     domains, the VPC IPs of linked VPCs (GetVPCEndpoint), and custom domains
//     (Create/Get/UpdateCustomDomain, called through the SDK's generic CallApi since the
//     SDK lacks them);
//   - repositories and their tags with digests, all pages;
//   - ACR EE's own instance-to-instance sync rules (CreateSyncRule, ListSyncRules) and
//     tasks (ListSyncTasks, GetSyncTask), for replicating onward between instances;
//   - registry login: GetAuthorizationToken's temporary credentials as a
//     go-containerregistry authn.Authenticator that refreshes them before they expire
//     (Client.Authenticator), or the instance's fixed password (Basic).
//
// Construct a client with New(Config{InstanceID, Cloud: CloudConfig{Region, Credentials}}).
// Credentials nil uses the credentials-go default chain. Calls have timeouts and retry
// throttling, 5xx and network failures (Cloud.Retry).
//
// Both failure shapes of the API become an *Error (operation, HTTP status, code,
// message, request ID): HTTP 4xx/5xx answers, and HTTP 200 answers with IsSuccess:false
// such as NAMESPACE_NOT_EXIST. Match them with errors.Is against ErrNotFound,
// ErrUnauthorized, ErrThrottled, ErrConflict, ErrInvalidArgument, ErrServer and
// ErrNetwork. Inputs are validated before the first call. No secret (AccessKey secret,
// STS token, registry password) appears in an error, a log line or a printed value.
// SDK types never appear in this package's API.
//
// # Concurrency
//
// A Client, and the authenticator it returns, are safe for concurrent use.
//
// # Testing
//
// Package acr/acrtest emulates ACR EE on loopback: the cr OpenAPI (signatures verified)
// and the instance's registry with ACR's auth and namespace rules. Point Cloud.Endpoint
// at it with Cloud.PlainHTTP, and push through its Registry handler.
package acr
