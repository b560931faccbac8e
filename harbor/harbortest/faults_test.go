package harbortest_test

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
)

// Each endpoint fault answers POST /registries/ping as Harbor v2.13 does
// (status and Errors body), and clearing it restores the endpoint.
func TestEndpointFaultsPing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault     harbortest.EndpointFault
		typ       string
		status    int
		code, msg string
	}{
		{harbortest.FaultWrongCredentials, "ali-acr", 400, "BAD_REQUEST", "the registry is unhealthy"},
		{harbortest.FaultWrongCredentials, "docker-registry", 400, "BAD_REQUEST", "the registry is unhealthy"},
		{harbortest.FaultTimeout, "ali-acr", 500, "UNKNOWN", "internal server error"},
		{harbortest.FaultTimeout, "docker-registry", 400, "BAD_REQUEST", "the registry is unhealthy"},
		{harbortest.FaultWrongProviderType, "ali-acr", 200, "", ""},
	} {
		t.Run(tc.fault.String()+"/"+tc.typ, func(t *testing.T) {
			t.Parallel()
			dest := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
			t.Cleanup(dest.Close)
			srv := harbortest.New(harbortest.WithEndpointFault(dest.URL, tc.fault))
			hs := serve(t, srv)
			body := fmt.Sprintf(`{"type":%q,"url":%q,"access_key":"LTAI-key-id","access_secret":"ak-secret"}`, tc.typ, dest.URL)
			res := do(t, "POST", hs.URL+"/api/v2.0/registries/ping", body)
			b, _ := io.ReadAll(res.Body)
			want := ""
			if tc.code != "" {
				want = fmt.Sprintf(`{"errors":[{"code":%q,"message":%q}]}`, tc.code, tc.msg)
			}
			if res.StatusCode != tc.status || strings.TrimSpace(string(b)) != want {
				t.Errorf("ping = %d %s, want %d %s", res.StatusCode, b, tc.status, want)
			}
			if strings.Contains(string(b), "ak-secret") || strings.Contains(string(b), "LTAI") {
				t.Errorf("ping answer reveals credentials: %s", b)
			}
			srv.SetEndpointFault(dest.URL, harbortest.NoFault)
			if res := do(t, "POST", hs.URL+"/api/v2.0/registries/ping", body); res.StatusCode != 200 {
				t.Errorf("ping after clearing the fault = %s, want 200", res.Status)
			}
		})
	}
}

// An endpoint registered with the wrong provider type pings fine, but every
// manifest Harbor pushes answers 404: the execution fails, its task's log
// names the 404.
func TestWrongProviderTypeFailsReplication(t *testing.T) {
	t.Parallel()
	dest := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(dest.Close)
	srv := harbortest.New(harbortest.WithSyncExecutions())
	hs := serve(t, srv)
	img, _ := random.Image(32, 1)
	ref, _ := name.ParseReference(strings.TrimPrefix(hs.URL, "http://") + "/library/app:1")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword})); err != nil {
		t.Fatal(err)
	}
	api := hs.URL + "/api/v2.0"
	res := do(t, "POST", api+"/registries", fmt.Sprintf(`{"name":"acr","type":"docker-hub","url":%q}`, dest.URL))
	if res.StatusCode != 201 {
		t.Fatalf("creating the registry: %s", res.Status)
	}
	reg := lastSegment(res.Header.Get("Location"))
	srv.SetEndpointFault(dest.URL, harbortest.FaultWrongProviderType)
	res = do(t, "POST", api+"/replication/policies", `{"name":"p","dest_registry":{"id":`+reg+`},"dest_namespace":"ns","enabled":true}`)
	if res.StatusCode != 201 {
		t.Fatalf("creating the policy: %s", res.Status)
	}
	res = do(t, "POST", api+"/replication/executions", `{"policy_id":`+lastSegment(res.Header.Get("Location"))+`}`)
	if res.StatusCode != 201 {
		t.Fatalf("starting: %s", res.Status)
	}
	ex := srv.Executions()
	if len(ex) != 1 || ex[0].Status != "Failed" || len(ex[0].Tasks) != 1 || !strings.Contains(ex[0].Tasks[0].Log, "MANIFEST_UNKNOWN") {
		t.Errorf("executions = %+v, want one Failed with a task failing on MANIFEST_UNKNOWN", ex)
	}
}
