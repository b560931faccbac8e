package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// do sends one request to reg and returns the response with its body read.
func do(t *testing.T, reg *Registry, method, path string, body []byte) (*http.Response, string) {
	t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = reg.Server.URL + path
	}
	req, err := http.NewRequest(method, path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := reg.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// pushBlob pushes blob to repo in a POST-PUT upload (OCI distribution spec: "Pushing a
// blob monolithically").
func pushBlob(t *testing.T, reg *Registry, repo string, blob []byte) v1.Hash {
	t.Helper()
	h, _, _ := v1.SHA256(bytes.NewReader(blob))
	resp, _ := do(t, reg, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST upload = %d, want 202", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	if resp, body := do(t, reg, http.MethodPut, loc+sep+"digest="+h.String(), blob); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT upload = %d %s, want 201", resp.StatusCode, body)
	}
	return h
}

// TestDistributionBlobsPerRepository: a blob pushed to one repository is unknown in
// another until it is mounted there; a mount from a repository without it opens an upload.
func TestDistributionBlobsPerRepository(t *testing.T) {
	t.Parallel()
	reg := NewDistribution(t, DistributionOptions{}, nil)
	blob := []byte("layer")
	h, _, _ := v1.SHA256(bytes.NewReader(blob))

	pushBlob(t, reg, "a/x", blob)

	for _, tc := range []struct {
		name   string
		method string
		path   string
		want   int
	}{
		{"pushed repository has it", http.MethodHead, "/v2/a/x/blobs/" + h.String(), http.StatusOK},
		{"other repository does not", http.MethodHead, "/v2/b/blobs/" + h.String(), http.StatusNotFound},
		{"mount from a repository without it opens an upload", http.MethodPost, "/v2/b/blobs/uploads/?mount=" + h.String() + "&from=c", http.StatusAccepted},
		{"still not in b", http.MethodHead, "/v2/b/blobs/" + h.String(), http.StatusNotFound},
		{"mount without from opens an upload", http.MethodPost, "/v2/b/blobs/uploads/?mount=" + h.String(), http.StatusAccepted},
		{"mount from a/x", http.MethodPost, "/v2/b/blobs/uploads/?mount=" + h.String() + "&from=a/x", http.StatusCreated},
		{"now in b", http.MethodGet, "/v2/b/blobs/" + h.String(), http.StatusOK},
		{"deleted from b", http.MethodDelete, "/v2/b/blobs/" + h.String(), http.StatusAccepted},
		{"gone from b", http.MethodHead, "/v2/b/blobs/" + h.String(), http.StatusNotFound},
		{"still in a/x", http.MethodHead, "/v2/a/x/blobs/" + h.String(), http.StatusOK},
	} {
		resp, body := do(t, reg, tc.method, tc.path, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, resp.StatusCode, body, tc.want)
		}
		if tc.want == http.StatusCreated {
			if got, want := resp.Header.Get("Location"), "/v2/b/blobs/"+h.String(); !strings.HasSuffix(got, want) {
				t.Errorf("%s: Location = %q, want it to end in %q", tc.name, got, want)
			}
		}
	}
}

