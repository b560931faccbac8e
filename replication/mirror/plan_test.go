package mirror_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/regdr/regdr/replication/mirror"
)

func handmadePlan() *mirror.Plan {
	const (
		idx  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		amd  = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
		img  = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
		old  = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
		base = "sha256:5555555555555555555555555555555555555555555555555555555555555555"
	)
	return &mirror.Plan{
		Source: "harbor.example.com", Destination: "acr.example.com",
		Items: []mirror.Item{
			{Source: "lib/app", Dest: "ns/app", Tag: "v1", Digest: idx, Action: mirror.Copy},
			{Source: "lib/app", Dest: "ns/app", Tag: "v1-again", Digest: idx, Action: mirror.Copy},
			{Source: "lib/db", Dest: "ns/db", Tag: "v1", Digest: img, Action: mirror.TagOnly},
			{Source: "lib/db", Dest: "ns/db", Tag: "v2", Digest: img, Action: mirror.Skip},
			{Source: "lib/db", Dest: "ns/db", Tag: "v3", Digest: img, Action: mirror.Conflict, DestDigest: old},
		},
		Manifests: map[string]mirror.Manifest{
			idx: {MediaType: "application/vnd.oci.image.index.v1+json", Size: 300, Children: []string{amd}},
			amd: {MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 400, Blobs: []mirror.Blob{{Digest: base, Size: 1 << 20}, {Digest: old, Size: 1024}}},
		},
	}
}

func TestPlanValue(t *testing.T) {
	t.Parallel()
	p := handmadePlan()
	want := mirror.Totals{Items: 5, Copy: 2, TagOnly: 1, Skip: 1, Conflicts: 1, Manifests: 2, UniqueBlobs: 2, Bytes: 1<<20 + 1024}
	if diff := cmp.Diff(want, p.Totals()); diff != "" {
		t.Errorf("Totals() (-want +got):\n%s", diff)
	}
	if !p.HasChanges() {
		t.Error("HasChanges() = false")
	}
	wantS := `sync harbor.example.com → acr.example.com
  copy     harbor.example.com/lib/app:v1 → ns/app:v1 (sha256:111111111111)
  copy     harbor.example.com/lib/app:v1-again → ns/app:v1-again (sha256:111111111111)
  tag      harbor.example.com/lib/db:v1 → ns/db:v1 (sha256:333333333333)
  conflict harbor.example.com/lib/db:v3 → ns/db:v3 (sha256:333333333333) replacing sha256:444444444444
2 copy, 1 tag, 1 unchanged, 1 conflict; 2 manifests, 2 unique blobs, 1.0 MiB to move at most
`
	if diff := cmp.Diff(wantS, p.String()); diff != "" {
		t.Errorf("String() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(p, roundTrip(t, p), cmpopts.IgnoreUnexported(mirror.Plan{})); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	noop := &mirror.Plan{Items: []mirror.Item{{Action: mirror.Skip}, {Action: mirror.Conflict}}}
	if noop.HasChanges() {
		t.Error("a plan of skips and conflicts HasChanges")
	}
}
