package acr_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
)

// TestClientConcurrentReads runs read methods of one *acr.Client from many goroutines at
// once, as replication.Verifier does with Jobs > 1. Under -race it fails if the client
// shares per-request SDK state between calls.
func TestClientConcurrentReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "team"}); err != nil {
		t.Fatal(err)
	}
	const repos = 4
	for i := range repos {
		if err := e.srv.AddRepository(acrtest.DefaultInstanceID, fmt.Sprintf("team/app%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	const workers, rounds = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				path := fmt.Sprintf("team/app%d", (w+r)%repos)
				if _, err := e.client.TagsOf(ctx, path); err != nil {
					errs <- fmt.Errorf("TagsOf(%s): %w", path, err)
				}
				if _, err := e.client.GetNamespace(ctx, "team"); err != nil {
					errs <- fmt.Errorf("GetNamespace: %w", err)
				}
				if list, err := e.client.ListRepositories(ctx, "team"); err != nil || len(list) != repos {
					errs <- fmt.Errorf("ListRepositories = %d repositories, %v; want %d", len(list), err, repos)
				}
				if _, err := e.client.GetRepository(ctx, "team/missing"); !errors.Is(err, acr.ErrNotFound) {
					errs <- fmt.Errorf("GetRepository(team/missing) = %v, want not found", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.srv.CallCount("GetRepository"); n != workers*rounds*2 {
		t.Errorf("GetRepository calls = %d, want %d", n, workers*rounds*2)
	}
}
