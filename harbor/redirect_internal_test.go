package harbor

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// TestSameOrigin: the redirect decision on parsed URLs — scheme and host compared without
// regard to case or an explicit default port, the origin being the first request.
func TestSameOrigin(t *testing.T) {
	t.Parallel()
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	for _, tc := range []struct {
		name    string
		via     []string
		to      string
		refused bool
	}{
		{"same origin", []string{"https://h.example/a"}, "https://h.example/b", false},
		{"case and default port", []string{"https://h.example/a"}, "HTTPS://H.Example:443/b", false},
		{"http default port", []string{"http://127.0.0.1/a"}, "http://127.0.0.1:80/b", false},
		{"ipv6 default port", []string{"https://[::1]/a"}, "https://[::1]:443/b", false},
		{"downgrade", []string{"https://h.example/a"}, "http://h.example/a", true},
		{"port 80 over https", []string{"https://h.example/a"}, "https://h.example:80/a", true},
		{"other host", []string{"https://h.example/a"}, "https://g.example/a", true},
		{"back after a same-origin hop", []string{"https://h.example/a", "https://h.example/b"}, "https://h.example/c", false},
		{"off after a same-origin hop", []string{"https://h.example/a", "https://h.example/b"}, "http://h.example/c", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var via []*http.Request
			for _, v := range tc.via {
				via = append(via, req(v))
			}
			err := sameOrigin(nil)(req(tc.to), via)
			if got := errors.Is(err, ErrRedirect); got != tc.refused || !tc.refused && err != nil {
				t.Errorf("sameOrigin(nil)(%s via %v) = %v, want refused %v", tc.to, tc.via, err, tc.refused)
			}
		})
	}
}
