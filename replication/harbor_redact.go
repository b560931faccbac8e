package replication

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/regdr/regdr/harbor"
)

// Every type here that holds a secret (the endpoint's AccessSecret, a URL that may carry
// user information, a SyncEndpoint's authenticator) implements fmt.Formatter over a
// redacted copy: fmt skips String and GoString for verbs that are not for strings, and
// prints the fields of a pointer's target without calling any method when the verb does
// not suit a pointer, so String alone does not keep a secret out of a log line.

var (
	_ fmt.Formatter  = HarborEndpoint{}
	_ json.Marshaler = HarborEndpoint{}
	_ fmt.Formatter  = HarborSetup{}
	_ fmt.Formatter  = (*HarborPlan)(nil)
	_ fmt.Formatter  = HarborApplyOptions{}
	_ fmt.Formatter  = HarborDirect{}
	_ fmt.Formatter  = (*HarborSyncSource)(nil)
	_ fmt.Formatter  = (*RegistryTagLister)(nil)
	_ fmt.Formatter  = Verifier{}
)

// Format implements fmt.Formatter: the setup's endpoint is redacted under every verb.
func (v Verifier) Format(f fmt.State, verb rune) {
	type verifier Verifier // no methods: fmt prints the fields
	v.Setup.Endpoint = v.Setup.Endpoint.redacted()
	harborFormatAs(f, verb, verifier(v), "replication.verifier", "replication.Verifier")
}

// Format implements fmt.Formatter: the lister shows its registry's (redacted) host only,
// under every verb; its authenticator may hold a password.
func (l *RegistryTagLister) Format(f fmt.State, verb rune) {
	if l == nil || l.c == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	_, _ = fmt.Fprintf(f, "RegistryTagLister(%s)", harborRedactURL(l.c.ep.Registry))
}

// harborRedactURL hides a URL's user information: everything between the scheme's "://"
// (or the start) and the last "@", which may hold a password (itself perhaps holding "/",
// "?" or "#": the last "@" anywhere counts, at the price of hiding a path part).
func harborRedactURL(u string) string {
	i := strings.LastIndex(u, "@")
	if i < 0 {
		return u
	}
	keep := ""
	if j := strings.Index(u[:i], "://"); j > 0 && strings.Trim(strings.ToLower(u[:j]), "abcdefghijklmnopqrstuvwxyz0123456789+.-") == "" {
		keep = u[:j+3]
	}
	return keep + harborRedacted + u[i:]
}

// redacted returns e with its secret and any user information in its URL replaced.
func (e HarborEndpoint) redacted() HarborEndpoint {
	e.URL = harborRedactURL(e.URL)
	e.AccessSecret = harbor.Secret(e.AccessSecret.String())
	return e
}

// Format implements fmt.Formatter: the secret and any user information in URL are
// redacted under every verb.
func (e HarborEndpoint) Format(f fmt.State, verb rune) {
	type endpoint HarborEndpoint // no methods: fmt prints the fields
	harborFormatAs(f, verb, endpoint(e.redacted()), "replication.endpoint", "replication.HarborEndpoint")
}

// MarshalJSON encodes the endpoint with its secret and any user information in URL
// redacted: the JSON of a setup or plan never carries them.
func (e HarborEndpoint) MarshalJSON() ([]byte, error) {
	type endpoint HarborEndpoint // no methods: no recursion
	return json.Marshal(endpoint(e.redacted()))
}

// Format implements fmt.Formatter: %v, %s and %q print String; every other verb prints
// the fields with the endpoint redacted.
func (s HarborSetup) Format(f fmt.State, verb rune) {
	if harborFormatString(f, verb, s.String) {
		return
	}
	type setup HarborSetup // no methods: fmt prints the fields
	s.Endpoint = s.Endpoint.redacted()
	harborFormatAs(f, verb, setup(s), "replication.setup", "replication.HarborSetup")
}

// Format implements fmt.Formatter: %v, %s and %q print String; every other verb prints
// the fields with the endpoint redacted.
func (p *HarborPlan) Format(f fmt.State, verb rune) {
	if p == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	if harborFormatString(f, verb, p.String) {
		return
	}
	type plan HarborPlan // no methods: fmt prints the fields
	c := plan(*p)
	c.Setup.Endpoint = c.Setup.Endpoint.redacted()
	harborFormatAs(f, verb, &c, "replication.plan", "replication.HarborPlan")
}

// Format implements fmt.Formatter: AccessSecret and the direct executor's credentials are
// redacted under every verb.
func (o HarborApplyOptions) Format(f fmt.State, verb rune) {
	type options HarborApplyOptions // no methods: fmt prints the fields
	o.AccessSecret = harbor.Secret(o.AccessSecret.String())
	if o.Direct != nil {
		d := o.Direct.redacted()
		o.Direct = &d
	}
	harborFormatAs(f, verb, options(o), "replication.options", "replication.HarborApplyOptions")
}

// redacted returns d with its endpoints reduced to their (redacted) hosts: their
// authenticators, keychains and transports may hold credentials.
func (d HarborDirect) redacted() HarborDirect {
	for _, e := range []*SyncEndpoint{&d.Source, &d.Dest} {
		*e = SyncEndpoint{Registry: harborRedactURL(e.Registry), PlainHTTP: e.PlainHTTP}
	}
	return d
}

// Format implements fmt.Formatter: the endpoints show their hosts only, under every verb.
func (d HarborDirect) Format(f fmt.State, verb rune) {
	type direct HarborDirect // no methods: fmt prints the fields
	harborFormatAs(f, verb, direct(d.redacted()), "replication.direct", "replication.HarborDirect")
}

// Format implements fmt.Formatter: the source shows its setup (redacted) only.
func (h *HarborSyncSource) Format(f fmt.State, verb rune) {
	if h == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	_, _ = fmt.Fprintf(f, "HarborSyncSource(%s)", h.Setup.String())
}

// harborFormatString prints str for %v (without #), %s and %q, with f's flags, and reports
// whether it did.
func harborFormatString(f fmt.State, verb rune, str func() string) bool {
	switch {
	case verb == 'v' && f.Flag('#'):
		return false
	case verb == 'v', verb == 's', verb == 'q':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), str())
		return true
	}
	return false
}

// harborFormatAs prints v, a redacted copy of a value of a method-less type, with f's verb
// and flags, naming it as the original type under %#v.
func harborFormatAs(f fmt.State, verb rune, v any, plain, name string) {
	out := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, plain, name, 1)
	}
	_, _ = io.WriteString(f, out)
}
