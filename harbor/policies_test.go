package harbor_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regdr/regdr/harbor"
)

var ignorePolicyTimes = cmpopts.IgnoreFields(harbor.Policy{}, "ID", "CreationTime", "UpdateTime")

// withEndpoint creates a registry endpoint towards a fresh destination registry.
func (e *env) withEndpoint(t *testing.T) (id int64, destURL string) {
	t.Helper()
	dest := newDest(t)
	id, err := e.client.CreateRegistry(ctxT(t), harbor.Registry{Name: "dest-" + t.Name(), Type: harbor.TypeDockerRegistry, URL: dest.URL})
	if err != nil {
		t.Fatalf("CreateRegistry: %v", err)
	}
	return id, dest.URL
}

func TestPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, _ := e.withEndpoint(t)

	for _, in := range []harbor.Policy{
		{
			Name: "everything", Description: "all fields", DestRegistryID: regID, DestNamespace: "acr-ns",
			DestNamespaceReplaceCount: harbor.FlattenNone, // 0 must survive: omitted would become -1
			Filters: []harbor.Filter{
				{Type: harbor.FilterName, Value: "library/**"}, // no decoration: Harbor rejects one here
				{Type: harbor.FilterTag, Value: "v1.*", Decoration: harbor.DecorationExcludes},
				{Type: harbor.FilterLabel, Labels: []string{"prod", "signed"}, Decoration: harbor.DecorationMatches},
				{Type: harbor.FilterResource, Value: "image"},
			},
			Trigger: harbor.Trigger{Type: harbor.TriggerScheduled, Cron: "0 0 3 * * *"},
			Speed:   1024, Override: true, Enabled: true, ReplicateDeletion: true, CopyByChunk: true,
		},
		{
			Name: "flatten-1", DestRegistryID: regID, DestNamespace: "acr-ns", DestNamespaceReplaceCount: harbor.Flatten1Level,
			Trigger: harbor.Trigger{Type: harbor.TriggerEventBased}, Speed: -1, Enabled: true,
		},
	} {
		t.Run(in.Name, func(t *testing.T) {
			id, err := e.client.CreatePolicy(ctx, in)
			if err != nil {
				t.Fatalf("CreatePolicy: %v", err)
			}
			got, err := e.client.GetPolicy(ctx, id)
			if err != nil {
				t.Fatalf("GetPolicy: %v", err)
			}
			if diff := cmp.Diff(in, *got, ignorePolicyTimes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("GetPolicy mismatch (-want +got):\n%s", diff)
			}
			byName, err := e.client.GetPolicyByName(ctx, in.Name)
			if err != nil || byName.ID != id {
				t.Errorf("GetPolicyByName(%q) = %+v, %v; want ID %d", in.Name, byName, err, id)
			}
		})
	}
	if _, err := e.client.GetPolicyByName(ctx, "every"); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("GetPolicyByName(prefix) = %v, want ErrNotFound", err)
	}
	ps, err := e.client.ListPolicies(ctx)
	if err != nil || len(ps) != 2 {
		t.Errorf("ListPolicies = %d policies, %v; want 2", len(ps), err)
	}
}

func TestPolicyUpdateSendsEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, _ := e.withEndpoint(t)
	in := harbor.Policy{Name: "p", DestRegistryID: regID, DestNamespace: "ns", DestNamespaceReplaceCount: 2,
		Filters: []harbor.Filter{{Type: harbor.FilterName, Value: "library/*"}}, ReplicateDeletion: true, Enabled: true, Speed: 10}
	id, err := e.client.CreatePolicy(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// Change one field; PUT replaces the policy, so the rest must be sent again.
	p, err := e.client.GetPolicy(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p.Description = "now described"
	if err := e.client.UpdatePolicy(ctx, *p); err != nil {
		t.Fatalf("UpdatePolicy: %v", err)
	}
	got, err := e.client.GetPolicy(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Description = "now described"
	// A name filter has no decoration in Harbor: none is stored or read back.
	want.Trigger.Type = harbor.TriggerManual
	if diff := cmp.Diff(want, *got, ignorePolicyTimes); diff != "" {
		t.Errorf("after UpdatePolicy (-want +got):\n%s", diff)
	}
	if err := e.client.DeletePolicy(ctx, id); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	if _, err := e.client.GetPolicy(ctx, id); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("GetPolicy(deleted) = %v, want ErrNotFound", err)
	}
	if err := e.client.UpdatePolicy(ctx, *p); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("UpdatePolicy(deleted) = %v, want ErrNotFound", err)
	}
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	for _, tc := range []struct {
		name string
		p    harbor.Policy
	}{
		{"no name", harbor.Policy{DestRegistryID: 1}},
		{"no registry", harbor.Policy{Name: "a"}},
		{"both registries", harbor.Policy{Name: "a", SrcRegistryID: 1, DestRegistryID: 2}},
		{"count too low", harbor.Policy{Name: "a", DestRegistryID: 1, DestNamespaceReplaceCount: -2}},
		{"bad filter", harbor.Policy{Name: "a", DestRegistryID: 1, Filters: []harbor.Filter{{Type: "size"}}}},
		{"bad decoration", harbor.Policy{Name: "a", DestRegistryID: 1, Filters: []harbor.Filter{{Type: harbor.FilterTag, Decoration: "maybe"}}}},
		{"5-field cron", harbor.Policy{Name: "a", DestRegistryID: 1, Trigger: harbor.Trigger{Type: harbor.TriggerScheduled, Cron: "0 3 * * *"}}},
		{"cron on manual", harbor.Policy{Name: "a", DestRegistryID: 1, Trigger: harbor.Trigger{Cron: "0 0 3 * * *"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.client.CreatePolicy(ctx, tc.p); !errors.Is(err, harbor.ErrInvalidArgument) {
				t.Errorf("CreatePolicy = %v, want ErrInvalidArgument", err)
			}
		})
	}
	if _, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "a", DestRegistryID: 999}); !errors.Is(err, harbor.ErrBadRequest) {
		t.Errorf("CreatePolicy(unknown registry) = %v, want ErrBadRequest", err)
	}
}

// Harbor (≥ 2.10) answers 400 to any decoration on a name or resource filter,
// "matches" included: the client leaves "matches" out and refuses "excludes".
func TestNameAndResourceFiltersTakeNoDecoration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, _ := e.withEndpoint(t)
	for _, tc := range []struct {
		name    string
		f       harbor.Filter
		wantErr bool
	}{
		{"name matches", harbor.Filter{Type: harbor.FilterName, Value: "library/**", Decoration: harbor.DecorationMatches}, false},
		{"resource matches", harbor.Filter{Type: harbor.FilterResource, Value: "image", Decoration: harbor.DecorationMatches}, false},
		{"name excludes", harbor.Filter{Type: harbor.FilterName, Value: "library/**", Decoration: harbor.DecorationExcludes}, true},
		{"resource excludes", harbor.Filter{Type: harbor.FilterResource, Value: "image", Decoration: harbor.DecorationExcludes}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: strings.ReplaceAll(tc.name, " ", "-"), DestRegistryID: regID,
				Filters: []harbor.Filter{tc.f}, Enabled: true})
			if tc.wantErr != (err != nil) {
				t.Fatalf("CreatePolicy = %v, want error %t", err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, harbor.ErrInvalidArgument) {
				t.Errorf("CreatePolicy = %v, want ErrInvalidArgument", err)
			}
		})
	}
}
