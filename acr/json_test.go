package acr_test

import (
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/internal/jsontest"
)

// TestJSONSnakeCase: the values this package returns and takes, which regdr prints and
// logs, use snake_case keys only, at every depth — not ACR's OpenAPI casing, which stays
// on the wire. Every field is set so that omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	img := acr.SyncImage{Region: "cn-hangzhou", InstanceID: "cri-1", Namespace: "ns", Repo: "nginx", Tag: "1.26"}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Instance", acr.Instance{ID: "cri-1", Name: "n", Status: "RUNNING", Specification: "Enterprise_Advanced", Created: at}},
		{"Endpoint", acr.Endpoint{Type: acr.EndpointVPC, Enabled: true, Status: "RUNNING", Domains: []acr.Domain{{Name: "d", Type: acr.DomainSystem}}}},
		{"VPCEndpoint", acr.VPCEndpoint{Enabled: true, Domains: []string{"d"},
			LinkedVPCs: []acr.LinkedVPC{{VPCID: "vpc-1", VSwitchID: "vsw-1", IP: "127.0.0.1", Status: "RUNNING"}}}},
		{"CustomDomain", acr.CustomDomain{Domain: "r.example.com", EndpointType: "vpc", DomainType: "USER", CertID: "1"}},
		{"CustomDomainSpec", acr.CustomDomainSpec{CertID: "1", CertRegionID: "cn-hangzhou"}},
		{"Namespace", acr.Namespace{ID: "1", Name: "ns", AutoCreateRepo: true, DefaultRepoType: "PRIVATE", Status: "NORMAL"}},
		{"NamespaceSpec", acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: "PUBLIC"}},
		{"NamespaceChange", acr.NamespaceChange{Namespace: "ns", Created: true, Updated: []string{"AutoCreateRepo"}}},
		{"Repository", acr.Repository{ID: "1", Namespace: "ns", Name: "nginx", Type: "PRIVATE", Status: "NORMAL"}},
		{"Tag", acr.Tag{Tag: "1.26", Digest: "sha256:aa", Size: 1, ImageID: "bb", Status: "NORMAL", Updated: at, Created: at}},
		{"SyncRuleSpec", acr.SyncRuleSpec{Name: "r", Namespace: "ns", Repo: "nginx", TargetRegion: "cn-shanghai",
			TargetInstanceID: "cri-2", TargetNamespace: "ns", TargetRepo: "nginx", TargetUserID: "1", TagFilter: ".*", Trigger: "PASSIVE"}},
		{"SyncRule", acr.SyncRule{ID: "1", Name: "r", Scope: "REPO", Trigger: "PASSIVE", TagFilter: ".*", Direction: "FROM",
			Namespace: "ns", Repo: "nginx", TargetRegion: "cn-shanghai", TargetInstanceID: "cri-2", TargetNamespace: "ns",
			TargetRepo: "nginx", CrossUser: true, Created: at}},
		{"SyncTask", acr.SyncTask{ID: "1", RuleID: "1", BatchID: "1", Status: "SUCCESS", Trigger: "PASSIVE", From: img, To: img,
			Progress: 1, SyncedSize: 1, Created: at}},
		{"Token", acr.Token{Username: "u", Password: "p", Expires: at}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v)
		})
	}
}
