package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/internal/aliyun"
)

var sentinels = []error{
	aliyun.ErrNotFound, aliyun.ErrUnauthorized, aliyun.ErrThrottled, aliyun.ErrConflict,
	aliyun.ErrInvalidArgument, aliyun.ErrServer, aliyun.ErrNetwork,
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status int
		code   string
		want   error
	}{
		{0, "", aliyun.ErrNetwork},
		// Throttling, by code (any status) or by 429.
		{400, "Throttling.User", aliyun.ErrThrottled},
		{400, "Throttling", aliyun.ErrThrottled},
		{503, "Throttling.Api", aliyun.ErrThrottled},
		{200, "FlowControl.Exceeded", aliyun.ErrThrottled},
		{429, "", aliyun.ErrThrottled},
		{0, "Throttling.User", aliyun.ErrThrottled},
		// Authentication and authorization.
		{404, "InvalidAccessKeyId.NotFound", aliyun.ErrUnauthorized}, // a code that also says NotFound
		{400, "SignatureDoesNotMatch", aliyun.ErrUnauthorized},
		{403, "Forbidden.RAM", aliyun.ErrUnauthorized},
		{400, "InvalidSecurityToken.Expired", aliyun.ErrUnauthorized},
		{200, "NoPermission", aliyun.ErrUnauthorized},
		{403, "AccessDenied", aliyun.ErrUnauthorized},
		{200, "USER_UNAUTHORIZED", aliyun.ErrUnauthorized},
		{404, "USER_NOT_EXIST", aliyun.ErrUnauthorized}, // a RAM user not activated in ACR, not a missing resource
		{401, "", aliyun.ErrUnauthorized},
		{403, "", aliyun.ErrUnauthorized},
		// Not found, including cr's HTTP 200 IsSuccess:false codes.
		{200, "NAMESPACE_NOT_EXIST", aliyun.ErrNotFound},
		{200, "REPO_NOT_EXIST", aliyun.ErrNotFound},
		{200, "INSTANCE_NOT_EXIST", aliyun.ErrNotFound},
		{400, "Zone.NotExists", aliyun.ErrNotFound},
		{400, "InvalidDomainName.NoExist", aliyun.ErrNotFound},
		{404, "InvalidAction.NotFound", aliyun.ErrNotFound},
		{400, "Record.NonExist", aliyun.ErrNotFound},
		{404, "", aliyun.ErrNotFound},
		{500, "NAMESPACE_NOT_EXIST", aliyun.ErrNotFound}, // codes win over statuses
		// Conflicts.
		{200, "NAMESPACE_ALREADY_EXIST", aliyun.ErrConflict},
		{400, "DomainRecordDuplicate", aliyun.ErrConflict},
		{400, "Zone.AlreadyExists", aliyun.ErrConflict},
		{409, "", aliyun.ErrConflict},
		// Server errors.
		{500, "InternalError", aliyun.ErrServer},
		{502, "", aliyun.ErrServer},
		{503, "ServiceUnavailable", aliyun.ErrServer},
		{200, "InternalError", aliyun.ErrServer},
		// Anything else the caller got wrong.
		{400, "InvalidParameter", aliyun.ErrInvalidArgument},
		{200, "InvalidParameter.PageSize", aliyun.ErrInvalidArgument},
		{400, "MissingInstanceId", aliyun.ErrInvalidArgument},
		{400, "SomethingElse", aliyun.ErrInvalidArgument},
		// Real product codes the generic rules got wrong (sources at knownCodes).
		{400, "System.Busy", aliyun.ErrServer},                   // pvtz; was ErrInvalidArgument
		{400, "Zone.Invalid.Id", aliyun.ErrNotFound},             // pvtz DescribeZoneInfo; was ErrInvalidArgument
		{400, "Zone.Invalid.UserId", aliyun.ErrNotFound},         // pvtz; was ErrInvalidArgument
		{400, "Record.Invalid.Conflict", aliyun.ErrConflict},     // pvtz AddZoneRecord; was ErrInvalidArgument
		{400, "IncorrectDomainUser", aliyun.ErrNotFound},         // Alidns; was ErrInvalidArgument
		{400, "DomainRecordNotBelongToUser", aliyun.ErrNotFound}, // Alidns; was ErrInvalidArgument
		{400, "IllegalUser", aliyun.ErrUnauthorized},             // Alidns, pvtz; was ErrInvalidArgument
		// Real codes the generic rules already got right, with where each was found.
		{400, "Zone.NotExists", aliyun.ErrNotFound},              // pvtz API metadata; terraform-provider-alicloud alicloud/errors.go
		{400, "ZoneVpc.NotExists.VpcId", aliyun.ErrNotFound},     // terraform-provider-alicloud alicloud/service_alicloud_pvtz.go
		{400, "DomainRecordDuplicate", aliyun.ErrConflict},       // Alidns UpdateDomainRecord/AddDomainRecord error tables
		{400, "DomainRecordConflict", aliyun.ErrInvalidArgument}, // same tables: clashes with other records
		{400, "Rejected.Throttling", aliyun.ErrThrottled},        // terraform-provider-alicloud NeedRetry
		{200, "INSTANCE_NOT_EXIST", aliyun.ErrNotFound},          // cr; terraform-provider-alicloud alicloud/service_alicloud_cr_ee.go wrapCrServiceError
		{400, "INSTANCE_NOT_EXIST", aliyun.ErrNotFound},          // same file: also an SDK error (IsExpectedErrors)
		// Answers that are none of these.
		{200, "", nil},
		{200, "success", nil},
		{200, "UNKNOWN", nil},
	} {
		if got := aliyun.Classify(tt.status, tt.code); got != tt.want {
			t.Errorf("Classify(%d, %q) = %v, want %v", tt.status, tt.code, got, tt.want)
		}
	}
}

