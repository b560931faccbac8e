package testutil

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Request is one request a Recorder saw.
type Request struct {
	Method  string
	Repo    string // repository, "" for /v2/ and the catalog
	Kind    string // "ping", "catalog", "tags", "manifest", "blob", "upload", "referrers"
	Ref     string // tag or digest; for uploads, the digest being committed, if any
	Mount   string // for a mount POST, the repository mounted from
	Status  int
	BytesIn int64 // request body bytes
}

// Recorder is a server-side middleware recording every request, so tests count exactly
// what reached the registry, and checking that no manifest is pushed before what it
// refers to.
type Recorder struct {
	mu         sync.Mutex
	reqs       []Request
	blobs      map[string]bool // repo@digest known present
	manifests  map[string]bool
	violations []string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{blobs: map[string]bool{}, manifests: map[string]bool{}}
}

// Wrap returns h recording through r.
func (r *Recorder) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := Parse(req)
		var body []byte
		if rec.Kind == "manifest" && req.Method == http.MethodPut {
			body, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(strings.NewReader(string(body)))
			r.check(rec.Repo, body)
		}
		cr := &countingBody{rc: req.Body}
		req.Body = cr
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, req)
		rec.Status = sw.status
		rec.BytesIn = cr.n
		r.mu.Lock()
		defer r.mu.Unlock()
		r.reqs = append(r.reqs, rec)
		ok := sw.status < 300
		switch {
		case rec.Kind == "blob" && ok && req.Method != http.MethodDelete:
			r.blobs[rec.Repo+"@"+rec.Ref] = true
		case rec.Kind == "upload" && sw.status == http.StatusCreated:
			d := req.URL.Query().Get("digest")
			if d == "" {
				d = req.URL.Query().Get("mount")
			}
			r.blobs[rec.Repo+"@"+d] = true
		case rec.Kind == "manifest" && ok && req.Method != http.MethodDelete:
			if d := sw.Header().Get("Docker-Content-Digest"); d != "" {
				r.manifests[rec.Repo+"@"+d] = true
			}
		}
	})
}

func (r *Recorder) check(repo string, body []byte) {
	var m struct {
		Config    *struct{ Digest string }  `json:"config"`
		Layers    []struct{ Digest string } `json:"layers"`
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if json.Unmarshal(body, &m) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	need := m.Layers
	if m.Config != nil {
		need = append(need, struct{ Digest string }{m.Config.Digest})
	}
	for _, b := range need {
		if !r.blobs[repo+"@"+b.Digest] {
			r.violations = append(r.violations, fmt.Sprintf("manifest pushed to %s before blob %s", repo, b.Digest))
		}
	}
	for _, c := range m.Manifests {
		if !r.manifests[repo+"@"+c.Digest] {
			r.violations = append(r.violations, fmt.Sprintf("index pushed to %s before manifest %s", repo, c.Digest))
		}
	}
}

// Violations returns every manifest pushed before one of its blobs or children was known
// to be in its repository.
func (r *Recorder) Violations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.violations...)
}

// Requests returns the requests recorded so far.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Count returns how many recorded requests satisfy match (nil: all).
func (r *Recorder) Count(match func(Request) bool) int {
	n := 0
	for _, q := range r.Requests() {
		if match == nil || match(q) {
			n++
		}
	}
	return n
}

// Reset forgets the requests (not what is known present).
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

// BlobUploads returns, per digest, how many uploads committed it (PUT 201 with the digest).
func (r *Recorder) BlobUploads() map[string]int {
	out := map[string]int{}
	for _, q := range r.Requests() {
		if q.Kind == "upload" && q.Method == http.MethodPut && q.Status == http.StatusCreated {
			out[q.Ref]++
		}
	}
	return out
}

// Parse classifies a distribution API request.
func Parse(req *http.Request) Request {
	rec := Request{Method: req.Method}
	p := strings.TrimPrefix(req.URL.Path, "/v2/")
	switch {
	case p == "" || p == "/":
		rec.Kind = "ping"
	case p == "_catalog":
		rec.Kind = "catalog"
	case strings.HasSuffix(p, "/tags/list"):
		rec.Kind, rec.Repo = "tags", strings.TrimSuffix(p, "/tags/list")
	default:
	kinds:
		for _, k := range []string{"/blobs/uploads", "/manifests/", "/blobs/", "/referrers/"} {
			i := strings.LastIndex(p, k)
			if i < 0 {
				continue
			}
			rec.Repo = p[:i]
			rec.Ref = strings.TrimPrefix(p[i+len(k):], "/")
			switch k {
			case "/blobs/uploads":
				rec.Kind, rec.Ref = "upload", req.URL.Query().Get("digest")
				rec.Mount = req.URL.Query().Get("from")
			case "/manifests/":
				rec.Kind = "manifest"
			case "/blobs/":
				rec.Kind = "blob"
			default:
				rec.Kind = "referrers"
			}
			break kinds
		}
	}
	return rec
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("not a hijacker")
}

type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingBody) Close() error { return c.rc.Close() }
