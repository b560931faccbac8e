package replication

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"testing"
)

// FuzzHarborFlatten holds HarborFlatten to Harbor's rule for any input: an empty namespace
// leaves the path as it is; otherwise the result is the namespace joined with what is
// left of the path once the first count components are dropped (all but the last for a
// negative count), and a count larger than the path allows is ErrFlatten.
func FuzzHarborFlatten(f *testing.F) {
	for _, s := range []struct {
		ns, repo string
		n        int
	}{{"acr-ns", "library/a/b/nginx", 1}, {"", "library/nginx", 9}, {"dr/acr", "nginx", -1}, {"x", "a/b", 2}} {
		f.Add(s.ns, s.repo, s.n)
	}
	f.Fuzz(func(t *testing.T, ns, repo string, n int) {
		got, err := HarborFlatten(ns, n).Flatten(repo)
		if ns == "" {
			if err != nil || got != repo {
				t.Fatalf("empty namespace: %q, %v; want %q unchanged", got, err, repo)
			}
			return
		}
		parts := strings.Split(repo, "/")
		var rest []string
		switch {
		case n < 0:
			rest = parts[len(parts)-1:]
		case n < len(parts):
			rest = parts[n:]
		}
		if rest == nil {
			if !errors.Is(err, ErrFlatten) {
				t.Fatalf("count %d over %d components: %q, %v; want ErrFlatten", n, len(parts), got, err)
			}
			return
		}
		if want := path.Join(append([]string{ns}, rest...)...); err != nil || got != want {
			t.Fatalf("HarborFlatten(%q, %d).Flatten(%q) = %q, %v; want %q", ns, n, repo, got, err, want)
		}
	})
}

// FuzzValidateACRName: whatever Personal Edition's rule passes is exactly
// namespace/repository, lowercase, with no empty component; whatever Enterprise Edition's
// passes has a namespace and a repository and passes the OCI grammar.
func FuzzValidateACRName(f *testing.F) {
	for _, s := range []string{"acr-ns/nginx", "a/b/c", "UPPER/case", "ns/", "/x", "ns/re_po.x-y", "ns//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateACRName(name) == nil {
			ns, repo, ok := strings.Cut(name, "/")
			if !ok || ns == "" || repo == "" || ValidateRepositoryName(name) != nil {
				t.Fatalf("ValidateACRName accepted %q", name)
			}
		}
		if (ACRNames{MaxDepth: 2}).Validate(name) != nil {
			return
		}
		ns, repo, ok := strings.Cut(name, "/")
		if !ok || ns == "" || repo == "" || strings.Contains(repo, "/") || strings.ToLower(name) != name {
			t.Fatalf("ACRNames{MaxDepth: 2} accepted %q", name)
		}
	})
}

// FuzzParseRate: no input panics; a rate that parses formats back, as a plain number of
// bytes per second, to itself.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"20MiB/s", "512KiB", "1.5MB/s", "1048576", "unlimited", "-1", "1e400GiB", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRate(s)
		if err != nil || v <= 0 {
			return
		}
		if back, err := ParseRate(strconv.FormatInt(v, 10)); err != nil || back != v {
			t.Fatalf("ParseRate(%q) = %d, but ParseRate(%d) = %d, %v", s, v, v, back, err)
		}
	})
}

// FuzzSelector: any pattern either is refused with ErrInvalidPattern or yields a Selector
// that matches any name without panicking; the empty pattern matches everything.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"library/**", "{a,b}/*", "[", "**", "", "a/?/c"} {
		f.Add(s, "library/nginx")
	}
	f.Fuzz(func(t *testing.T, pattern, repo string) {
		s, err := NewRules(Filter{Kind: FilterName, Pattern: pattern})
		if err != nil {
			if !errors.Is(err, ErrInvalidPattern) {
				t.Fatalf("NewRules(%q): %v, want ErrInvalidPattern", pattern, err)
			}
			return
		}
		if m := s.MatchRepository(repo); pattern == "" && !m {
			t.Fatalf("the empty pattern does not match %q", repo)
		}
	})
}
