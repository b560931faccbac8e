package mirror

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzSyncParseRetryAfter: no Retry-After header panics or yields a negative wait; a
// number of seconds yields exactly that many, and an HTTP date in the past yields zero.
func FuzzSyncParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "120", "-1", "", " 3", "1.5", "99999999999999999999", "9223372036",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "Fri, 01 Jan 2027 00:00:00 GMT", "garbage"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if !ok {
			if d != 0 {
				t.Fatalf("parseRetryAfter(%q) = %v, false; want 0", s, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v, a negative wait", s, d)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n < 1<<33 && d != time.Duration(n)*time.Second {
			t.Fatalf("parseRetryAfter(%q) = %v, want %ds", s, d, n)
		}
		// Whatever the header says, the policy never waits longer than its cap.
		r := policy{}.withDefaults()
		if w := r.backoff(1, &HTTPError{StatusCode: 429, RetryAfter: s}, now); w < 0 || w > r.Max {
			t.Fatalf("backoff with Retry-After %q = %v, want within [0, %v]", s, w, r.Max)
		}
	})
}

// FuzzSyncNextLink: no Link header panics; the next page is "" or a URL that parses, either
// absolute or a path on the same registry (starting with "/") taken from a link-value
// whose rel parameter lists "next" (RFC 8288: quoted or not, in any case).
func FuzzSyncNextLink(f *testing.F) {
	for _, s := range []string{
		`</v2/_catalog?last=b&n=2>; rel="next"`,
		`<https://r.example/v2/a/tags/list?last=x>; rel="next"`,
		`</v2/a?x>; rel="prev", </v2/b?y>; rel="next"`,
		`<>; rel="next"`, `<; rel="next"`, `>a<; rel="next"`, `<%zz>; rel="next"`, `rel="next"`, "",
		`<//evil/x>; rel="next"`, `<a b>; rel="next"`,
		`</v2/a>; rel=next`, `</v2/a>; REL="prev NEXT"`, `</v2/a?x=rel="next">; rel="prev"`,
		`</v2/a>; title="x\"; rel=next", </v2/b>; rel=next`, `<`, `;;;`, `"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		next := nextLink(h)
		if next == "" {
			return
		}
		if !strings.Contains(strings.ToLower(h), "next") || !strings.Contains(strings.ToLower(h), "rel") {
			t.Fatalf("nextLink(%q) = %q without a next link", h, next)
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatalf("nextLink(%q) = %q, which does not parse: %v", h, next, err)
		}
		if !u.IsAbs() && !strings.HasPrefix(next, "/") {
			t.Fatalf("nextLink(%q) = %q: neither absolute nor a path", h, next)
		}
	})
}

// FuzzSyncParseManifest: no manifest panics the parser; one it accepts has a media type,
// its size, non-negative blob sizes and well-formed digests only (they go into request
// paths), as many blobs as it lists (config, layers, blobs) and a child per index entry.
func FuzzSyncParseManifest(f *testing.F) {
	d := func(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }
	seeds := []string{
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"` + d('a') + `","size":10},"layers":[{"digest":"` + d('b') + `","size":20}]}`,
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"` + d('c') + `","size":30}]}`,
		`{"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[{"digest":"` + d('d') + `","size":1}]}`,
		`{"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}`,
		`{"mediaType":"x","layers":[{"digest":"../../v2/other/manifests/latest","size":-5}]}`,
		`{"mediaType":"x","manifests":[{"digest":"sha256:ab?mount=x"}]}`,
		`null`, `{}`, `[]`, `{"layers":null}`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(seeds[0]), "application/vnd.docker.distribution.manifest.v2+json")
	f.Fuzz(func(t *testing.T, raw []byte, mediaType string) {
		m, err := parseManifest(raw, mediaType)
		if err != nil {
			return
		}
		if m.MediaType == "" || m.Size != int64(len(raw)) {
			t.Fatalf("accepted with media type %q, size %d of %d", m.MediaType, m.Size, len(raw))
		}
		for _, b := range m.Blobs {
			if !validDigest(b.Digest) || b.Size < 0 {
				t.Fatalf("accepted blob %q of size %d", b.Digest, b.Size)
			}
		}
		for _, c := range m.Children {
			if !validDigest(c) {
				t.Fatalf("accepted child %q", c)
			}
		}
		var probe struct {
			Config    *json.RawMessage  `json:"config"`
			Layers    []json.RawMessage `json:"layers"`
			Blobs     []json.RawMessage `json:"blobs"`
			Manifests []json.RawMessage `json:"manifests"`
		}
		if json.Unmarshal(raw, &probe) != nil {
			t.Fatalf("accepted %q, which is not a JSON manifest", raw)
		}
		if max := len(probe.Layers) + len(probe.Blobs) + 1; len(m.Blobs) > max || len(m.Blobs) < max-1 {
			t.Fatalf("%d blobs from %d layers, %d blobs and a config", len(m.Blobs), len(probe.Layers), len(probe.Blobs))
		}
		if len(m.Children) != len(probe.Manifests) {
			t.Fatalf("%d children from %d index entries", len(m.Children), len(probe.Manifests))
		}
	})
}
