package aliyun

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// Sentinels matched by errors.Is on an *Error.
var (
	ErrNotFound        = errors.New("not found")
	ErrUnauthorized    = errors.New("unauthorized")
	ErrThrottled       = errors.New("throttled")
	ErrConflict        = errors.New("already exists")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrServer          = errors.New("server error")
	// ErrNetwork: the call did not get an answer (connection refused, reset, timeout).
	ErrNetwork = errors.New("network error")
)

// Error is a failed Alibaba Cloud API call: HTTP 4xx/5xx, HTTP 200 with IsSuccess:false, or
// no answer at all (StatusCode 0, Err set).
type Error struct {
	Op         string // the API action, e.g. "GetNamespace"
	StatusCode int    // HTTP status; 200 for an IsSuccess:false answer; 0 without an answer
	Code       string // the remote code, e.g. "NAMESPACE_NOT_EXIST"
	Message    string
	RequestID  string
	Err        error // the transport error when there was no answer
}

func (e *Error) Error() string {
	if e.StatusCode == 0 && e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	s := fmt.Sprintf("%s: %s (HTTP %d", e.Op, e.Code, e.StatusCode)
	if e.RequestID != "" {
		s += ", request " + e.RequestID
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is maps the remote code and status to the package's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound, ErrUnauthorized, ErrThrottled, ErrConflict, ErrInvalidArgument, ErrServer, ErrNetwork:
		return Classify(e.StatusCode, e.Code) == target
	}
	return false
}

// Temporary reports whether retrying the call may succeed: throttling, 5xx, no answer.
func (e *Error) Temporary() bool {
	switch Classify(e.StatusCode, e.Code) {
	case ErrThrottled, ErrServer, ErrNetwork:
		return true
	}
	return false
}

// knownCodes are product codes whose meaning the generic rules of Classify would get
// wrong, each checked against public documentation or SDK-based sources (cited). Codes
// the generic rules already get right are listed in the tests, with their sources.
var knownCodes = map[string]error{
	// PrivateZone: "try again" answers. terraform-provider-alicloud retries them like
	// Throttling.User (aliyun/terraform-provider-alicloud alicloud/service_alicloud_pvtz.go,
	// DescribePvtzZoneRecord; alicloud/errors.go PvtzSystemBusy = "System.Busy").
	"System.Busy": ErrServer,
	// PrivateZone: the zone does not exist. DescribeZoneInfo documents 400 Zone.Invalid.Id
	// "Zone id is invalid." (pvtz 2018-01-01 API metadata, DescribeZoneInfo errorCodes);
	// terraform-provider-alicloud reads Zone.Invalid.Id and Zone.Invalid.UserId as "zone not
	// found" (alicloud/service_alicloud_pvtz.go, DescribePvtzZoneBasic).
	"Zone.Invalid.Id":     ErrNotFound,
	"Zone.Invalid.UserId": ErrNotFound,
	// PrivateZone: AddZoneRecord's answer for a record that already exists; terraform-
	// provider-alicloud then looks the identical record up (alicloud/errors.go
	// RecordInvalidConflict = "Record.Invalid.Conflict"; resource_alicloud_pvtz_zone_record.go).
	"Record.Invalid.Conflict": ErrConflict,
	// Alidns: "The domain name does not belong to this user." (400, AddDomainRecord error
	// codes: help-w.com/microsoft/windows/1498112608.html, a copy of Alibaba Cloud's
	// "添加解析记录" API page: "域名在本账户下不存在", the domain is not in this account).
	"IncorrectDomainUser": ErrNotFound,
	// Alidns: "The domain record does not belong to this user." (400, UpdateDomainRecord
	// error codes: help-w.com/mix/1547615208_zh.html, "解析记录在本账户下不存在").
	"DomainRecordNotBelongToUser": ErrNotFound,
	// "The user ID is illegal." / "The user ID is not authorized" (400; Alidns
	// UpdateBatchDomainRecords, jp.alibabacloud.com/help/doc-detail/34321.htm; also in
	// PrivateZone DescribeZoneInfo's errorCodes).
	"IllegalUser": ErrUnauthorized,
	// cr: a RAM user that was never activated in Container Registry (never opened the ACR
	// console, no registry password) asks for a token: USER_NOT_EXIST, HTTP 404 on the older
	// API (https://github.com/aliyun/aliyun-cli/issues/232, https://github.com/aliyun/acr-login/
	// issues/19; fact pack cr.md, GetAuthorizationToken). It is an identity problem, not a
	// missing resource: the generic rule would call it ErrNotFound.
	"USER_NOT_EXIST": ErrUnauthorized,
}

