package harbor_test

import (
	"testing"
	"time"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/jsontest"
)

// TestJSONSnakeCase: the values this package returns, which regdr's plans and results
// embed (an ApplyResult's Execution), use snake_case keys only, at every depth — Harbor's
// own names. Every field is set so that omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Execution", harbor.Execution{ID: 1, PolicyID: 1, Status: harbor.StatusFailed, StatusText: "t", Trigger: "manual",
			Total: 1, Succeed: 1, Failed: 1, InProgress: 1, Stopped: 1, StartTime: at, EndTime: at}},
		{"Task", harbor.Task{ID: 1, ExecutionID: 1, JobID: "j", Status: "Failed", Operation: "copy", ResourceType: "image",
			SrcResource: "library/nginx:[1.25]", DstResource: "ns/nginx:[1.25]", StartTime: at, EndTime: at}},
		{"Project", harbor.Project{ID: 1, Name: "library", Public: true, OwnerName: "admin", RepoCount: 1, CreationTime: at}},
		{"Repository", harbor.Repository{ID: 1, ProjectID: 1, Name: "library/nginx", ArtifactCount: 1, PullCount: 1,
			CreationTime: at, UpdateTime: at}},
		{"Artifact", harbor.Artifact{ID: 1, Digest: "sha256:aa", MediaType: "m", ManifestMediaType: "m", Type: "IMAGE", Size: 1,
			PushTime: at, Tags: []string{"1.25"}, Labels: []string{"l"}, References: []string{"sha256:bb"},
			Accessories: []harbor.Accessory{{Digest: "sha256:cc", Type: "signature.cosign", Size: 1, SubjectDigest: "sha256:aa"}}}},
		{"Policy", harbor.Policy{ID: 1, Name: "p", Description: "d", SrcRegistryID: 1, DestRegistryID: 2, DestNamespace: "ns",
			DestNamespaceReplaceCount: 1, Filters: []harbor.Filter{{Type: harbor.FilterLabel, Value: "v", Labels: []string{"l"},
				Decoration: harbor.DecorationExcludes}}, Trigger: harbor.Trigger{Type: harbor.TriggerScheduled, Cron: "0 0 * * * *"},
			Speed: 1, Override: true, Enabled: true, ReplicateDeletion: true, CopyByChunk: true, CreationTime: at, UpdateTime: at}},
		{"Registry", harbor.Registry{ID: 1, Name: "acr", Description: "d", Type: harbor.TypeDockerRegistry, URL: "https://127.0.0.1",
			Insecure: true, Credential: &harbor.Credential{Type: "basic", AccessKey: "k", AccessSecret: "s"}, Status: "healthy",
			CreationTime: at, UpdateTime: at}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v)
		})
	}
}
