package harbortest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regdr/regdr/harbor"
)

// Start is the one-line way to test against the emulator: it serves a new Server (with
// opts) on 127.0.0.1 for the test, and returns a *harbor.Client logged in as its
// administrator together with the Server, for seeding, inspection and registry pushes
// (at [Server.Host]). Cleanup is registered with t: the client's idle connections are
// closed, the HTTP server is shut down and running executions are stopped. An option
// that refuses its value fails the test.
//
// Start is a convenience only: the emulator itself does not use package harbor, and is
// held to Harbor's swagger spec, not to the client it tests.
func Start(t testing.TB, opts ...Option) (*harbor.Client, *Server) {
	t.Helper()
	srv, err := newServer(opts...)
	if err != nil {
		t.Fatalf("harbortest.Start: %v", err)
	}
	ts := httptest.NewServer(srv)
	srv.mu.Lock()
	srv.url = ts.URL
	srv.mu.Unlock()
	user, password := srv.admin()
	c, err := harbor.New(ts.URL, harbor.WithBasicAuth(user, password), harbor.WithHTTPClient(ts.Client()))
	if err != nil {
		ts.Close()
		srv.Close()
		t.Fatalf("harbortest.Start: %v", err)
	}
	t.Cleanup(func() {
		ts.Client().CloseIdleConnections()
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	return c, srv
}

// URL returns the base URL ("http://127.0.0.1:PORT") the Server is served at when it
// was started with [Start]; "" otherwise (the caller's httptest server knows it then).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Host returns the registry host ("127.0.0.1:PORT") of a Server started with [Start] —
// what go-containerregistry takes as a registry name; "" otherwise.
func (s *Server) Host() string {
	return strings.TrimPrefix(s.URL(), "http://")
}

// admin returns the administrator's credentials.
func (s *Server) admin() (name, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, u := range s.users {
		if u.admin {
			return n, u.password
		}
	}
	return "", ""
}
