package mirror

import (
	"errors"
	"testing"
)

// RFC 8288 forms of one "next" link are all followed; a link whose relation is not
// "next" is not, whatever its URL or other parameters contain.
func TestNextLinkRFC8288(t *testing.T) {
	t.Parallel()
	const next = "/v2/_catalog?last=a&n=1"
	for _, tc := range []struct{ h, want string }{
		{`</v2/_catalog?last=a&n=1>; rel="next"`, next},
		{`</v2/_catalog?last=a&n=1>; rel=next`, next},
		{`</v2/_catalog?last=a&n=1>; rel="next prev"`, next},
		{`</v2/_catalog?last=a&n=1>; rel="prev  next"`, next},
		{`</v2/_catalog?last=a&n=1>;rel="next"`, next},
		{`</v2/_catalog?last=a&n=1>; REL="next"`, next},
		{`</v2/_catalog?last=a&n=1>; rel="NEXT"`, next},
		{`</v2/_catalog?last=a&n=1> ; title="a, b; rel=\"prev\"" ; rel=next`, next},
		{`</v2/x?a=1>; rel="prev", </v2/_catalog?last=a&n=1>; rel="next"`, next},
		{`</v2/x,y>; rel="prev", </v2/_catalog?last=a&n=1>; rel="next"`, next},
		{`</v2/_catalog?x=rel="next">; rel="prev"`, ""},
		{`</v2/_catalog>; title="rel=\"next\""`, ""},
		{`</v2/_catalog>; rel="nextpage"`, ""},
		{`</v2/_catalog>; rel="prev"; rel="next"`, ""}, // only the first rel counts
		{`rel="next"`, ""},
		{``, ""},
	} {
		if got := nextLink(tc.h); got != tc.want {
			t.Errorf("nextLink(%s) = %q, want %q", tc.h, got, tc.want)
		}
	}
}

// A pager follows next links on the registry's own scheme and host only, refuses a page it
// has already fetched, and stops after its page limit, each with ErrPagination.
func TestPagerRefuses(t *testing.T) {
	t.Parallel()
	c := newSyncClient(Endpoint{Registry: "http://127.0.0.1:5000"}, nil, false)
	for _, tc := range []struct {
		name  string
		links []string
		max   int
		want  []string // the paths followed; an error after them unless ok
		ok    bool
		c     *registryClient // nil: the one on 127.0.0.1:5000
	}{
		{"default port written out", []string{"https://Harbor.Example.com:443/v2/_catalog?last=b"}, 10,
			[]string{"/v2/_catalog?last=b"}, true, newSyncClient(Endpoint{Registry: "harbor.example.com"}, nil, false)},
		{"default port left out", []string{"http://127.0.0.1/v2/_catalog?last=b"}, 10,
			[]string{"/v2/_catalog?last=b"}, true, newSyncClient(Endpoint{Registry: "http://127.0.0.1:80"}, nil, false)},
		{"same host", []string{"/v2/_catalog?last=b", "http://127.0.0.1:5000/v2/_catalog?last=c", ""}, 10,
			[]string{"/v2/_catalog?last=b", "/v2/_catalog?last=c", ""}, true, nil},
		{"localhost for 127.0.0.1", []string{"http://LOCALHOST:5000/v2/_catalog?last=b"}, 10, nil, false, nil},
		{"foreign host", []string{"http://meta.invalid/latest/meta-data/"}, 10, nil, false, nil},
		{"same host, other port", []string{"http://127.0.0.1:5001/v2/_catalog?last=b"}, 10, nil, false, nil},
		{"same host, other scheme", []string{"https://127.0.0.1:5000/v2/_catalog?last=b"}, 10, nil, false, nil},
		{"the first page again", []string{"/v2/_catalog"}, 10, nil, false, nil},
		{"a page again", []string{"/v2/_catalog?last=b", "/v2/_catalog?last=c", "/v2/_catalog?last=b"}, 10,
			[]string{"/v2/_catalog?last=b", "/v2/_catalog?last=c"}, false, nil},
		{"too many pages", []string{"/v2/_catalog?last=b", "/v2/_catalog?last=c", "/v2/_catalog?last=d"}, 3,
			[]string{"/v2/_catalog?last=b", "/v2/_catalog?last=c"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := c
			if tc.c != nil {
				c = tc.c
			}
			p := newPager(c, "/v2/_catalog")
			p.max = tc.max
			var got []string
			var err error
			for _, l := range tc.links {
				var path string
				if path, err = p.next(l); err != nil {
					break
				}
				got = append(got, path)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("followed %q (err %v), want %q", got, err, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("page %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrPagination)) {
				t.Errorf("err = %v, want ErrPagination: %t", err, !tc.ok)
			}
		})
	}
}
