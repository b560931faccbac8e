package harbortest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

// serve starts srv on loopback behind spectest's middleware: every API
// request and response of the test is checked against Harbor's swagger.
func serve(t *testing.T, srv *harbortest.Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(spectest.Handler(t, srv))
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return hs
}

func do(t *testing.T, method, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestResponsesMatchSpec(t *testing.T) {
	t.Parallel()
	srv := harbortest.New(harbortest.WithSyncExecutions())
	hs := serve(t, srv)
	dest := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(dest.Close)

	img, _ := random.Image(32, 1)
	ref, _ := name.ParseReference(strings.TrimPrefix(hs.URL, "http://") + "/library/a/b:1")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword})); err != nil {
		t.Fatal(err)
	}
	api := hs.URL + "/api/v2.0"
	res := do(t, "POST", api+"/registries", fmt.Sprintf(`{"name":"d","type":"docker-registry","url":%q,"credential":{"type":"basic","access_key":"k","access_secret":"topsecret"}}`, dest.URL))
	if res.StatusCode != 201 || res.Header.Get("Location") == "" {
		t.Fatalf("POST /registries = %s, Location %q", res.Status, res.Header.Get("Location"))
	}
	regID := lastSegment(res.Header.Get("Location"))
	res = do(t, "POST", api+"/replication/policies", `{"name":"p","dest_registry":{"id":`+regID+`},"dest_namespace":"ns","enabled":true,"trigger":{"type":"manual"}}`)
	if res.StatusCode != 201 {
		t.Fatalf("POST /replication/policies = %s", res.Status)
	}
	polID := lastSegment(res.Header.Get("Location"))
	res = do(t, "POST", api+"/replication/executions", `{"policy_id":`+polID+`}`)
	if res.StatusCode != 201 {
		t.Fatalf("POST /replication/executions = %s", res.Status)
	}
	execID := lastSegment(res.Header.Get("Location"))

	// The middleware checks each body against its operation's schema; this
	// test makes sure every read operation harbortest serves is exercised with
	// a non-empty answer, and that no stored secret leaks.
	for _, tc := range []struct {
		path string
		list bool
	}{
		{"/registries", true},
		{"/registries/" + regID, false},
		{"/replication/policies", true},
		{"/replication/policies/" + polID, false},
		{"/replication/executions", true},
		{"/replication/executions/" + execID, false},
		{"/replication/executions/" + execID + "/tasks", true},
		{"/projects", true},
		{"/projects/library", false},
		{"/projects/library/repositories", true},
		{"/projects/library/repositories/a%252Fb", false},
		{"/projects/library/repositories/a%252Fb/artifacts", true},
		{"/projects/library/repositories/a%252Fb/artifacts/1", false},
		{"/replication/policies/999", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := do(t, "GET", api+tc.path, "")
			b, _ := io.ReadAll(res.Body)
			if tc.list {
				if res.Header.Get("X-Total-Count") == "" {
					t.Errorf("no X-Total-Count")
				}
				var objs []map[string]any
				if err := json.Unmarshal(b, &objs); err != nil || len(objs) == 0 {
					t.Fatalf("body %s: %v", b, err)
				}
			}
			if strings.Contains(string(b), "topsecret") {
				t.Errorf("response reveals a stored secret: %s", b)
			}
		})
	}
}