func TestErrorIsAndTemporary(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err       *aliyun.Error
		want      error
		temporary bool
	}{
		{&aliyun.Error{Op: "GetNamespace", StatusCode: 200, Code: "NAMESPACE_NOT_EXIST"}, aliyun.ErrNotFound, false},
		{&aliyun.Error{Op: "ListRepoTag", StatusCode: 400, Code: "Throttling.User"}, aliyun.ErrThrottled, true},
		{&aliyun.Error{Op: "ListRepoTag", StatusCode: 503, Code: "ServiceUnavailable"}, aliyun.ErrServer, true},
		{&aliyun.Error{Op: "ListRepoTag", Err: errors.New("connection refused")}, aliyun.ErrNetwork, true},
		{&aliyun.Error{Op: "GetInstance", StatusCode: 403, Code: "Forbidden.RAM"}, aliyun.ErrUnauthorized, false},
		{&aliyun.Error{Op: "CreateNamespace", StatusCode: 200, Code: "NAMESPACE_ALREADY_EXIST"}, aliyun.ErrConflict, false},
		{&aliyun.Error{Op: "CreateNamespace", StatusCode: 400, Code: "InvalidParameter"}, aliyun.ErrInvalidArgument, false},
	} {
		wrapped := fmt.Errorf("outer: %w", tt.err)
		for _, s := range sentinels {
			if got := errors.Is(wrapped, s); got != (s == tt.want) {
				t.Errorf("errors.Is(%v, %v) = %v", tt.err, s, got)
			}
		}
		if got := tt.err.Temporary(); got != tt.temporary {
			t.Errorf("%v: Temporary() = %v, want %v", tt.err, got, tt.temporary)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  *aliyun.Error
		want string
	}{
		{&aliyun.Error{Op: "GetNamespace", StatusCode: 200, Code: "NAMESPACE_NOT_EXIST", Message: "namespace not exist", RequestID: "RID-1"},
			"GetNamespace: NAMESPACE_NOT_EXIST (HTTP 200, request RID-1): namespace not exist"},
		{&aliyun.Error{Op: "GetNamespace", StatusCode: 500, Code: "InternalError"}, "GetNamespace: InternalError (HTTP 500)"},
		{&aliyun.Error{Op: "GetNamespace", Err: errors.New("dial tcp: connection refused")}, "GetNamespace: dial tcp: connection refused"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

const (
	secretKey = "s3cr3t-never-printed"
	stsToken  = "sts-token-never-printed"
)

func TestConvert(t *testing.T) {
	t.Parallel()
	signedURL := "http://127.0.0.1:1/?AccessKeyId=LTAI-x&Signature=c2lnbmF0dXJl&SecurityToken=" + stsToken
	for _, tt := range []struct {
		name             string
		in               error
		status           int
		code, msg, reqID string
		want             error
	}{
		{
			name: "tea.SDKError from an error body",
			in: tea.NewSDKError(map[string]any{
				"code": "Throttling.User", "statusCode": 400, "message": "code: 400, Request was denied request id: RID-7",
				"data": map[string]any{"statusCode": 400, "RequestId": "RID-7", "Code": "Throttling.User", "Message": "Request was denied due to user flow control."},
			}),
			status: 400, code: "Throttling.User", msg: "Request was denied due to user flow control.", reqID: "RID-7", want: aliyun.ErrThrottled,
		},
		{
			name:   "tea.SDKError without data keeps its message",
			in:     tea.NewSDKError(map[string]any{"code": "InternalError", "statusCode": 500, "message": "backend failed"}),
			status: 500, code: "InternalError", msg: "backend failed", want: aliyun.ErrServer,
		},
		{
			name: "tea.SDKError wrapped",
			in: fmt.Errorf("calling: %w", tea.NewSDKError(map[string]any{
				"code": "SignatureDoesNotMatch", "statusCode": 400,
				"data": map[string]any{"RequestId": "RID-8", "Message": "Specified signature is not matched with our calculation."},
			})),
			status: 400, code: "SignatureDoesNotMatch", msg: "Specified signature is not matched with our calculation.", reqID: "RID-8", want: aliyun.ErrUnauthorized,
		},
		{
			name:   "tea.SDKError without an answer loses the signed query",
			in:     tea.NewSDKError(map[string]any{"message": `Post "` + signedURL + `": dial tcp 127.0.0.1:1: connect: connection refused`}),
			status: 0, want: aliyun.ErrNetwork,
		},
		{
			name: "dara.SDKError",
			in: dara.NewSDKError(map[string]any{
				"code": "NAMESPACE_NOT_EXIST", "statusCode": 200,
				"data": map[string]any{"RequestId": "RID-9", "Message": "namespace not exist"},
			}),
			status: 200, code: "NAMESPACE_NOT_EXIST", msg: "namespace not exist", reqID: "RID-9", want: aliyun.ErrNotFound,
		},
		{
			name: "darabonba-openapi ThrottlingError",
			in: &openapi.ThrottlingError{StatusCode: tea.Int(400), Code: tea.String("Throttling.Api"),
				Data: map[string]any{"RequestId": "RID-10", "Message": "slow down"}},
			status: 400, code: "Throttling.Api", msg: "slow down", reqID: "RID-10", want: aliyun.ErrThrottled,
		},
		{
			name: "darabonba-openapi ClientError with the request ID outside its data",
			in: &openapi.ClientError{StatusCode: tea.Int(404), Code: tea.String("Zone.NotExists"), RequestId: tea.String("RID-11"),
				Data: map[string]any{"Message": "zone not exists"}},
			status: 404, code: "Zone.NotExists", msg: "zone not exists", reqID: "RID-11", want: aliyun.ErrNotFound,
		},
		{
			name: "darabonba-openapi ServerError",
			in: &openapi.ServerError{StatusCode: tea.Int(503), Code: tea.String("ServiceUnavailable"),
				Data: map[string]any{"requestId": "RID-12", "message": "try later"}},
			status: 503, code: "ServiceUnavailable", msg: "try later", reqID: "RID-12", want: aliyun.ErrServer,
		},
		{
			name: "a transport error loses the signed query",
			in:   &url.Error{Op: "Post", URL: signedURL, Err: errors.New("connection refused")},
			want: aliyun.ErrNetwork,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := aliyun.Convert("Op", tt.in)
			var e *aliyun.Error
			if !errors.As(err, &e) {
				t.Fatalf("Convert = %T %v, want *aliyun.Error", err, err)
			}
			if strings.Contains(fmt.Sprintf("%+v", *e), "Signature=") {
				t.Errorf("%%+v of the error shows the signed query: %+v", *e)
			}
			if e.Op != "Op" || e.StatusCode != tt.status || e.Code != tt.code || e.Message != tt.msg || e.RequestID != tt.reqID {
				t.Errorf("Convert = %+v, want status %d code %q message %q request %q", *e, tt.status, tt.code, tt.msg, tt.reqID)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.want)
			}
			for _, leak := range []string{"Signature=", stsToken, secretKey, "c2lnbmF0dXJl"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("Error() = %q shows %q", err.Error(), leak)
				}
			}
			if tt.code != "" && !strings.Contains(err.Error(), tt.code) {
				t.Errorf("Error() = %q lacks the code %q", err.Error(), tt.code)
			}
			if tt.reqID != "" && !strings.Contains(err.Error(), tt.reqID) {
				t.Errorf("Error() = %q lacks the request ID %q", err.Error(), tt.reqID)
			}
		})
	}
}

