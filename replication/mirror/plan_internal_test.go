package mirror

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// A plan keeps manifest bytes for Apply up to planRawBudget, and the manifests (their
// trees) of all; a blob digest shared by many manifests is held once.
func TestPlanKeepWithinBudget(t *testing.T) {
	t.Parallel()
	shared := "sha256:" + strings.Repeat("a", 64)
	raw := make([]byte, 64<<10)
	p := &Plan{Manifests: map[string]Manifest{}}
	n := planRawBudget/len(raw) + 10
	for i := range n {
		d := fmt.Sprintf("sha256:%064x", i)
		own := fmt.Sprintf("sha256:%064x", i+1<<20)
		// A fresh copy of the shared digest each time, as a JSON decoder makes.
		m := Manifest{MediaType: strings.Clone("application/vnd.oci.image.manifest.v1+json"),
			Blobs: []Blob{{Digest: strings.Clone(shared), Size: 1}, {Digest: own, Size: 2}}}
		p.keep(d, raw, &m)
	}
	if len(p.Manifests) != n {
		t.Errorf("%d manifests kept, want %d", len(p.Manifests), n)
	}
	if p.rawBytes > planRawBudget || len(p.raw) != planRawBudget/len(raw) {
		t.Errorf("kept %d bytes of %d manifests, want at most %d bytes", p.rawBytes, len(p.raw), planRawBudget)
	}
	first := unsafe.StringData(p.Manifests[fmt.Sprintf("sha256:%064x", 0)].Blobs[0].Digest)
	for d, m := range p.Manifests {
		if unsafe.StringData(m.Blobs[0].Digest) != first {
			t.Fatalf("manifest %s holds its own copy of the shared blob digest", d)
		}
	}
}

func TestParseManifestInternsMediaType(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:` +
		strings.Repeat("b", 64) + `","size":3},"layers":[{"digest":"sha256:` + strings.Repeat("c", 64) + `","size":4}]}`)
	m, err := parseManifest(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(m.MediaType) != unsafe.StringData(knownMediaTypes[1]) {
		t.Errorf("media type %q is a copy, not the known constant", m.MediaType)
	}
	if len(m.Blobs) != 2 || cap(m.Blobs) != 2 {
		t.Errorf("blobs = %v (cap %d), want 2 exactly", m.Blobs, cap(m.Blobs))
	}
}
