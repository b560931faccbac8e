package harbor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-openapi/runtime"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"

	"github.com/regdr/regdr/internal/redact"
)

// Sentinel errors. An *APIError matches the one for its HTTP status with
// errors.Is; ErrInvalidArgument is returned before any request is sent.
var (
	ErrNotFound        = errors.New("harbor: not found")             // 404
	ErrUnauthorized    = errors.New("harbor: unauthorized")          // 401
	ErrForbidden       = errors.New("harbor: forbidden")             // 403
	ErrConflict        = errors.New("harbor: conflict")              // 409
	ErrBadRequest      = errors.New("harbor: bad request")           // 400, 422 and other 4xx
	ErrServer          = errors.New("harbor: server error")          // 5xx
	ErrInvalidArgument = errors.New("harbor: invalid argument")      // rejected locally
	ErrExecutionFailed = errors.New("harbor: execution failed")      // Wait saw Failed
	ErrStopped         = errors.New("harbor: execution was stopped") // Wait saw Stopped
	// ErrRedirect: Harbor answered with a redirect to another scheme or host, which the
	// client refuses rather than re-send the credentials there (Harbor's API never
	// redirects off its own URL; a proxy in front of it, or the Harbor URL, is wrong).
	ErrRedirect = errors.New("harbor: redirect to another scheme or host refused")
)

// APIError is an error answered by Harbor: the operation, the HTTP status, and
// Harbor's own error code and message (from its {"errors":[...]} body).
//
// Harbor's message is kept at most 512 bytes long, without control characters; one that
// quotes a credential the client knows (its password, the Authorization header it sent)
// or anything that looks like one (an Authorization value, a password=… pair) is withheld
// whole, as "[REDACTED]": a Harbor, or a proxy in front of it, echoing a request may
// echo other credentials it holds too (a registry endpoint's secret).
type APIError struct {
	Op      string // what the client was doing, e.g. "creating registry"
	Status  int    // HTTP status code
	Code    string // Harbor's code, e.g. "NOT_FOUND", "CONFLICT"
	Message string // Harbor's message, or "[REDACTED]"
}

// Bounds of what an APIError keeps of Harbor's answer.
const (
	maxErrorCode    = 64
	maxErrorMessage = 512
)

// fromPayload sets e's code and message from Harbor's error, secrets withheld.
func (e *APIError) fromPayload(pe *models.Error, secrets []string) {
	e.Code = redact.Message(pe.Code, maxErrorCode, secrets...)
	e.Message = redact.Message(pe.Message, maxErrorMessage, secrets...)
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("harbor: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrBadRequest:
		return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusNotFound &&
			e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden && e.Status != http.StatusConflict
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

// statuses go-client declares for its typed error responses.
var knownStatuses = []int{400, 401, 403, 404, 405, 409, 412, 415, 422, 429, 500, 502, 503, 504}

// mapError turns a go-client error into an *APIError, or wraps a transport error
// with op. go-client's own error strings are not kept: they are not ours to
// promise, and its API error embeds a whole response value.
//
// status is the HTTP status of the call's last error response (0: none): when go-client
// could not decode it at all (a proxy's text/plain 401 in front of Harbor, an HTML 502),
// the failure is still an *APIError for that status, not go-client's decoding complaint.
//
// secrets are the credentials of the call, withheld from Harbor's message (fromPayload).
func mapError(op string, err error, status int, body []byte, secrets []string) error {
	var rtErr *runtime.APIError
	if errors.As(err, &rtErr) {
		// A status the spec does not list for this operation: go-client drops
		// the body, so read Harbor's message from the copy errorBodies kept.
		e := &APIError{Op: op, Status: rtErr.Code, Message: http.StatusText(rtErr.Code)}
		var pl models.Errors
		if json.Unmarshal(body, &pl) == nil && len(pl.Errors) > 0 && pl.Errors[0] != nil {
			e.fromPayload(pl.Errors[0], secrets)
		}
		return e
	}
	if coded, ok := err.(interface{ IsCode(int) bool }); ok {
		e := &APIError{Op: op}
		for _, s := range knownStatuses {
			if coded.IsCode(s) {
				e.Status = s
				break
			}
		}
		if p, ok := err.(interface{ GetPayload() *models.Errors }); ok {
			if pl := p.GetPayload(); pl != nil && len(pl.Errors) > 0 && pl.Errors[0] != nil {
				e.fromPayload(pl.Errors[0], secrets)
			}
		}
		if e.Status != 0 {
			return e
		}
	}
	if status >= 400 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		e := &APIError{Op: op, Status: status, Message: http.StatusText(status)}
		var pl models.Errors
		if json.Unmarshal(body, &pl) == nil && len(pl.Errors) > 0 && pl.Errors[0] != nil {
			e.fromPayload(pl.Errors[0], secrets)
		} else if status == http.StatusUnauthorized {
			e.Message = "Harbor (or a proxy in front of it) refused the user name or password"
		}
		return e
	}
	return fmt.Errorf("harbor: %s: %w", op, err)
}