func TestConvertKeeps(t *testing.T) {
	t.Parallel()
	if err := aliyun.Convert("Op", nil); err != nil {
		t.Errorf("Convert(nil) = %v", err)
	}
	orig := &aliyun.Error{Op: "First", StatusCode: 200, Code: "REPO_NOT_EXIST"}
	if got := aliyun.Convert("Second", orig); got != error(orig) {
		t.Errorf("Convert(*Error) = %v, want it unchanged", got)
	}
	wrapped := fmt.Errorf("context: %w", orig)
	if got := aliyun.Convert("Second", wrapped); got != wrapped {
		t.Errorf("Convert(wrapped *Error) = %v, want it unchanged", got)
	}
	// A transport error stays reachable, even redacted.
	ue := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/?Signature=x", Err: context.DeadlineExceeded}
	err := aliyun.Convert("Op", ue)
	var got *url.Error
	if !errors.As(err, &got) || got != ue || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Convert(%v) = %v: the *url.Error and its cause are lost", ue, err)
	}
	if err := aliyun.Convert("Op", context.Canceled); !errors.Is(err, context.Canceled) || !errors.Is(err, aliyun.ErrNetwork) {
		t.Errorf("Convert(context.Canceled) = %v, want canceled and network", err)
	}
}

func TestCheckSuccess(t *testing.T) {
	t.Parallel()
	type plain struct {
		IsSuccess bool
		Code      string
		Message   string
		RequestId string // the SDK's spelling
	}
	type noFlag struct{ Code *string }
	var nilBody *cr.GetNamespaceResponseBody
	for _, tt := range []struct {
		name string
		body any
		want *aliyun.Error // nil: success
	}{
		{"cr body IsSuccess:false", &cr.GetNamespaceResponseBody{IsSuccess: tea.Bool(false), Code: tea.String("NAMESPACE_NOT_EXIST"),
			RequestId: tea.String("RID-1")}, &aliyun.Error{Op: "Op", StatusCode: 200, Code: "NAMESPACE_NOT_EXIST", RequestID: "RID-1"}},
		{"cr body IsSuccess:true", &cr.GetNamespaceResponseBody{IsSuccess: tea.Bool(true), Code: tea.String("success")}, nil},
		{"cr body IsSuccess unset", &cr.GetNamespaceResponseBody{Code: tea.String("success")}, nil},
		{"nil body", nilBody, nil},
		{"nil", nil, nil},
		{"not a struct", "IsSuccess:false", nil},
		{"no IsSuccess field", &noFlag{Code: tea.String("NAMESPACE_NOT_EXIST")}, nil},
		{"struct value, plain fields", plain{IsSuccess: false, Code: "InvalidParameter", Message: "bad page", RequestId: "RID-2"},
			&aliyun.Error{Op: "Op", StatusCode: 200, Code: "InvalidParameter", Message: "bad page", RequestID: "RID-2"}},
		{"IsSuccess:false without a code", &plain{}, &aliyun.Error{Op: "Op", StatusCode: 200, Code: "UNKNOWN"}},
	} {
		err := aliyun.CheckSuccess("Op", tt.body)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: CheckSuccess = %v, want nil", tt.name, err)
			}
			continue
		}
		var e *aliyun.Error
		if !errors.As(err, &e) || *e != *tt.want {
			t.Errorf("%s: CheckSuccess = %#v, want %#v", tt.name, err, tt.want)
		}
	}
	err := aliyun.CheckSuccess("GetNamespace", &cr.GetNamespaceResponseBody{IsSuccess: tea.Bool(false), Code: tea.String("NAMESPACE_NOT_EXIST")})
	if !errors.Is(err, aliyun.ErrNotFound) {
		t.Errorf("NAMESPACE_NOT_EXIST: errors.Is(%v, ErrNotFound) = false", err)
	}
}
