package testutil

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// ClosedAddr returns the host:port of a loopback listener closed at once: nothing answers
// there (a registry or API that is down).
func ClosedAddr(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	s.Close()
	return s.Listener.Addr().String()
}

// StatusAddr returns the host:port of a loopback server that answers every request with
// code, closed when the test ends.
func StatusAddr(t testing.TB, code int) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}
