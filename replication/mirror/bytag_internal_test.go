package mirror

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestFetchManifestByTag: the digest of a manifest fetched by tag is the one of the bytes
// received — sha256 without a Docker-Content-Digest, the header's when the bytes hash to
// it (sha512 too) — and a header they do not hash to is refused (ErrDigestMismatch), one
// of an algorithm the engine cannot check too (ErrUnsupportedDigest); a 404 is not found,
// and a manifest over 4 MiB is refused as such.
func TestFetchManifestByTag(t *testing.T) {
	t.Parallel()
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:` + strings.Repeat("a", 64) + `","size":2}}`)
	sha512d, err := digestAs(body, "sha512:")
	if err != nil {
		t.Fatal(err)
	}
	big := []byte(`{"a":"` + strings.Repeat("x", maxManifest) + `"}`)
	for _, tc := range []struct {
		name      string
		status    int
		header    string
		body      []byte
		want      string
		wantFound bool
		wantErr   error
	}{
		{name: "no header", status: 200, body: body, want: syncDigest(body), wantFound: true},
		{name: "sha256 header", status: 200, header: syncDigest(body), body: body, want: syncDigest(body), wantFound: true},
		{name: "sha512 header", status: 200, header: sha512d, body: body, want: sha512d, wantFound: true},
		{name: "lying sha256", status: 200, header: syncDigest([]byte("other")), body: body, wantErr: ErrDigestMismatch},
		{name: "lying sha512", status: 200, header: "sha512:" + strings.Repeat("0", 128), body: body, wantErr: ErrDigestMismatch},
		{name: "unsupported", status: 200, header: "blake3:" + strings.Repeat("0", 64), body: body, wantErr: ErrUnsupportedDigest},
		{name: "not found", status: 404},
		{name: "too large", status: 200, body: big, wantErr: ErrManifestTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					return
				}
				if r.Method != http.MethodGet || r.URL.Path != "/v2/a/b/manifests/1" {
					t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
				}
				if tc.header != "" {
					w.Header().Set("Docker-Content-Digest", tc.header)
				}
				w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
				w.WriteHeader(tc.status)
				w.Write(tc.body)
			}))
			t.Cleanup(srv.Close)
			c := newSyncClient(Endpoint{Registry: strings.TrimPrefix(srv.URL, "http://"), PlainHTTP: true}, nil, false)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			raw, mt, d, found, err := fetchManifestByTag(ctx, c, "a/b", "1")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.wantFound || d != tc.want {
				t.Errorf("digest %q found %t, want %q %t", d, found, tc.want, tc.wantFound)
			}
			if found && (string(raw) != string(tc.body) || mt != "application/vnd.oci.image.manifest.v1+json") {
				t.Errorf("got %q (%s), want the body as sent", raw, mt)
			}
		})
	}
}
