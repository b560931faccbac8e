package replication_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/replication"
)

// A registry that accepts the connection and never answers used to hang verify -registry
// forever: the lister now fails with ErrSyncTimeout, as the sync engine does.
func TestRegistryTagListerTimesOut(t *testing.T) {
	t.Parallel()
	l := replication.NewRegistryTagLister(replication.SyncEndpoint{Registry: "http://" + syncStallListener(t)})
	replication.SetListerRetry(l, replication.SyncRetry{Attempts: 2, Timeout: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := l.TagsOf(ctx, "dr-ns/nginx"); !errors.Is(err, replication.ErrSyncTimeout) {
		t.Fatalf("TagsOf against a silent registry: %v, want ErrSyncTimeout", err)
	}
	if _, err := l.HasManifest(ctx, "dr-ns/nginx", "sha256:"+strings.Repeat("0", 64)); !errors.Is(err, replication.ErrSyncTimeout) {
		t.Fatalf("HasManifest against a silent registry: %v, want ErrSyncTimeout", err)
	}
}

// A certificate that does not verify is final: one handshake, no retries (ten tries with
// backoff took a minute before), and the error names the certificate.
func TestRegistryTagListerCertificateNotRetried(t *testing.T) {
	t.Parallel()
	var handshakes atomic.Int32
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	l := replication.NewRegistryTagLister(replication.SyncEndpoint{Registry: srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := l.TagsOf(ctx, "dr-ns/nginx")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("TagsOf against an untrusted certificate: %v, want a certificate error", err)
	}
	if n := handshakes.Load(); n != 1 {
		t.Errorf("%d connections, want 1: a certificate error must not be retried", n)
	}
}