// TestDistributionCatalogPages: the catalog pages with n and last in lexical order and a
// Link header while more remain, and refuses a bad n.
func TestDistributionCatalogPages(t *testing.T) {
	t.Parallel()
	reg := NewDistribution(t, DistributionOptions{CatalogMaxEntries: 2}, nil)
	for _, repo := range []string{"d", "b", "a/z", "c"} {
		pushBlob(t, reg, repo, []byte("{}"))
		m := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)
		req, _ := http.NewRequest(http.MethodPut, reg.Server.URL+"/v2/"+repo+"/manifests/v1", bytes.NewReader(m))
		req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		resp, err := reg.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT manifest %s = %d", repo, resp.StatusCode)
		}
	}
	type page struct {
		Repos []string
		Link  string
	}
	get := func(path string) (page, int) {
		resp, body := do(t, reg, http.MethodGet, path, nil)
		var c struct {
			Repositories []string `json:"repositories"`
		}
		json.Unmarshal([]byte(body), &c)
		return page{c.Repositories, resp.Header.Get("Link")}, resp.StatusCode
	}
	for _, tc := range []struct {
		path       string
		want       page
		wantStatus int
	}{
		{"/v2/_catalog", page{[]string{"a/z", "b"}, `</v2/_catalog?last=b&n=2>; rel="next"`}, 200},
		{"/v2/_catalog?n=2&last=b", page{[]string{"c", "d"}, ""}, 200},
		{"/v2/_catalog?n=1&last=a/z", page{[]string{"b"}, `</v2/_catalog?last=b&n=1>; rel="next"`}, 200},
		{"/v2/_catalog?n=2&last=bb", page{[]string{"c", "d"}, ""}, 200},
		{"/v2/_catalog?n=0", page{[]string{}, ""}, 200},
		{"/v2/_catalog?n=3", page{}, 400},
		{"/v2/_catalog?n=-1", page{}, 400},
		{"/v2/_catalog?n=x", page{}, 400},
	} {
		t.Run(fmt.Sprint(tc.path), func(t *testing.T) {
			got, status := get(tc.path)
			if status != tc.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tc.path, status, tc.wantStatus)
			}
			if diff := cmp.Diff(tc.want, got); status == 200 && diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

// TestDistributionManifestBlobsKnown: a manifest is refused with MANIFEST_BLOB_UNKNOWN
// until what it refers to is in its repository, as the distribution registry does — so
// a sync that pushes a manifest before its blobs, or its blobs to the wrong repository,
// fails here as it would against Harbor.
func TestDistributionManifestBlobsKnown(t *testing.T) {
	t.Parallel()
	reg := NewDistribution(t, DistributionOptions{}, nil)
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	layer := []byte("layer")
	ch, _, _ := v1.SHA256(bytes.NewReader(config))
	lh, _, _ := v1.SHA256(bytes.NewReader(layer))
	image := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},`+
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":%q,"size":%d}]}`, ch, len(config), lh, len(layer))
	ih, _, _ := v1.SHA256(strings.NewReader(image))
	index := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",`+
		`"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d}]}`, ih, len(image))
	put := func(repo, ref, mt, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, reg.Server.URL+"/v2/"+repo+"/manifests/"+ref, strings.NewReader(body))
		req.Header.Set("Content-Type", mt)
		resp, err := reg.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const imageMT, indexMT = "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"
	pushBlob(t, reg, "other", config)
	pushBlob(t, reg, "other", layer)
	if code, body := put("r", "v1", imageMT, image); code != http.StatusBadRequest || !strings.Contains(body, "MANIFEST_BLOB_UNKNOWN") {
		t.Errorf("image before its blobs = %d %s, want 400 MANIFEST_BLOB_UNKNOWN", code, body)
	}
	pushBlob(t, reg, "r", config)
	if code, body := put("r", "v1", imageMT, image); code != http.StatusBadRequest || !strings.Contains(body, "MANIFEST_BLOB_UNKNOWN") {
		t.Errorf("image before its layer = %d %s, want 400 MANIFEST_BLOB_UNKNOWN", code, body)
	}
	if code, body := put("r", "multi", indexMT, index); code != http.StatusBadRequest || !strings.Contains(body, "MANIFEST_BLOB_UNKNOWN") {
		t.Errorf("index before its image = %d %s, want 400 MANIFEST_BLOB_UNKNOWN", code, body)
	}
	pushBlob(t, reg, "r", layer)
	if code, body := put("r", ih.String(), imageMT, image); code != http.StatusCreated {
		t.Errorf("image after its blobs = %d %s, want 201", code, body)
	}
	if code, body := put("r", "multi", indexMT, index); code != http.StatusCreated {
		t.Errorf("index after its image = %d %s, want 201", code, body)
	}
}
