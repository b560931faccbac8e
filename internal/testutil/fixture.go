package testutil

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Fixture builds deterministic images: layer i of a fixture with a given seed and size is
// the same bytes in every run, so images sharing layer indexes share blobs.
type Fixture struct {
	Seed      int64
	LayerSize int64

	mu     sync.Mutex
	layers map[int]v1.Layer
}

// NewFixture returns a Fixture whose layers hold layerSize random bytes each.
func NewFixture(seed, layerSize int64) *Fixture {
	return &Fixture{Seed: seed, LayerSize: layerSize, layers: map[int]v1.Layer{}}
}

// Layer returns layer i.
func (f *Fixture) Layer(i int) v1.Layer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, ok := f.layers[i]; ok {
		return l
	}
	l, err := random.Layer(f.LayerSize, types.DockerLayer, random.WithSource(rand.NewSource(f.Seed*1_000_003+int64(i))))
	if err != nil {
		panic(err) // random.Layer fails only on a broken reader
	}
	f.layers[i] = l
	return l
}

// Image returns a Docker schema 2 image made of the given layers, whose config names it
// (so two images with the same layers still differ).
func (f *Fixture) Image(name string, layers ...int) v1.Image {
	img := empty.Image
	for _, i := range layers {
		var err error
		if img, err = mutate.AppendLayers(img, f.Layer(i)); err != nil {
			panic(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		panic(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{"fixture": name}
	cf.Architecture, cf.OS = "amd64", "linux"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		panic(err)
	}
	return img
}

// OCIImage is Image with OCI media types.
func (f *Fixture) OCIImage(name string, layers ...int) v1.Image {
	img := mutate.MediaType(f.Image(name, layers...), types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// Index returns a multi-arch OCI index of one image per platform, all sharing the given
// layers plus one layer of their own.
func (f *Fixture) Index(name string, platforms []string, layers ...int) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for n, arch := range platforms {
		h := fnv.New32a()
		h.Write([]byte(name))
		own := 1_000_000 + int(h.Sum32()%1_000_000)*8 + n
		img := f.OCIImage(name+"/"+arch, append(append([]int(nil), layers...), own)...)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx
}

// Signature returns a small OCI artifact whose subject is desc, as cosign or notation
// would push it: found through the OCI referrers API.
func (f *Fixture) Signature(desc v1.Descriptor, payload string) v1.Image {
	l := static(payload)
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		panic(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, "application/vnd.dev.cosign.artifact.sig.v1+json")
	return mutate.Subject(img, desc).(v1.Image)
}

// Push writes img (a v1.Image or v1.ImageIndex) to host/ref ("repo:tag" or "repo@digest").
func Push(ctx context.Context, host, ref string, img any) error {
	r, err := name.ParseReference(host + "/" + ref)
	if err != nil {
		return err
	}
	switch v := img.(type) {
	case v1.ImageIndex:
		return remote.WriteIndex(r, v, remote.WithContext(ctx))
	case v1.Image:
		return remote.Write(r, v, remote.WithContext(ctx))
	}
	return fmt.Errorf("push %s: %T is neither an image nor an index", ref, img)
}

// Descriptor returns the descriptor of an image or index.
func Descriptor(img any) v1.Descriptor {
	type described interface {
		Digest() (v1.Hash, error)
		Size() (int64, error)
		MediaType() (types.MediaType, error)
	}
	d := img.(described)
	h, err := d.Digest()
	if err != nil {
		panic(err)
	}
	sz, _ := d.Size()
	mt, _ := d.MediaType()
	return v1.Descriptor{Digest: h, Size: sz, MediaType: mt}
}

// PushAuth is Push with credentials.
func PushAuth(ctx context.Context, host, ref string, img any, auth authn.Authenticator) error {
	r, err := name.ParseReference(host + "/" + ref)
	if err != nil {
		return err
	}
	switch v := img.(type) {
	case v1.ImageIndex:
		return remote.WriteIndex(r, v, remote.WithContext(ctx), remote.WithAuth(auth))
	case v1.Image:
		return remote.Write(r, v, remote.WithContext(ctx), remote.WithAuth(auth))
	}
	return fmt.Errorf("push %s: %T is neither an image nor an index", ref, img)
}
