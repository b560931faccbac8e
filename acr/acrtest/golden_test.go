package acrtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// postRaw is one v1-signed call; it returns the status and the body as sent.
func postRaw(t *testing.T, u, action string, extra url.Values) (int, []byte) {
	t.Helper()
	params := url.Values{
		"Action": {action}, "Version": {acrtest.APIVersion}, "AccessKeyId": {acrtest.DefaultAccessKeyID}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "SignatureNonce": {"g-" + action + extra.Encode()},
		"Timestamp": {"2026-01-01T00:00:00Z"},
	}
	for k, v := range extra {
		params[k] = v
	}
	resp, err := http.Post(u+"/?"+aliyuntest.SignV1("POST", params, acrtest.DefaultAccessKeySecret), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestGoldenAnswers holds every action acrtest serves to the documented example answer in
// the fact pack (testdata/golden, copied from shared/reference/alibaba/cr.md with their
// sources): the same fields, JSON types and formats (bare-hex digests, epoch-ms numbers or
// strings, string totals). Fields acrtest does not emulate are listed per action, each
// with the reason.
func TestGoldenAnswers(t *testing.T) {
	t.Parallel()
	srv := acrtest.New()
	api := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(api.Close)
	reg := httptest.NewServer(srv.Registry())
	t.Cleanup(reg.Close)
	inst := acrtest.DefaultInstanceID
	if err := srv.AddNamespace(inst, acrtest.Namespace{Name: "test", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPassword(inst, "robot", "pw"); err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(strings.TrimPrefix(reg.URL, "http://")+"/test/test:v0.1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "robot", Password: "pw"})); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetLinkedVPCs(inst, acrtest.LinkedVPC{VPCID: "vpc-golden", VSwitchID: "vsw-golden", IP: "127.0.0.10"}); err != nil {
		t.Fatal(err)
	}
	call := func(action string, kv ...string) []byte {
		v := url.Values{"InstanceId": {inst}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		status, b := postRaw(t, api.URL, action, v)
		if status != 200 {
			t.Fatalf("%s answered %d %s", action, status, b)
		}
		return b
	}
	repoID := func() string {
		b := call("GetRepository", "RepoNamespaceName", "test", "RepoName", "test")
		_, id, _ := strings.Cut(string(b), `"RepoId":"`)
		id, _, _ = strings.Cut(id, `"`)
		return id
	}()
	taskID, err := srv.AddSyncTask(inst, acrtest.SyncTask{Namespace: "test", Repo: "test", Tag: "v0.1", TargetRegion: "cn-shenzhen",
		TargetInstanceID: "cri-k77rd2eo9ztt", TargetNamespace: "test", TargetRepo: "test", Progress: 1, SyncedSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action      string
		params      []string
		notEmulated []string
	}{
		{"GetInstance", nil, []string{
			"Tags", // resource tags are not emulated
		}},
		{"ListInstanceEndpoint", nil, []string{
			"Endpoints[].AclEntries[]", // endpoint ACLs are not emulated: always empty
			"Endpoints[].LinkedVpcs[]", // linked VPCs are reported by GetInstanceVpcEndpoint only
		}},
		{"GetInstanceEndpoint", []string{"EndpointType", "internet"}, []string{
			"AclEntries[]", // endpoint ACLs are not emulated: always empty
		}},
		{"GetInstanceVpcEndpoint", nil, nil},
		{"CreateNamespace", []string{"NamespaceName", "created"}, nil},
		{"GetNamespace", []string{"NamespaceName", "test"}, nil},
		{"UpdateNamespace", []string{"NamespaceName", "test", "AutoCreateRepo", "true"}, nil},
		{"ListNamespace", nil, nil},
		{"GetRepository", []string{"RepoNamespaceName", "test", "RepoName", "test"}, nil},
		{"ListRepository", nil, nil},
		{"ListRepoTag", []string{"RepoId", repoID}, nil},
		{"GetAuthorizationToken", nil, nil},
		{"CreateRepoSyncRule", []string{"NamespaceName", "test", "RepoName", "test", "TargetRegionId", "cn-shenzhen",
			"TargetInstanceId", "cri-k77rd2eo9ztt", "TargetNamespaceName", "test", "TargetRepoName", "test", "TagFilter", ".*",
			"SyncScope", "REPO", "SyncRuleName", "rule", "SyncTrigger", "PASSIVE"}, nil},
		{"ListRepoSyncRule", nil, nil},
		{"ListRepoSyncTask", nil, nil},
		{"GetRepoSyncTask", []string{"SyncTaskId", taskID}, nil},
		{"CreateInstanceCustomizedDomain", []string{"ModuleName", "Registry", "Domain", "registry.example.com", "CertId", "21428921"}, nil},
		{"GetInstanceCustomizedDomain", []string{"ModuleName", "Registry", "Domain", "registry.example.com"}, nil},
	} {
		t.Run(tc.action, func(t *testing.T) {
			g, err := aliyuntest.LoadGolden(filepath.Join("testdata", "golden", tc.action+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got := call(tc.action, tc.params...)
			diff, err := aliyuntest.ShapeDiff(g.Response, got, tc.notEmulated...)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diff {
				t.Errorf("%s: %s (documented: %s)", tc.action, d, g.Source)
			}
		})
	}
}