func TestPaginationHeaders(t *testing.T) {
	t.Parallel()
	srv := harbortest.New()
	hs := serve(t, srv)
	for i := range 24 {
		srv.AddProject(fmt.Sprintf("p%02d", i), true)
	}
	res := do(t, "GET", hs.URL+"/api/v2.0/projects?page=2&page_size=10", "")
	var page []map[string]any
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	link := res.Header.Get("Link")
	if res.Header.Get("X-Total-Count") != "25" || len(page) != 10 || !strings.Contains(link, `page=1&page_size=10>; rel="prev"`) || !strings.Contains(link, `page=3&page_size=10>; rel="next"`) {
		t.Errorf("page 2: %d items, X-Total-Count %q, Link %q", len(page), res.Header.Get("X-Total-Count"), link)
	}
	// Harbor links to a previous page only when it has items, and unescapes
	// the query it links to.
	res = do(t, "GET", hs.URL+"/api/v2.0/projects?page=4&page_size=10&q=name%3D~p", "")
	if link := res.Header.Get("Link"); link != "" {
		t.Errorf("page 4 of 3: Link %q, want none", link)
	}
	res = do(t, "GET", hs.URL+"/api/v2.0/projects?page=3&page_size=10&q=name%3D~p", "")
	if link := res.Header.Get("Link"); !strings.Contains(link, "q=name=~p") || !strings.Contains(link, `rel="prev"`) {
		t.Errorf("page 3: Link %q, want a prev link with the query unescaped", link)
	}
	// A page size above the spec's maximum is a request the middleware would
	// report, so it goes to the server directly.
	raw := httptest.NewServer(srv)
	t.Cleanup(raw.Close)
	if res := do(t, "GET", raw.URL+"/api/v2.0/projects?page_size=101", ""); res.StatusCode != 422 {
		t.Errorf("page_size=101: %s, want 422", res.Status)
	}
	// A nested repository name escaped only once is not Harbor's wire form.
	if res := do(t, "GET", hs.URL+"/api/v2.0/projects/library/repositories/a%2Fb", ""); res.StatusCode != 404 {
		t.Errorf("once-escaped nested name: %s, want 404", res.Status)
	}
}

func lastSegment(loc string) string { return loc[strings.LastIndex(loc, "/")+1:] }

// Harbor's ping needs a type and a URL (from the body, or the stored endpoint).
func TestPingNeedsTypeAndURL(t *testing.T) {
	t.Parallel()
	hs := serve(t, harbortest.New())
	for _, body := range []string{`{"url":"` + hs.URL + `"}`, `{"type":"harbor"}`} {
		res := do(t, "POST", hs.URL+"/api/v2.0/registries/ping", body)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 400 || !strings.Contains(string(b), "type or url cannot be empty") {
			t.Errorf("ping %s = %s %s, want 400 type or url cannot be empty", body, res.Status, b)
		}
	}
	body := `{"type":"harbor","url":"` + hs.URL + `","access_key":"admin","access_secret":"Harbor12345"}`
	if res := do(t, "POST", hs.URL+"/api/v2.0/registries/ping", body); res.StatusCode != 200 {
		t.Errorf("ping with type and URL = %s, want 200", res.Status)
	}
}

// Harbor stores an unlimited speed (omitted or negative) as 0.
func TestPolicySpeedStoredAsHarborDoes(t *testing.T) {
	t.Parallel()
	hs := serve(t, harbortest.New())
	res := do(t, "POST", hs.URL+"/api/v2.0/registries", `{"name":"self","type":"harbor","url":"`+hs.URL+`","credential":{"access_key":"admin","access_secret":"Harbor12345"}}`)
	if res.StatusCode != 201 {
		t.Fatalf("creating a registry: %s", res.Status)
	}
	reg := lastSegment(res.Header.Get("Location"))
	for _, tc := range []struct{ name, speed, want string }{{"omitted", "", "0"}, {"minus-one", `"speed":-1,`, "0"}, {"set", `"speed":512,`, "512"}} {
		res := do(t, "POST", hs.URL+"/api/v2.0/replication/policies", `{"name":"`+tc.name+`",`+tc.speed+`"dest_registry":{"id":`+reg+`},"trigger":{"type":"manual"}}`)
		if res.StatusCode != 201 {
			t.Fatalf("creating policy %s: %s", tc.name, res.Status)
		}
		res = do(t, "GET", hs.URL+"/api/v2.0/replication/policies/"+lastSegment(res.Header.Get("Location")), "")
		var p map[string]any
		if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(p["speed"]); got != tc.want {
			t.Errorf("policy %s: speed = %s, want %s", tc.name, got, tc.want)
		}
	}
}
