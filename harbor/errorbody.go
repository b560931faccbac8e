package harbor

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// maxErrorBody bounds how much of an error response is kept.
const maxErrorBody = 64 << 10

type errorBodyKey struct{}

// errorBody holds the status and body of a call's last error response, and the
// Authorization header of the request it answered: the credential to hide if the body
// quotes it.
type errorBody struct {
	mu     sync.Mutex
	status int
	b      []byte
	auth   string
}

func (e *errorBody) get() (int, []byte, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status, e.b, e.auth
}

// errorBodies keeps a copy of every error response's body (up to 64 KiB) in the
// request context's errorBody, and hands the body on unchanged.
type errorBodies struct{ next http.RoundTripper }

func (t errorBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	res, err := next.RoundTrip(r)
	if err != nil || res.StatusCode < 400 {
		return res, err
	}
	holder, _ := r.Context().Value(errorBodyKey{}).(*errorBody)
	if holder == nil {
		return res, nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	res.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), res.Body), res.Body}
	holder.mu.Lock()
	// The header as sent: a transport below this one (WithTransport's, WithHTTPClient's)
	// may have set it on its own copy of the request.
	auth := r.Header.Get("Authorization")
	if res.Request != nil && res.Request.Header.Get("Authorization") != "" {
		auth = res.Request.Header.Get("Authorization")
	}
	holder.status, holder.b, holder.auth = res.StatusCode, b, auth
	holder.mu.Unlock()
	return res, nil
}
