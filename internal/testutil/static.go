package testutil

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// staticLayer is an uncompressed layer of fixed bytes (a signature payload).
type staticLayer []byte

func static(s string) v1.Layer { return staticLayer(s) }

func (l staticLayer) Digest() (v1.Hash, error) {
	sum := sha256.Sum256(l)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, nil
}
func (l staticLayer) DiffID() (v1.Hash, error) { return l.Digest() }
func (l staticLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l)), nil
}
func (l staticLayer) Uncompressed() (io.ReadCloser, error) { return l.Compressed() }
func (l staticLayer) Size() (int64, error)                 { return int64(len(l)), nil }
func (l staticLayer) MediaType() (types.MediaType, error) {
	return "application/vnd.dev.cosign.simplesigning.v1+json", nil
}
