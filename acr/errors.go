package acr

import (
	"errors"

	"github.com/regdr/regdr/alicloud"
)

// Sentinels matched with errors.Is on every error of this package. They are the
// alicloud sentinels (the same values), so code that handles ACR and DNS errors alike can
// match alicloud.ErrNotFound…; the failed call itself is an *alicloud.Error (operation,
// HTTP status, remote code, request ID), reached with errors.As.
var (
	ErrNotFound        = alicloud.ErrNotFound        // NAMESPACE_NOT_EXIST, REPO_NOT_EXIST, 404…
	ErrUnauthorized    = alicloud.ErrUnauthorized    // bad AccessKey, signature, forbidden
	ErrThrottled       = alicloud.ErrThrottled       // Throttling.*, 429
	ErrConflict        = alicloud.ErrConflict        // NAMESPACE_ALREADY_EXIST, duplicates
	ErrInvalidArgument = alicloud.ErrInvalidArgument // refused input, before or by the API
	ErrServer          = alicloud.ErrServer          // 5xx
	ErrNetwork         = alicloud.ErrNetwork         // no answer
)

// ErrUserNotActivated is cr's USER_NOT_EXIST: the caller is a RAM user that Container
// Registry has never seen. Errors that wrap it also match ErrUnauthorized and carry the
// *alicloud.Error. Source: https://github.com/aliyun/aliyun-cli/issues/232 and
// https://github.com/aliyun/acr-login/issues/19 (USER_NOT_EXIST, HTTP 404, on the older
// 2016 API; the code EE answers today is unconfirmed).
var ErrUserNotActivated = errors.New("the RAM user has not been activated in ACR: log in to the ACR console once with it, or set its registry password (USER_NOT_EXIST)")
