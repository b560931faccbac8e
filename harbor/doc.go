// Package harbor is a typed client for the Harbor API v2.0 (Harbor v2.13),
// covering what regdr's runbook needs: registry endpoints (create, update,
// test connection), replication policies, executions and their tasks, and the
// content of projects, repositories and artifacts.
//
// Construct a [Client] with [New](url, [WithBasicAuth](user, password)); other
// options set the transport, TLS, timeout and logger. Then, in the runbook's
// order:
//
//   - registry endpoints ([Registry], [Client.PingRegistry] — Harbor's "test
//     connection" —, [Client.CreateRegistry], [Client.UpdateRegistry]; step 2);
//   - replication policies ([Policy], [Filter], [Trigger],
//     [Client.CreatePolicy], [Client.UpdatePolicy], [Client.GetPolicyByName];
//     step 3, with [Flatten1Level] and [TriggerEventBased]);
//   - executions ([Client.StartExecution], [Client.Wait] until it ends,
//     [Client.ListTasks], [Client.TaskLog], [Client.StopExecution]);
//   - content ([Client.ListProjects], [Client.ListRepositories],
//     [Client.ListArtifacts] with tags, labels and accessories), which
//     replication lists to verify ACR EE and to sync directly.
//
// It wraps github.com/goharbor/go-client behind small interfaces ([Registries],
// [Policies], [Executions], [Content]), all implemented by *Client, with
// regdr's own types: no go-client type appears in this package's API. It also
// steers around go-client's traps:
//
//   - TLS is verified unless [WithInsecureSkipVerify] is given (go-client's own
//     constructors skip verification);
//   - the DEBUG / SWAGGER_DEBUG environment variables, which make go-client dump
//     every request with its Authorization header, are ignored;
//   - a trailing slash in the URL is tolerated;
//   - nested repository names ("library/a/b") are escaped once, since go-client
//     escapes them again and Harbor expects them escaped twice;
//   - new IDs are read from the Location header, the only place Harbor gives them;
//   - a policy update sends every field (PUT replaces the whole policy), always
//     sends dest_namespace_replace_count (Harbor stores an omitted one as -1),
//     and writes deletion replication to both the deprecated `deletion` field
//     (the one Harbor reads) and `replicate_deletion`;
//   - error bodies are read even for statuses the spec does not declare;
//   - a redirect to another scheme or host fails with [ErrRedirect] (net/http
//     would re-send the Basic password to the same host over plain HTTP, and to
//     its subdomains), with [WithHTTPClient] too.
//
// # Errors
//
// Errors answered by Harbor are *[APIError] values, matched with errors.Is
// against [ErrNotFound], [ErrUnauthorized], [ErrForbidden], [ErrConflict],
// [ErrBadRequest] and [ErrServer]. Invalid arguments fail with
// [ErrInvalidArgument] before any request. Wait ends with [ErrExecutionFailed]
// or [ErrStopped] when the execution does. Credentials never appear in errors
// or logs: secrets are of type [Secret], which redacts itself.
//
// # Concurrency
//
// A *Client is safe for concurrent use. Wait blocks its caller only, and rides out
// transient poll failures (transport errors, 5xx, 429) with WaitOptions.Retry (a retry.Policy applied to
// each poll); progress is reported through the callback in [WaitOptions], from Wait's goroutine.
// Other calls are not retried.
//
// # Testing
//
// Package harbortest is a Harbor emulator (API and registry, with executions
// that really copy) to serve with httptest.NewServer; this package is tested
// against it over real HTTP, and so can code built on it — one line starts it and
// returns a Client logged in as its administrator, with cleanup registered:
//
//	c, srv := harbortest.Start(t, harbortest.WithProject("test-project", false))
//
// Wait takes a clock.Clock in WaitOptions (clocktest.Fake in tests), so tests never sleep.
package harbor
