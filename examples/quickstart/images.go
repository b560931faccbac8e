package main

import (
	"math/rand"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// images builds the story's deterministic images from go-containerregistry's building
// blocks: layer i of a given seed is the same bytes in every run, so images that share a
// layer index share a blob, as real images share base layers. (The example keeps its own
// few lines rather than regdr's internal test helpers, so it can be copied as is.)
type images struct {
	seed      int64
	layerSize int64
}

// layer returns layer i.
func (f images) layer(i int) v1.Layer {
	l, err := random.Layer(f.layerSize, types.DockerLayer, random.WithSource(rand.NewSource(f.seed*1_000_003+int64(i))))
	if err != nil {
		panic(err) // random.Layer fails only on a broken reader
	}
	return l
}

// image returns a Docker schema 2 image of the given layers whose config names it, so two
// images with the same layers still differ.
func (f images) image(name string, layers ...int) v1.Image {
	img := empty.Image
	for _, i := range layers {
		img = must(mutate.AppendLayers(img, f.layer(i)))
	}
	cf := must(img.ConfigFile()).DeepCopy()
	cf.Config.Labels = map[string]string{"fixture": name}
	cf.Architecture, cf.OS = "amd64", "linux"
	return must(mutate.ConfigFile(img, cf))
}

// ociImage is image with OCI media types.
func (f images) ociImage(name string, layers ...int) v1.Image {
	return mutate.ConfigMediaType(mutate.MediaType(f.image(name, layers...), types.OCIManifestSchema1), types.OCIConfigJSON)
}

// index returns a multi-arch OCI index of one image per platform, sharing layers plus one
// layer of its own each.
func (f images) index(name string, archs []string, layers ...int) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for n, arch := range archs {
		img := f.ociImage(name+"/"+arch, append(append([]int(nil), layers...), 1000+n)...)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx
}

// signature returns a small OCI artifact whose subject is desc, as cosign or notation
// would push it.
func (f images) signature(desc v1.Descriptor, payload string) v1.Image {
	img := must(mutate.AppendLayers(empty.Image, static.NewLayer([]byte(payload), "application/vnd.dev.cosign.simplesigning.v1+json")))
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), "application/vnd.dev.cosign.artifact.sig.v1+json")
	return mutate.Subject(img, desc).(v1.Image)
}

// descriptor returns the descriptor of an image or index.
func descriptor(img interface {
	Digest() (v1.Hash, error)
	Size() (int64, error)
	MediaType() (types.MediaType, error)
}) v1.Descriptor {
	return v1.Descriptor{Digest: must(img.Digest()), Size: must(img.Size()), MediaType: must(img.MediaType())}
}

// must panics on err: the images are built from constants, so an error is a bug.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
