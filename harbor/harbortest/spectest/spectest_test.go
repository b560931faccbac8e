package spectest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

// collect is a Reporter that keeps what it is told.
type collect struct {
	mu   sync.Mutex
	errs []string
}

func (c *collect) Helper() {}
func (c *collect) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// The middleware must itself be able to fail: each case serves a response or
// sends a request that the spec forbids, and expects a report naming it.
func TestHandlerReportsMismatches(t *testing.T) {
	t.Parallel()
	const goodRegistry = `{"id":1,"name":"r","type":"harbor","url":"https://h","status":"healthy","insecure":false,"credential":{"type":"basic","access_key":"a","access_secret":"*****"},"creation_time":"2024-01-01T00:00:00Z","update_time":"2024-01-01T00:00:00Z","description":""}`
	for _, tc := range []struct {
		name           string
		method, target string
		reqBody        string
		status         int
		ctype, resp    string
		want           string // substring of a report; "" = no report
	}{
		{"valid", "GET", "/api/v2.0/registries/1", "", 200, "application/json", goodRegistry, ""},
		{"wrong field type", "GET", "/api/v2.0/registries/1", "", 200, "application/json", `{"id":"one"}`, "id"},
		{"invented field", "GET", "/api/v2.0/registries/1", "", 200, "application/json", `{"id":1,"colour":"blue"}`, "colour"},
		{"undeclared success status", "GET", "/api/v2.0/registries/1", "", 202, "application/json", `{}`, "status 202"},
		{"undeclared error status, not Errors", "GET", "/api/v2.0/registries/1", "", 418, "application/json", `{"code":"X"}`, "code"},
		{"error body not Errors", "GET", "/api/v2.0/registries/1", "", 404, "application/json", `{"message":"no"}`, "message"},
		{"list where an object is due", "GET", "/api/v2.0/registries/1", "", 200, "application/json", `[]`, "status 200 body"},
		{"not JSON", "GET", "/api/v2.0/registries/1", "", 200, "text/html", `<html>`, "Content-Type"},
		{"unknown operation", "GET", "/api/v2.0/nowhere", "", 404, "application/json", `{"errors":[]}`, "no such operation"},
		{"path parameter type", "GET", "/api/v2.0/registries/x", "", 400, "application/json", `{"errors":[]}`, `"id"`},
		{"query parameter bound", "GET", "/api/v2.0/registries?page_size=101", "", 200, "application/json", `[]`, "page_size"},
		{"unknown query parameter", "GET", "/api/v2.0/registries?colour=blue", "", 200, "application/json", `[]`, "colour"},
		{"request body field", "POST", "/api/v2.0/registries/ping", `{"type":"harbor","url":"https://h","acces_key":"a"}`, 200, "", "", "acces_key"},
		{"request body required", "POST", "/api/v2.0/registries/ping", ``, 200, "", "", "required"},
		{"valid request body", "POST", "/api/v2.0/registries/ping", `{"type":"harbor","url":"https://h","access_key":"a"}`, 200, "", "", ""},
		{"registry traffic passes", "GET", "/v2/whatever", "", 418, "text/html", "<html>", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := &collect{}
			h := spectest.Handler(rep, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.resp)
			}))
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.reqBody))
			if tc.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			joined := strings.Join(rep.errs, "\n")
			switch {
			case tc.want == "" && len(rep.errs) > 0:
				t.Errorf("reports on a conforming exchange:\n%s", joined)
			case tc.want != "" && !strings.Contains(joined, tc.want):
				t.Errorf("reports %q, want one mentioning %q", joined, tc.want)
			}
		})
	}
}
