package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regdr/regdr/internal/redact"
)

// Errors of the sync engine; match them with errors.Is.
var (
	// ErrDigestMismatch: bytes read do not hash to the digest that named them.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrNotVerified: after Apply, an artifact is not at the destination as planned.
	ErrNotVerified = errors.New("not verified at the destination")
	// ErrConflict: a destination tag holds another digest and Override is off.
	ErrConflict = errors.New("destination tag holds another digest")
	// ErrStalePlan: a destination tag the plan overwrites (Override) no longer held, right
	// before the manifest push, what the plan saw; it was left alone.
	ErrStalePlan = errors.New("stale plan")
	// ErrPlanMismatch: a plan applied with a Syncer for other registries.
	ErrPlanMismatch = errors.New("plan is for other registries")
	// ErrInvalidOptions: New was given an option it cannot honour (negative Jobs, an
	// unknown Referrers mode).
	ErrInvalidOptions = errors.New("invalid sync options")
	// ErrInvalidPlan: a plan handed to Apply (say, read back from JSON) has an item
	// with an unknown action, or a digest or tag that is not one; nothing was written.
	// Destination names that fail the Syncer's Validate are refused with ErrInvalidName.
	ErrInvalidPlan = errors.New("invalid sync plan")
	// ErrTimeout: a registry sent no response header, or no body progress, for the
	// retry policy's Timeout, or did not complete a small request (not a blob's transfer)
	// within 5 × Timeout. Such a request is retried.
	ErrTimeout = errors.New("registry stopped responding")
	// ErrRegistryDown: a registry answered nothing successfully for the retry policy's
	// GiveUp; operations on it fail at once instead of retrying.
	ErrRegistryDown = errors.New("registry down")
	// ErrManifestTooLarge: a registry sent a manifest larger than the 4 MiB the engine
	// reads (registries themselves refuse larger ones). It is not retried.
	ErrManifestTooLarge = errors.New("manifest too large")
	// ErrInvalidTag: the source lists a tag that is not a valid tag name (at most 128 of
	// [A-Za-z0-9_.-], not starting with . or -). Its item (Invalid) fails alone.
	ErrInvalidTag = errors.New("invalid tag name from the source")
	// ErrInvalidManifest: a manifest from the source names a blob or child manifest by
	// something that is not a digest, or gives a negative size. Its digests would go
	// into request paths.
	ErrInvalidManifest = errors.New("invalid manifest")
)

// HTTPError is an unexpected answer from a registry. It carries no credentials: only the
// method, the path (no query), the status and the registry's error code and message.
// The message is the registry's, at most 512 bytes without control characters; one that
// quotes a credential the Syncer knows (its endpoints' passwords and tokens, the
// Authorization headers sent) or anything that looks like one (redact.Text) is withheld
// whole, as "[REDACTED]": a registry or a proxy in front of it may echo the request it
// refuses, and with it credentials the Syncer does not know of.
// It is not go-containerregistry's transport.Error, which keeps the *http.Request (its
// headers hold the registry token) and not the answer's Retry-After, which the engine
// honours; like it, it reports Temporary() for the answers worth another try.
type HTTPError struct {
	Method     string `json:"method"`
	Path       string `json:"path"`
	StatusCode int    `json:"status"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	RetryAfter string `json:"retry_after,omitempty"`
}

// Bounds of what an HTTPError keeps of a registry's answer.
const (
	maxErrorCode    = 64
	maxErrorMessage = 512
)

// newSyncHTTPError reads the registry's error from resp. secrets are the credentials to
// hide from what the registry says.
func newSyncHTTPError(req *http.Request, resp *http.Response, secrets []string) *HTTPError {
	e := &HTTPError{Method: req.Method, Path: req.URL.Path, StatusCode: resp.StatusCode,
		RetryAfter: redact.Message(resp.Header.Get("Retry-After"), maxErrorCode, secrets...)}
	if req.Method != http.MethodHead {
		var body struct {
			Errors []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &body) == nil && len(body.Errors) > 0 {
			e.Code = redact.Message(body.Errors[0].Code, maxErrorCode, secrets...)
			e.Message = redact.Message(body.Errors[0].Message, maxErrorMessage, secrets...)
		}
	}
	return e
}

// answerError hides what go-containerregistry's *transport.Error in err — a ping's or a
// token service's refusal — quotes of the answer: its registry errors' messages and, for
// a body it could not read, the body whole, either of which may echo the request's
// credentials. In err's text that error is replaced by the HTTPError it amounts to (its
// message withheld if it quotes a credential, as newSyncHTTPError does); errors.As finds
// that HTTPError first, so retries and denials are decided on the same status.
func answerError(err error, secrets []string) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	he := &HTTPError{StatusCode: te.StatusCode}
	if te.Request != nil {
		he.Method, he.Path = te.Request.Method, te.Request.URL.Path
	}
	if len(te.Errors) > 0 {
		he.Code = redact.Message(string(te.Errors[0].Code), maxErrorCode, secrets...)
		he.Message = redact.Message(te.Errors[0].Message, maxErrorMessage, secrets...)
	}
	text, quoted := err.Error(), te.Error()
	if strings.Contains(text, quoted) {
		text = strings.ReplaceAll(text, quoted, he.Error())
	} else {
		text = redact.Text(redact.Known(text, secrets...))
	}
	return &answerErr{text: text, he: he, err: err}
}

// answerErr is an error whose text hides what a *transport.Error in it quoted.
type answerErr struct {
	text string
	he   *HTTPError
	err  error
}

func (e *answerErr) Error() string   { return e.text }
func (e *answerErr) Unwrap() []error { return []error{e.he, e.err} }

// Error describes the answer: method, path, status and the registry's error code.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		s += ": " + e.Code
		if e.Message != "" {
			s += ": " + e.Message
		}
	}
	return s
}

// Temporary reports whether the request is worth retrying: 5xx, 429 and 408.
func (e *HTTPError) Temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// check refuses a parsed manifest whose blobs or children are not named by digests, or
// have negative sizes.
func (m Manifest) check() error {
	for _, b := range m.Blobs {
		if !validDigest(b.Digest) || b.Size < 0 {
			return fmt.Errorf("%w: blob %q of size %d", ErrInvalidManifest, b.Digest, b.Size)
		}
	}
	for _, c := range m.Children {
		if !validDigest(c) {
			return fmt.Errorf("%w: child %q", ErrInvalidManifest, c)
		}
	}
	return nil
}

// validDigest is validatePlan's rule: algorithm:hex, 64 hex digits for sha256, 128 for
// sha512.
func validDigest(d string) bool {
	if !digestRE.MatchString(d) {
		return false
	}
	switch {
	case strings.HasPrefix(d, "sha256:"):
		return len(d) == 7+64
	case strings.HasPrefix(d, "sha512:"):
		return len(d) == 7+128
	}
	return true
}
