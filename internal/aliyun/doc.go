// Package aliyun is the Alibaba Cloud OpenAPI plumbing shared by regdr's wrappers of the
// cr (ACR), pvtz (PrivateZone) and alidns SDKs. The public side — alicloud.Config,
// alicloud.Credentials, alicloud.Error and its sentinels — lives in package alicloud;
// this package turns a Config into the SDK's configuration ([OpenAPIConfig]: endpoint,
// plain HTTP for emulators, credentials — a static AccessKey, an STS token, or the
// credentials-go default chain, which the SDK does not use by itself —, timeouts the SDK
// lacks, [Runtime]), runs a call with retries on throttling, 5xx and network errors
// ([Do], a retry.Policy waited on a clock.Clock), runs a call that takes no context so
// that its caller can stop waiting ([Detached]), and converts both failure shapes of these
// APIs into *alicloud.Error: HTTP 4xx/5xx ([Convert]), and HTTP 200 with IsSuccess:false
// ([CheckSuccess]).
//
// Usage in a wrapper package:
//
//	oc, err := aliyun.OpenAPIConfig(cfg, "cr."+cfg.Region+".aliyuncs.com")
//	apis, err := aliyun.NewPool(func() (*cr.Client, error) { return cr.NewClient(oc) })
//	err = aliyun.Do(ctx, cfg.Clock, cfg.Retry, "GetNamespace", func() error {
//		return apis.Use(func(api *cr.Client) error {
//			resp, err := api.GetNamespaceWithOptions(req, aliyun.Runtime(cfg))
//			if err != nil {
//				return err // converted by Do
//			}
//			return aliyun.CheckSuccess("GetNamespace", resp.Body)
//		})
//	})
//
// Secrets never appear in an error, a log line or a formatted Credentials.
//
// # Concurrency
//
// Configurations are values; Do is safe for concurrent use. The SDK clients are not
// (darabonba-openapi keeps per-request state in the client): a wrapper holds them in a
// [Pool], which hands one client to one call at a time and creates more when all are busy,
// so the wrapper — acr.Client, the privatezone and alidns providers — is safe for
// concurrent use. Each OpenAPIConfig also installs its own HTTP client (the SDK's default
// one is shared process-wide and rewritten per request) and, for the default chain, a
// locked credential.
//
// # Testing
//
// Package internal/aliyuntest serves RPC OpenAPI emulators that verify the SDK's
// signatures; aliyuntest.InstantClock lets tests run retries without sleeping.
package aliyun
