package mirror

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/regdr/regdr/internal/redact"
)

// ErrPagination: a listing's Link header named a next page the Syncer will not fetch: on
// another scheme or host than the registry's, one it already fetched (a loop), or past
// maxPages. Nothing was requested from it.
var ErrPagination = errors.New("refusing to follow pagination")

// maxPages bounds the pages of one listing: 100 000 pages of the registry's page size.
const maxPages = 100_000

// pager follows one listing's next links, on the registry only, each page once.
type pager struct {
	c    *registryClient
	seen map[string]bool
	max  int
}

func newPager(c *registryClient, first string) *pager {
	return &pager{c: c, seen: map[string]bool{first: true}, max: maxPages}
}

// next returns the path of the page link names ("" when there is none), or an
// ErrPagination error. An absolute link must be on the registry's scheme and host; it
// becomes a path there.
func (p *pager) next(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("%w: next page %q does not parse", ErrPagination, link)
	}
	if u.IsAbs() || u.Host != "" {
		scheme, host, err := schemeOf(p.c.ep.Registry, p.c.ep.PlainHTTP)
		if err != nil {
			return "", err
		}
		if !strings.EqualFold(u.Scheme, scheme) || !sameHost(u.Host, host, scheme) || u.User != nil {
			return "", fmt.Errorf("%w: next page on %s://%s, not on the registry %s://%s", ErrPagination, u.Scheme, redact.URL(u.Host), scheme, host)
		}
		link = u.RequestURI()
	}
	if p.seen[link] {
		return "", fmt.Errorf("%w: next page %s was already fetched (a pagination loop)", ErrPagination, link)
	}
	if len(p.seen) >= p.max {
		return "", fmt.Errorf("%w: more than %d pages", ErrPagination, p.max)
	}
	p.seen[link] = true
	return link, nil
}

// nextLink returns the target of the first link-value of a Link header (RFC 8288) whose
// first rel parameter lists the relation type "next" (matched without regard to case, as
// are parameter names): an absolute URL as is, a reference resolved against the
// registry's root ("a" is "/a"), never text glued to the registry's host name. Quoted
// strings and URLs are parsed as such: rel="next" inside another link's URL or title does
// not count.
func nextLink(h string) string {
	for _, lv := range parseLinks(h) {
		if !hasNext(lv.rel) {
			continue
		}
		u, err := url.Parse(lv.target)
		if err != nil {
			continue
		}
		if u.IsAbs() {
			return u.String()
		}
		return (&url.URL{Path: "/"}).ResolveReference(u).RequestURI()
	}
	return ""
}

func hasNext(rel string) bool {
	for _, r := range strings.Fields(rel) {
		if strings.EqualFold(r, "next") {
			return true
		}
	}
	return false
}

type linkValue struct {
	target string
	rel    string // the first rel parameter's value
	hasRel bool
}

// parseLinks parses a Link header's link-values: `<target>` then `; name=value`
// parameters, the value a token or a quoted string. A malformed link-value is skipped up to
// the next comma outside quotes.
func parseLinks(h string) []linkValue {
	var out []linkValue
	i := 0
	ws := func() {
		for i < len(h) && (h[i] == ' ' || h[i] == '\t') {
			i++
		}
	}
	skip := func() { // to just past the next comma outside a quoted string
		for i < len(h) {
			switch h[i] {
			case ',':
				i++
				return
			case '"':
				quoted(h, &i)
				continue
			}
			i++
		}
	}
	for i < len(h) {
		ws()
		if i < len(h) && h[i] == ',' {
			i++
			continue
		}
		if i >= len(h) {
			break
		}
		if h[i] != '<' {
			skip()
			continue
		}
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			break
		}
		lv := linkValue{target: h[i+1 : i+j]}
		i += j + 1
		ok := true
	params:
		for {
			ws()
			if i >= len(h) {
				break
			}
			switch h[i] {
			case ',':
				i++
				break params
			case ';':
				i++
			default:
				ok = false
				skip()
				break params
			}
			ws()
			k := i
			for i < len(h) && !strings.ContainsRune("=;, \t", rune(h[i])) {
				i++
			}
			name := strings.ToLower(h[k:i])
			ws()
			val := ""
			if i < len(h) && h[i] == '=' {
				i++
				ws()
				if i < len(h) && h[i] == '"' {
					val = quoted(h, &i)
				} else {
					k := i
					for i < len(h) && !strings.ContainsRune(";, \t", rune(h[i])) {
						i++
					}
					val = h[k:i]
				}
			}
			if name == "rel" && !lv.hasRel {
				lv.rel, lv.hasRel = val, true
			}
		}
		if ok {
			out = append(out, lv)
		}
	}
	return out
}

// quoted reads the quoted string at h[*i] (a '"'), unescaping backslashes, and moves *i
// past its closing quote (or to the end of h).
func quoted(h string, i *int) string {
	var b strings.Builder
	*i++
	for *i < len(h) {
		c := h[*i]
		*i++
		switch c {
		case '"':
			return b.String()
		case '\\':
			if *i < len(h) {
				b.WriteByte(h[*i])
				*i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sameHost compares two HOST[:PORT] without regard to case, a missing port meaning the
// scheme's default.
func sameHost(a, b, scheme string) bool {
	norm := func(h string) string {
		h = strings.ToLower(h)
		if _, _, err := net.SplitHostPort(h); err != nil {
			port := "443"
			if scheme == "http" {
				port = "80"
			}
			h = net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), port)
		}
		return h
	}
	return norm(a) == norm(b)
}