// Classify maps an HTTP status and an Alibaba Cloud error code to a sentinel (nil when none
// fits). Codes win over statuses: cr answers HTTP 200 with NAMESPACE_NOT_EXIST.
func Classify(status int, code string) error {
	if s, ok := knownCodes[code]; ok {
		return s
	}
	c := strings.ToLower(code)
	switch {
	case status == 0 && code == "":
		return ErrNetwork
	case strings.Contains(c, "throttling") || strings.Contains(c, "flowcontrol") || status == 429:
		return ErrThrottled
	case strings.HasPrefix(c, "invalidaccesskeyid"), strings.Contains(c, "signaturedoesnotmatch"),
		strings.HasPrefix(c, "forbidden"), strings.Contains(c, "nopermission"), strings.Contains(c, "unauthorized"),
		strings.HasPrefix(c, "invalidsecuritytoken"), strings.Contains(c, "accessdenied"),
		status == 401, status == 403:
		return ErrUnauthorized
	case strings.Contains(c, "not_exist"), strings.Contains(c, "notexist"), strings.Contains(c, "notfound"),
		strings.Contains(c, "not_found"), strings.Contains(c, "nonexist"), strings.Contains(c, ".noexist"), status == 404:
		return ErrNotFound
	case strings.Contains(c, "already_exist"), strings.Contains(c, "alreadyexist"), strings.Contains(c, "duplicate"),
		strings.Contains(c, "exists"), status == 409:
		return ErrConflict
	case status >= 500 || strings.HasPrefix(c, "internalerror") || strings.HasPrefix(c, "serviceunavailable"):
		return ErrServer
	case status >= 400 || strings.HasPrefix(c, "invalid") || strings.HasPrefix(c, "missing"):
		return ErrInvalidArgument
	}
	return nil
}

// responseError is what darabonba-openapi's ClientError, ServerError and ThrottlingError have.
type responseError interface {
	GetCode() *string
	GetStatusCode() *int
	GetData() map[string]interface{}
}

// Convert turns an SDK error into an *Error for op: a *tea.SDKError or *dara.SDKError, one
// of darabonba-openapi's response errors, or a transport failure, whose text loses any query
// string (a v1-signed URL carries the AccessKey ID and a signature) while errors.Is and
// errors.As still reach the original. nil stays nil and an *Error passes through.
func Convert(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var sdk *tea.SDKError
	if errors.As(err, &sdk) {
		return fromSDK(op, tea.IntValue(sdk.StatusCode), tea.StringValue(sdk.Code), tea.StringValue(sdk.Message), tea.StringValue(sdk.Data))
	}
	var dsdk *dara.SDKError
	if errors.As(err, &dsdk) {
		return fromSDK(op, dara.IntValue(dsdk.StatusCode), dara.StringValue(dsdk.Code), dara.StringValue(dsdk.Message), dara.StringValue(dsdk.Data))
	}
	var re responseError
	if errors.As(err, &re) {
		out := &Error{Op: op, StatusCode: tea.IntValue(re.GetStatusCode()), Code: tea.StringValue(re.GetCode())}
		data := re.GetData()
		out.Message = fmt.Sprint(firstOf(data, "Message", "message"))
		out.RequestID = fmt.Sprint(firstOf(data, "RequestId", "requestId"))
		if r, ok := re.(interface{ GetRequestId() *string }); ok && out.RequestID == "" {
			out.RequestID = tea.StringValue(r.GetRequestId())
		}
		return out
	}
	if msg := err.Error(); stripSecrets(msg) != msg {
		err = &redactedError{msg: stripSecrets(msg), err: err}
	}
	return &Error{Op: op, Err: err}
}

// redactedError is a transport error whose text lost its query strings.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

func firstOf(m map[string]interface{}, keys ...string) interface{} {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return ""
}

// fromSDK is the *Error for an SDK error's fields (tea's and dara's SDKError carry the
// same ones).
func fromSDK(op string, status int, code, message, data string) *Error {
	out := &Error{Op: op, StatusCode: status, Code: code}
	out.Message, out.RequestID = messageAndRequestID(message, data)
	if status == 0 && code == "" {
		// No answer: the message is the transport's, maybe with a signed URL.
		out.Err = errors.New(stripSecrets(message))
		out.Message = ""
	}
	return out
}

// messageAndRequestID reads the remote message and request ID from a tea.SDKError's Data
// (the JSON error body), falling back to its Message.
func messageAndRequestID(msg, data string) (string, string) {
	var body map[string]interface{}
	if data != "" && json.Unmarshal([]byte(data), &body) == nil {
		m := fmt.Sprint(firstOf(body, "Message", "message"))
		if m == "" {
			m = msg
		}
		return m, fmt.Sprint(firstOf(body, "RequestId", "requestId"))
	}
	return msg, ""
}

// stripSecrets drops query strings from transport error text: a v1-signed URL carries the
// AccessKey ID and a signature.
func stripSecrets(s string) string {
	for {
		i := strings.Index(s, "?")
		if i < 0 {
			return s
		}
		j := strings.IndexAny(s[i:], " \"'")
		if j < 0 {
			return s[:i]
		}
		s = s[:i] + s[i+j:]
	}
}

// CheckSuccess turns a 200 answer whose body says IsSuccess:false into an *Error for op.
// body is an SDK response body struct (or a pointer to one) with the fields IsSuccess, Code,
// and optionally Message and RequestId; a body without IsSuccess, or with it true or unset,
// is success.
func CheckSuccess(op string, body interface{}) error {
	v := reflect.ValueOf(body)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	ok, present := field[bool](v, "IsSuccess")
	if !present || ok {
		return nil
	}
	code, _ := field[string](v, "Code")
	msg, _ := field[string](v, "Message")
	rid, _ := field[string](v, "RequestId")
	if code == "" {
		code = "UNKNOWN"
	}
	return &Error{Op: op, StatusCode: 200, Code: code, Message: msg, RequestID: rid}
}

func field[T any](v reflect.Value, name string) (T, bool) {
	var zero T
	f := v.FieldByName(name)
	if !f.IsValid() {
		return zero, false
	}
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return zero, false
		}
		f = f.Elem()
	}
	t, ok := f.Interface().(T)
	return t, ok
}
