package acrtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/internal/aliyuntest"
)

func post(t *testing.T, u string, secret string, action string, extra url.Values) (int, map[string]any) {
	t.Helper()
	params := url.Values{
		"Action": {action}, "Version": {acrtest.APIVersion}, "AccessKeyId": {acrtest.DefaultAccessKeyID}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "SignatureNonce": {"n-" + action},
		"Timestamp": {"2026-01-01T00:00:00Z"},
	}
	for k, v := range extra {
		params[k] = v
	}
	resp, err := http.Post(u+"/?"+aliyuntest.SignV1("POST", params, secret), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: decoding: %v", action, err)
	}
	return resp.StatusCode, body
}

// TestWireShapes checks the answers byte-level clients see, signed the legacy v1 way.
func TestWireShapes(t *testing.T) {
	t.Parallel()
	srv := acrtest.New()
	ts := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(ts.Close)
	inst := url.Values{"InstanceId": {acrtest.DefaultInstanceID}}

	status, body := post(t, ts.URL, acrtest.DefaultAccessKeySecret, "GetNamespace", url.Values{"InstanceId": inst["InstanceId"], "NamespaceName": {"nope"}})
	if status != 200 || body["IsSuccess"] != false || body["Code"] != "NAMESPACE_NOT_EXIST" || body["RequestId"] == nil {
		t.Errorf("GetNamespace(nope) = %d %v, want 200 IsSuccess:false NAMESPACE_NOT_EXIST with a RequestId", status, body)
	}
	if status, _ := post(t, ts.URL, "wrong", "ListNamespace", inst); status < 400 {
		t.Errorf("wrong secret answered %d, want a 4xx", status)
	}
	_, body = post(t, ts.URL, acrtest.DefaultAccessKeySecret, "ListNamespace", inst)
	if _, ok := body["TotalCount"].(string); !ok {
		t.Errorf("ListNamespace TotalCount = %#v, want a string", body["TotalCount"])
	}
	_, body = post(t, ts.URL, acrtest.DefaultAccessKeySecret, "ListRepoSyncRule", inst)
	if _, ok := body["TotalCount"].(float64); !ok {
		t.Errorf("ListRepoSyncRule TotalCount = %#v, want a number", body["TotalCount"])
	}
	srv.FailNext("ListNamespace", 1, 503, "ServiceUnavailable")
	if status, body := post(t, ts.URL, acrtest.DefaultAccessKeySecret, "ListNamespace", inst); status != 503 || body["Code"] != "ServiceUnavailable" {
		t.Errorf("injected fault = %d %v, want 503 ServiceUnavailable", status, body)
	}
	if status, body := post(t, ts.URL, acrtest.DefaultAccessKeySecret, "GetNamespace", url.Values{"InstanceId": {"cri-other"}, "NamespaceName": {"x"}}); status != 200 || body["Code"] != "INSTANCE_NOT_EXIST" {
		t.Errorf("unknown instance = %d %v, want INSTANCE_NOT_EXIST", status, body)
	}
}

// TestTokenFlow follows the Docker token flow by hand: challenge, token, access.
func TestTokenFlow(t *testing.T) {
	t.Parallel()
	srv := acrtest.New()
	if err := srv.SetPassword(acrtest.DefaultInstanceID, "robot", "pw"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Registry())
	t.Cleanup(ts.Close)

	resp, err := http.Get(ts.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `Bearer realm="` + ts.URL + acrtest.TokenPath + `",service="acrtest"`
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("GET /v2/ = %d %q, want 401 %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
	}
	token := func(user, pass string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+acrtest.TokenPath+"?service=acrtest&scope=repository:ns/app:pull", nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Token string }
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &body)
		return resp.StatusCode, body.Token
	}
	if status, _ := token("robot", "bad"); status != 401 {
		t.Errorf("token with a bad password = %d, want 401", status)
	}
	status, tok := token("robot", "pw")
	if status != 200 || tok == "" {
		t.Fatalf("token = %d %q", status, tok)
	}
	var got []int
	for _, auth := range []string{"Bearer " + tok, "Bearer forged"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v2/", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if diff := cmp.Diff([]int{200, 401}, got); diff != "" {
		t.Errorf("/v2/ with a real and a forged token (-want +got):\n%s", diff)
	}
}

// TestRepositoryDepth: Enterprise Edition takes multi-tier repository names (ACR terms
// page) within the length limits in registry.go; WithMaxPathDepth(2) is Personal
// Edition's namespace/repository.
func TestRepositoryDepth(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 30) + "/" + strings.Repeat("b", 33) // 64 characters with the slash
	for _, tc := range []struct {
		name  string
		opts  []acrtest.Option
		path  string
		valid bool
	}{
		{"EE, one tier", nil, "team/app", true},
		{"EE, three tiers", nil, "team/agent/client/prod", true},
		{"EE, repository name of 64", nil, "team/" + long, true},
		{"EE, repository name of 65", nil, "team/" + long + "c", false},
		{"EE, namespace only", nil, "team", false},
		{"EE, empty tier", nil, "team/a//b", false},
		{"EE, upper case", nil, "team/App", false},
		{"Personal, two components", []acrtest.Option{acrtest.WithMaxPathDepth(2)}, "team/app", true},
		{"Personal, three components", []acrtest.Option{acrtest.WithMaxPathDepth(2)}, "team/agent/prod", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := acrtest.New(tc.opts...)
			if err := srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "team", AutoCreateRepo: true}); err != nil {
				t.Fatal(err)
			}
			if err := srv.SetPassword(acrtest.DefaultInstanceID, "robot", "pw"); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Registry())
			t.Cleanup(ts.Close)
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/v2/"+tc.path+"/blobs/uploads/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.SetBasicAuth("robot", "pw")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.StatusCode == http.StatusAccepted; got != tc.valid {
				t.Errorf("upload to %s: HTTP %d, want accepted %v", tc.path, resp.StatusCode, tc.valid)
			}
			if !tc.valid && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("refused %s with HTTP %d, want 400 NAME_INVALID", tc.path, resp.StatusCode)
			}
			created := slices.Contains(srv.Repositories(acrtest.DefaultInstanceID), tc.path)
			if created != tc.valid {
				t.Errorf("repository %s created = %v, want %v", tc.path, created, tc.valid)
			}
			if err := srv.AddRepository(acrtest.DefaultInstanceID, tc.path); (err == nil) != tc.valid {
				t.Errorf("AddRepository(%s) = %v, want valid %v", tc.path, err, tc.valid)
			}
		})
	}
}
