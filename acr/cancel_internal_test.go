package acr

import (
	"context"
	"errors"
	"testing"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/internal/aliyun"
)

// blockingAPI is an SDK client whose GetNamespace answers only when released, as a cr
// call stuck on a slow network would (the SDK takes no context). Every other method
// panics: the embedded interface is nil.
type blockingAPI struct {
	api
	started chan struct{}
	release chan struct{}
}

func (b *blockingAPI) GetNamespaceWithOptions(req *cr.GetNamespaceRequest, _ *util.RuntimeOptions) (*cr.GetNamespaceResponse, error) {
	b.started <- struct{}{}
	<-b.release
	return &cr.GetNamespaceResponse{Body: &cr.GetNamespaceResponseBody{
		IsSuccess: tea.Bool(true), NamespaceName: req.NamespaceName, NamespaceId: tea.String("crn-1"),
	}}, nil
}

func fakeClient(t *testing.T, a api) *Client {
	t.Helper()
	apis, err := aliyun.NewPool(func() (api, error) { return a, nil })
	if err != nil {
		t.Fatal(err)
	}
	return newClient(Config{InstanceID: "cri-test", Cloud: alicloud.Config{Region: "cn-hangzhou"}}, apis)
}

// TestCallReturnsWhenContextEnds: a cr call cannot be cancelled mid-flight, but the
// method returns ctx's error as soon as ctx ends; the call finishes in the background and
// its SDK client goes back to the pool for the next call.
func TestCallReturnsWhenContextEnds(t *testing.T) {
	t.Parallel()
	b := &blockingAPI{started: make(chan struct{}, 2), release: make(chan struct{})}
	c := fakeClient(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.GetNamespace(ctx, "stuck")
		done <- err
	}()
	<-b.started // the SDK call is in flight
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("GetNamespace after cancel = %v, want context.Canceled", err)
		}
		var ae *alicloud.Error
		if errors.As(err, &ae) {
			t.Errorf("GetNamespace after cancel = %v, want no remote error (nothing answered)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GetNamespace did not return when its context ended")
	}

	close(b.release) // the detached call completes
	ns, err := c.GetNamespace(context.Background(), "next")
	if err != nil || ns.Name != "next" {
		t.Fatalf("GetNamespace after the detached call = %+v, %v; want namespace next", ns, err)
	}
	if n := c.apis.Created(); n > 2 {
		t.Errorf("pool created %d SDK clients, want at most 2", n)
	}
}

// TestFakeAPI: the SDK subset is an interface, so a test can swap in its own client.
func TestFakeAPI(t *testing.T) {
	t.Parallel()
	b := &blockingAPI{started: make(chan struct{}, 1), release: make(chan struct{})}
	close(b.release)
	ns, err := fakeClient(t, b).GetNamespace(context.Background(), "library")
	if err != nil || ns.ID != "crn-1" || ns.Name != "library" {
		t.Errorf("GetNamespace through a fake SDK client = %+v, %v; want crn-1 library", ns, err)
	}
}
