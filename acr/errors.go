package acr

import (
	"errors"

	"github.com/regdr/regdr/internal/aliyun"
)

// Sentinels matched with errors.Is on every error of this package. They are the shared
// Alibaba Cloud sentinels, so an error from acr also matches the dns providers' ones.
var (
	ErrNotFound        = aliyun.ErrNotFound        // NAMESPACE_NOT_EXIST, REPO_NOT_EXIST, 404…
	ErrUnauthorized    = aliyun.ErrUnauthorized    // bad AccessKey, signature, forbidden
	ErrThrottled       = aliyun.ErrThrottled       // Throttling.*, 429
	ErrConflict        = aliyun.ErrConflict        // NAMESPACE_ALREADY_EXIST, duplicates
	ErrInvalidArgument = aliyun.ErrInvalidArgument // refused input, before or by the API
	ErrServer          = aliyun.ErrServer          // 5xx
	ErrNetwork         = aliyun.ErrNetwork         // no answer
)

// Error is a failed API call: operation, HTTP status (200 for an IsSuccess:false answer),
// remote code, message and request ID.
type Error = aliyun.Error

// CloudConfig is the Alibaba Cloud client configuration: Region, Endpoint (override, e.g.
// an emulator's "127.0.0.1:port"), PlainHTTP, Credentials (nil = the credentials-go
// default chain), timeouts and Retry.
type CloudConfig = aliyun.Config

// Credentials is a static AccessKey, optionally with an STS token; it never prints its
// secret.
type Credentials = aliyun.Credentials

// Retry says how throttled, 5xx and failed calls are retried.
type Retry = aliyun.Retry

// ErrUserNotActivated is cr's USER_NOT_EXIST: the caller is a RAM user that Container
// Registry has never seen. Errors that wrap it also match ErrUnauthorized and carry the
// *Error. Source: https://github.com/aliyun/aliyun-cli/issues/232 and
// https://github.com/aliyun/acr-login/issues/19 (USER_NOT_EXIST, HTTP 404, on the older
// 2016 API; the code EE answers today is unconfirmed).
var ErrUserNotActivated = errors.New("the RAM user has not been activated in ACR: log in to the ACR console once with it, or set its registry password (USER_NOT_EXIST)")
