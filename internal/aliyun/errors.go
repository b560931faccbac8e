package aliyun

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/alicloud"
)

// The public error type and sentinels live in package alicloud, so that callers of acr and
// of the dns providers match one neutral type; these names keep this package's code short.
type Error = alicloud.Error

var (
	ErrNotFound        = alicloud.ErrNotFound
	ErrUnauthorized    = alicloud.ErrUnauthorized
	ErrThrottled       = alicloud.ErrThrottled
	ErrConflict        = alicloud.ErrConflict
	ErrInvalidArgument = alicloud.ErrInvalidArgument
	ErrServer          = alicloud.ErrServer
	ErrNetwork         = alicloud.ErrNetwork
)

// Classify is alicloud.Classify.
func Classify(status int, code string) error { return alicloud.Classify(status, code) }

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
