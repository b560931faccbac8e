package aliyuntest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Handler answers one action. It returns a value to encode as the JSON answer (a RequestId
// is added when the value has none), or an error: an *Error becomes Alibaba's error body,
// anything else a 500 InternalError.
type Handler func(r *Request) (any, error)

// Error is an API error answer.
type Error struct {
	Status  int    // HTTP status; 0 means 400
	Code    string // e.g. "InvalidParameter"
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Request is one verified API call.
type Request struct {
	Action      string
	Params      url.Values // query and form parameters, signature parameters removed
	AccessKeyID string     // the caller's AccessKey ID
	HTTP        *http.Request
}

// Get returns a parameter's value, or "".
func (r *Request) Get(name string) string { return r.Params.Get(name) }

// Has reports whether a parameter was sent.
func (r *Request) Has(name string) bool { return r.Params.Has(name) }

// Int returns an integer parameter, def when absent, and an *Error (400 InvalidParameter)
// when it is not a number.
func (r *Request) Int(name string, def int) (int, error) {
	v := r.Params.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &Error{Status: 400, Code: "InvalidParameter", Message: fmt.Sprintf("The specified parameter %q is not valid.", name)}
	}
	return n, nil
}

// Bool returns a boolean parameter ("true"/"false"), false when absent.
func (r *Request) Bool(name string) bool { return strings.EqualFold(r.Params.Get(name), "true") }

// Call records one request the server answered.
type Call struct {
	Action      string
	Params      url.Values
	AccessKeyID string
	Status      int
	Code        string // the error code answered, "" on success
}

type key struct{ secret, token string }

type fault struct {
	action string // "" = any
	left   int
	err    *Error
}

// Server is an RPC OpenAPI emulator for one product version. Create it with NewServer.
type Server struct {
	version string

	mu       sync.Mutex
	keys     map[string]key
	handlers map[string]Handler
	faults   []*fault
	calls    []Call
	seq      int
}

// NewServer returns a server for the API version (the x-acs-version the SDK sends, e.g.
// "2018-12-01") with no keys and no actions.
func NewServer(version string) *Server {
	return &Server{version: version, keys: map[string]key{}, handlers: map[string]Handler{}}
}

// AddKey accepts a long-term AccessKey.
func (s *Server) AddKey(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = key{secret: secret}
}

// AddSTS accepts an STS AccessKey, which must come with token.
func (s *Server) AddSTS(id, secret, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = key{secret: secret, token: token}
}

// Handle registers the handler of an action, replacing any earlier one.
func (s *Server) Handle(action string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[action] = h
}

// FailNext makes the next n calls of action ("" = any action) fail with e after their
// signature is verified. Faults queue in the order they are added.
func (s *Server) FailNext(action string, n int, e *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{action: action, left: n, err: e})
}

// Throttle makes the next n calls of action fail with Alibaba's throttling answer.
func (s *Server) Throttle(action string, n int) {
	s.FailNext(action, n, &Error{Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."})
}

// Calls returns the calls answered so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount returns how many calls of action ("" = all) were answered successfully.
func (s *Server) CallCount(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (action == "" || c.Action == action) && c.Code == "" {
			n++
		}
	}
	return n
}

// ServeHTTP verifies, dispatches and answers one call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := s.requestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, rid, &Error{Status: 400, Code: "InvalidRequest", Message: "cannot read the body"})
		return
	}
	req, verr := s.verify(r, body)
	if verr != nil {
		s.record(req, verr)
		writeError(w, rid, verr)
		return
	}
	s.mu.Lock()
	h := s.handlers[req.Action]
	var injected *Error
	for i, f := range s.faults {
		if f.action == "" || f.action == req.Action {
			injected = f.err
			if f.left--; f.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	s.mu.Unlock()
	if injected != nil {
		s.record(req, injected)
		writeError(w, rid, injected)
		return
	}
	if h == nil {
		e := &Error{Status: 404, Code: "InvalidAction.NotFound", Message: fmt.Sprintf("Specified api is not found, please check your url and method. Action %s", req.Action)}
		s.record(req, e)
		writeError(w, rid, e)
		return
	}
	out, herr := h(req)
	if herr != nil {
		e, ok := herr.(*Error)
		if !ok {
			e = &Error{Status: 500, Code: "InternalError", Message: herr.Error()}
		}
		s.record(req, e)
		writeError(w, rid, e)
		return
	}
	b, err := withRequestID(out, rid)
	if err != nil {
		e := &Error{Status: 500, Code: "InternalError", Message: err.Error()}
		s.record(req, e)
		writeError(w, rid, e)
		return
	}
	s.record(req, nil)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b)
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("0A1B2C3D-0000-4000-8000-%012d", s.seq)
}

func (s *Server) record(req *Request, e *Error) {
	if req == nil {
		return
	}
	c := Call{Action: req.Action, Params: req.Params, AccessKeyID: req.AccessKeyID, Status: 200}
	if e != nil {
		c.Status, c.Code = status(e), e.Code
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func status(e *Error) int {
	if e.Status == 0 {
		return 400
	}
	return e.Status
}

func writeError(w http.ResponseWriter, rid string, e *Error) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status(e))
	// The real error body (fact pack common.md §5): RequestId, HostId (the endpoint host),
	// Code, Message and Recommend, a troubleshooting URL.
	_ = json.NewEncoder(w).Encode(map[string]string{
		"RequestId": rid, "HostId": "emulator.aliyuncs.com", "Code": e.Code, "Message": e.Message,
		"Recommend": "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(e.Code) + "&requestId=" + rid,
	})
}

// withRequestID encodes v as a JSON object carrying RequestId.
func withRequestID(v any, rid string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return b, nil // not an object: send as it is
	}
	if _, ok := m["RequestId"]; !ok {
		m["RequestId"], _ = json.Marshal(rid)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
