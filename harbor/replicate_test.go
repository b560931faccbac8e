package harbor_test

import (
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor"
)

// An index, its children and its cosign signature arrive byte for byte; a label
// filter selects only labelled artifacts.
func TestReplicatesIndexSignatureAndLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, destURL := e.withEndpoint(t)
	auth := remote.WithAuth(&authn.Basic{Username: admin, Password: password})

	idx, _ := random.Index(32, 1, 2)
	idxRef, _ := name.ParseReference(e.host() + "/library/multi:v1")
	if err := remote.WriteIndex(idxRef, idx, auth); err != nil {
		t.Fatal(err)
	}
	idxDigest, _ := idx.Digest()
	sig, _ := random.Image(16, 1)
	sigTag := fmt.Sprintf("sha256-%s.sig", idxDigest.Hex)
	sigRef, _ := name.ParseReference(e.host() + "/library/multi:" + sigTag)
	if err := remote.Write(sigRef, sig, auth); err != nil {
		t.Fatal(err)
	}
	sigDigest, _ := sig.Digest()
	e.push(t, "library/unlabelled", "v1")
	if err := e.srv.AddLabel("library/multi", "v1", "prod"); err != nil {
		t.Fatal(err)
	}

	pid, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "labels", DestRegistryID: regID, DestNamespace: "dr",
		DestNamespaceReplaceCount: harbor.FlattenAll, Enabled: true,
		Filters: []harbor.Filter{{Type: harbor.FilterLabel, Labels: []string{"prod"}}}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.client.StartExecution(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.WaitExecutions(ctx); err != nil {
		t.Fatal(err)
	}
	if ex, err := e.client.Wait(ctx, id, harbor.WaitOptions{}); err != nil || ex.Total != 1 {
		t.Fatalf("Wait = %+v, %v; want 1 task succeeded", ex, err)
	}
	for ref, want := range map[string]string{
		"dr/multi:v1":        idxDigest.String(),
		"dr/multi:" + sigTag: sigDigest.String(),
		"dr/unlabelled:v1":   "",
	} {
		if got := digestAt(t, destURL, ref); got != want {
			t.Errorf("destination %s = %q, want %q", ref, got, want)
		}
	}
}
