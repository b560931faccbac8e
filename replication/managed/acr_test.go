package managed_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
)

// harborRepo is a lag.Source of one Harbor repository without artifacts.
type harborRepo string

func (h harborRepo) Repositories(context.Context) ([]string, error) { return []string{string(h)}, nil }
func (harborRepo) Artifacts(context.Context, string) ([]lag.SourceArtifact, error) {
	return nil, nil
}

// TestACRTagPushTime: the ACR tag lister reports when each tag was pushed — ListRepoTag's
// ImageUpdate, epoch milliseconds, read through the SDK client from acrtest on a fake
// clock — so the reverse lag ages what ACR EE holds that Harbor lacks (OldestMissing).
func TestACRTagPushTime(t *testing.T) {
	t.Parallel()
	clk := clocktest.NewFake(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))
	srv := acrtest.New(acrtest.WithClock(clk))
	if err := srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "dr", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPassword(acrtest.DefaultInstanceID, "pusher", "push-pw"); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(api.Close)
	reg := httptest.NewServer(srv.Registry())
	t.Cleanup(reg.Close)
	client, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fx := testutil.NewFixture(3, 64)
	auth := &authn.Basic{Username: "pusher", Password: "push-pw"}
	host := strings.TrimPrefix(reg.URL, "http://")
	first := clk.Now()
	if err := testutil.PushAuth(ctx, host, "dr/nginx:hotfix", fx.Image("hotfix", 0), auth); err != nil {
		t.Fatal(err)
	}
	clk.Advance(90 * time.Minute)
	second := clk.Now()
	if err := testutil.PushAuth(ctx, host, "dr/nginx:canary", fx.Image("canary", 0), auth); err != nil {
		t.Fatal(err)
	}

	tags, err := managed.ACR{Client: client}.TagsOf(ctx, "dr/nginx")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, tg := range tags {
		got[tg.Name] = tg.PushTime
	}
	if diff := cmp.Diff(map[string]time.Time{"hotfix": first, "canary": second}, got); diff != "" {
		t.Errorf("TagsOf push times (-want +got):\n%s", diff)
	}

	clk.Advance(30 * time.Minute)
	v := lag.Verifier{Source: harborRepo("library/nginx"), Tags: managed.ACR{Client: client},
		Flattener: replication.HarborFlatten("dr", 1), Namespace: "dr", Clock: clk}
	r, err := v.Reverse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) != 2 || r.OldestMissing != 2*time.Hour {
		t.Errorf("Reverse = %v; want 2 missing, the oldest pushed 2h ago", r)
	}

	// The tag pushed again, to another image: ImageUpdate moves, ImageCreate stays.
	if err := testutil.PushAuth(ctx, host, "dr/nginx:hotfix", fx.Image("hotfix-2", 0), auth); err != nil {
		t.Fatal(err)
	}
	raw, err := client.TagsOf(ctx, "dr/nginx")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range raw {
		if tg.Tag == "hotfix" && (!tg.Updated.Equal(clk.Now()) || !tg.Created.Equal(first)) {
			t.Errorf("hotfix pushed again: updated %v, created %v; want %v and %v", tg.Updated, tg.Created, clk.Now(), first)
		}
	}
}
