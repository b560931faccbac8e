package testutil

import (
	"context"
	"io"
	"log"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// discardBlobs keeps only each blob's size: a destination for measuring a client's memory
// without the registry's own storage in the way.
type discardBlobs struct {
	mu    sync.Mutex
	sizes map[string]int64
}

var errNoBlob = registry.ErrNotFound

func (d *discardBlobs) Get(context.Context, string, v1.Hash) (io.ReadCloser, error) {
	return nil, errNoBlob
}

func (d *discardBlobs) Stat(_ context.Context, repo string, h v1.Hash) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.sizes[repo+"@"+h.String()]; ok {
		return n, nil
	}
	return 0, errNoBlob
}

func (d *discardBlobs) Put(_ context.Context, repo string, h v1.Hash, rc io.ReadCloser) error {
	n, err := io.Copy(io.Discard, rc) // rc verifies the digest as it is read
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sizes[repo+"@"+h.String()] = n
	return nil
}

// NewDiscardRegistry serves a go-containerregistry registry that checks and counts blob
// bytes but does not keep them (manifests are kept).
func NewDiscardRegistry(t testing.TB) *Registry {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithBlobHandler(&discardBlobs{sizes: map[string]int64{}}))
	return serve(t, h, nil)
}
