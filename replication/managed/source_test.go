package managed_test

import (
	"strings"
	"testing"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// Harbor grants the catalog to no token, not even the admin's: the catalog listing fails
// with a 401 whose error says to list Harbor through its API, which works.
func TestRegistrySourceCatalogDeniedByHarbor(t *testing.T) {
	t.Parallel()
	ctx := harborCtx(t)
	e := newHarborEnv(t)
	e.push(t, "library/nginx:1.25")
	admin := e.harborEndpoint()
	admin.PlainHTTP = true
	s, err := mirror.New(admin, e.acrEndpoint(), mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Plan(ctx); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Source") {
		t.Errorf("planning from Harbor's catalog: %v; want a 401 pointing at Source", err)
	}
	s, err = mirror.New(admin, e.acrEndpoint(), mirror.Options{
		Source: &managed.Source{Harbor: e.client}, Flattener: replication.HarborFlatten("dr-ns", 1)})
	if err != nil {
		t.Fatal(err)
	}
	if plan, err := s.Plan(ctx); err != nil || len(plan.Items) != 1 {
		t.Errorf("planning through Harbor's API: %v, %v; want one item", plan, err)
	}
}
