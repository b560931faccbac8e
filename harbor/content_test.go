package harbor_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/regdr/regdr/harbor"
)

func TestPushCreatesArtifacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	img := e.push(t, "library/a/b/c", "v1")
	e.push(t, "library/nginx", "1.25")
	dig, _ := img.Digest()
	mt, _ := img.MediaType()
	raw, _ := img.RawManifest()

	repos, err := e.client.ListRepositories(ctx, "library")
	if err != nil {
		t.Fatalf("ListRepositories: %v", err)
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
		if r.ArtifactCount != 1 {
			t.Errorf("repository %s has %d artifacts, want 1", r.Name, r.ArtifactCount)
		}
	}
	if diff := cmp.Diff([]string{"library/a/b/c", "library/nginx"}, names); diff != "" {
		t.Errorf("ListRepositories (-want +got):\n%s", diff)
	}

	// A nested name must travel escaped twice; the client handles it.
	arts, err := e.client.ListArtifacts(ctx, "library/a/b/c")
	if err != nil {
		t.Fatalf("ListArtifacts(nested): %v", err)
	}
	if len(arts) != 1 {
		t.Fatalf("ListArtifacts(nested) = %d artifacts, want 1", len(arts))
	}
	a := arts[0]
	if a.Digest != dig.String() || a.ManifestMediaType != string(mt) || !slices.Equal(a.Tags, []string{"v1"}) || a.Size < int64(len(raw)) || a.PushTime.IsZero() {
		t.Errorf("artifact = %+v, want digest %s, media type %s, tags [v1]", a, dig, mt)
	}
	for _, ref := range []string{"v1", dig.String()} {
		got, err := e.client.GetArtifact(ctx, "library/a/b/c", ref)
		if err != nil || got.Digest != dig.String() {
			t.Errorf("GetArtifact(%s) = %+v, %v; want digest %s", ref, got, err, dig)
		}
	}
	if _, err := e.client.GetArtifact(ctx, "library/a/b/c", "nope"); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("GetArtifact(nope) = %v, want ErrNotFound", err)
	}
	if _, err := e.client.ListArtifacts(ctx, "library/zzz"); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("ListArtifacts(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.client.ListArtifacts(ctx, "nested"); !errors.Is(err, harbor.ErrInvalidArgument) {
		t.Errorf("ListArtifacts(no project) = %v, want ErrInvalidArgument", err)
	}

	if err := e.srv.AddLabel("library/nginx", "1.25", "prod"); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetArtifact(ctx, "library/nginx", "1.25")
	if err != nil || !slices.Equal(got.Labels, []string{"prod"}) {
		t.Errorf("GetArtifact after AddLabel = %+v, %v; want label prod", got, err)
	}
	p, err := e.client.GetProject(ctx, "library")
	if err != nil || !p.Public || p.RepoCount != 2 {
		t.Errorf("GetProject(library) = %+v, %v; want public with 2 repositories", p, err)
	}
}

func TestRegistryAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	if _, err := e.client.CreateProject(ctx, "private", false); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	img, _ := random.Image(32, 1)
	auth := remote.WithAuth(&authn.Basic{Username: admin, Password: password})
	ref := func(s string) name.Reference {
		r, err := name.ParseReference(e.host() + "/" + s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := remote.Write(ref("nosuchproject/app:1"), img, auth); err == nil {
		t.Errorf("push to a missing project succeeded")
	}
	if err := remote.Write(ref("library/app:1"), img); err == nil {
		t.Errorf("anonymous push succeeded")
	}
	if err := remote.Write(ref("library/app:1"), img, remote.WithAuth(&authn.Basic{Username: admin, Password: "x"})); err == nil {
		t.Errorf("push with a wrong password succeeded")
	}
	for _, r := range []string{"library/app:1", "private/app:1"} {
		if err := remote.Write(ref(r), img, auth); err != nil {
			t.Fatalf("push %s: %v", r, err)
		}
	}
	if _, err := remote.Get(ref("library/app:1")); err != nil {
		t.Errorf("anonymous pull from a public project: %v", err)
	}
	if _, err := remote.Get(ref("private/app:1")); err == nil {
		t.Errorf("anonymous pull from a private project succeeded")
	}
	if _, err := remote.Get(ref("private/app:1"), auth); err != nil {
		t.Errorf("pull from a private project: %v", err)
	}
	if got := e.srv.Repositories(); !slices.Equal(got, []string{"library/app", "private/app"}) {
		t.Errorf("Repositories() = %v", got)
	}
}

func TestIndexAndAccessories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	auth := remote.WithAuth(&authn.Basic{Username: admin, Password: password})

	idx, err := random.Index(32, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idxRef, _ := name.ParseReference(e.host() + "/library/multi:latest")
	if err := remote.WriteIndex(idxRef, idx, auth); err != nil {
		t.Fatalf("WriteIndex: %v", err)
	}
	idxDigest, _ := idx.Digest()
	manifest, _ := idx.IndexManifest()

	// A cosign-style signature: tag sha256-<hex>.sig.
	sig, _ := random.Image(16, 1)
	sigRef, _ := name.ParseReference(fmt.Sprintf("%s/library/multi:sha256-%s.sig", e.host(), idxDigest.Hex))
	if err := remote.Write(sigRef, sig, auth); err != nil {
		t.Fatal(err)
	}
	sigDigest, _ := sig.Digest()
	// An OCI 1.1 referrer: a manifest whose subject is the index.
	sbom := mutate.Subject(mustImage(t), v1.Descriptor{MediaType: types.OCIImageIndex, Digest: idxDigest, Size: mustSize(t, idx)}).(v1.Image)
	sbomDigest, _ := sbom.Digest()
	sbomRef, _ := name.ParseReference(e.host() + "/library/multi@" + sbomDigest.String())
	if err := remote.Write(sbomRef, sbom, auth); err != nil {
		t.Fatalf("pushing a referrer: %v", err)
	}

	arts, err := e.client.ListArtifacts(ctx, "library/multi")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 {
		t.Fatalf("ListArtifacts = %+v, want only the index (children and accessories are not listed)", arts)
	}
	a := arts[0]
	var children []string
	for _, m := range manifest.Manifests {
		children = append(children, m.Digest.String())
	}
	if a.Digest != idxDigest.String() || !slices.Equal(a.References, children) {
		t.Errorf("index artifact = %+v, want digest %s and children %v", a, idxDigest, children)
	}
	accs := map[string]string{}
	for _, x := range a.Accessories {
		accs[x.Digest] = x.Type
		if x.SubjectDigest != idxDigest.String() {
			t.Errorf("accessory %+v: subject is not the index", x)
		}
	}
	want := map[string]string{sigDigest.String(): "signature.cosign", sbomDigest.String(): "subject.accessory"}
	if diff := cmp.Diff(want, accs); diff != "" {
		t.Errorf("accessories (-want +got):\n%s", diff)
	}
}

func mustImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(16, 1)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.MediaType(img, types.OCIManifestSchema1)
}

func mustSize(t *testing.T, idx v1.ImageIndex) int64 {
	t.Helper()
	n, err := idx.Size()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	want := []string{"library"}
	for i := range 120 {
		n := fmt.Sprintf("p%03d", i)
		e.srv.AddProject(n, i%2 == 0)
		want = append(want, n)
	}
	ps, err := e.client.ListProjects(ctx)
	if err != nil {
		t.Fatalf("ListProjects: %v", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListProjects across pages (-want +got):\n%s", diff)
	}

	img, _ := random.Image(16, 1)
	auth := remote.WithAuth(&authn.Basic{Username: admin, Password: password})
	for i := range 103 {
		r, _ := name.ParseReference(fmt.Sprintf("%s/p000/r:t%03d", e.host(), i))
		if err := remote.Write(r, mutate.Annotations(img, map[string]string{"i": fmt.Sprint(i)}).(v1.Image), auth); err != nil {
			t.Fatal(err)
		}
	}
	arts, err := e.client.ListArtifacts(ctx, "p000/r")
	if err != nil || len(arts) != 103 {
		t.Errorf("ListArtifacts = %d artifacts, %v; want 103", len(arts), err)
	}
}
