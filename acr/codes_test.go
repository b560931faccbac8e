package acr_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
)

// cr's real codes come out as the acr sentinels in both shapes cr answers them: HTTP 200
// with IsSuccess false (what acrtest answers by itself) and an HTTP error. Sources: aliyun/
// terraform-provider-alicloud alicloud/service_alicloud_cr_ee.go reads INSTANCE_NOT_EXIST,
// NAMESPACE_NOT_EXIST and REPO_NOT_EXIST both from !IsSuccess answers (wrapCrServiceError)
// and from SDK errors (IsExpectedErrors); the cr-20181201 SDK's response bodies carry Code,
// IsSuccess and RequestId, no Message.
func TestRealErrorCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "team"}); err != nil {
		t.Fatal(err)
	}
	other := e.cfg
	other.InstanceID = "cri-nope"
	stranger, err := acr.New(other)
	if err != nil {
		t.Fatal(err)
	}

	// IsSuccess:false, as the emulator answers unknown things.
	for _, tc := range []struct {
		name string
		call func(context.Context) error
		code string
	}{
		{"unknown instance", func(c context.Context) error { _, err := stranger.GetInstance(c); return err }, "INSTANCE_NOT_EXIST"},
		{"unknown namespace", func(c context.Context) error { _, err := e.client.GetNamespace(c, "nope"); return err }, "NAMESPACE_NOT_EXIST"},
		{"unknown repository", func(c context.Context) error { _, err := e.client.GetRepository(c, "team/nope"); return err }, "REPO_NOT_EXIST"},
	} {
		err := tc.call(ctxT(t))
		var ae *alicloud.Error
		if !errors.Is(err, acr.ErrNotFound) || !errors.As(err, &ae) || ae.Code != tc.code || ae.StatusCode != 200 || ae.RequestID == "" || ae.Message != "" {
			t.Errorf("%s = %v, want ErrNotFound: HTTP 200 %s with a request ID and no message", tc.name, err, tc.code)
		}
	}

	// The same codes, and the common ones, as HTTP errors.
	for _, tc := range []struct {
		action, code string
		status       int
		want         error
	}{
		{"GetNamespace", "NAMESPACE_NOT_EXIST", 400, acr.ErrNotFound},
		{"GetRepository", "REPO_NOT_EXIST", 400, acr.ErrNotFound},
		{"GetInstance", "INSTANCE_NOT_EXIST", 400, acr.ErrNotFound},
		// Common codes (terraform-provider-alicloud alicloud/errors.go ThrottlingUser;
		// Forbidden.RAM 403 as public clients log it).
		{"GetNamespace", "Throttling.User", 400, acr.ErrThrottled},
		{"GetNamespace", "Forbidden.RAM", 403, acr.ErrUnauthorized},
		{"GetInstance", "ServiceUnavailable", 503, acr.ErrServer},
	} {
		call := map[string]func(context.Context) error{
			"GetNamespace":  func(c context.Context) error { _, err := e.client.GetNamespace(c, "team"); return err },
			"GetRepository": func(c context.Context) error { _, err := e.client.GetRepository(c, "team/app"); return err },
			"GetInstance":   func(c context.Context) error { _, err := e.client.GetInstance(c); return err },
		}[tc.action]
		n := 1
		if errors.Is(tc.want, acr.ErrThrottled) || errors.Is(tc.want, acr.ErrServer) {
			n = e.cfg.Cloud.Retry.Attempts // retried: fail every attempt
		}
		e.srv.FailNext(tc.action, n, tc.status, tc.code)
		err := call(ctxT(t))
		var ae *alicloud.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ae) || ae.Code != tc.code || ae.StatusCode != tc.status {
			t.Errorf("%s answered %d %s: %v, want %v with the code and status", tc.action, tc.status, tc.code, err, tc.want)
		}
	}
}
