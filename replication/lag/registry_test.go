package lag_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

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
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	l := lag.NewRegistryTagLister(mirror.Endpoint{Registry: srv.URL})
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
