package aliyuntest

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// Documented returns a handler that answers every action (read from the x-acs-action
// header, or the legacy Action query parameter) with its documented answer from dir
// (dir/<Action>.json, a Golden), checking no signature: it stands for the real service's
// answers in tests that a client parses them. An action without a golden is a 404
// NoGolden.
func Documented(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.Header.Get("x-acs-action")
		if action == "" {
			action = r.URL.Query().Get("Action")
		}
		g, err := LoadGolden(filepath.Join(dir, action+".json"))
		if err != nil {
			http.Error(w, `{"Code":"NoGolden","Message":"no documented answer"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(g.Status)
		_, _ = w.Write(g.Response)
	})
}

// StartDocumented serves Documented(dir) on loopback until the test ends and returns its
// "127.0.0.1:port" endpoint (plain HTTP).
func StartDocumented(t testing.TB, dir string) string {
	t.Helper()
	ts := httptest.NewServer(Documented(dir))
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String()
}
