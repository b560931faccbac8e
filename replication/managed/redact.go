package managed

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/redact"
	"github.com/regdr/regdr/replication/mirror"
)

// Every type here that holds a secret (the endpoint's AccessSecret, a URL that may carry
// user information, a Endpoint's authenticator) implements fmt.Formatter over a
// redacted copy: fmt skips String and GoString for verbs that are not for strings, and
// prints the fields of a pointer's target without calling any method when the verb does
// not suit a pointer, so String alone does not keep a secret out of a log line.

var (
	_ fmt.Formatter  = Endpoint{}
	_ json.Marshaler = Endpoint{}
	_ fmt.Formatter  = Setup{}
	_ fmt.Formatter  = (*Plan)(nil)
	_ fmt.Formatter  = ApplyOptions{}
	_ fmt.Formatter  = Direct{}
	_ fmt.Formatter  = (*Source)(nil)
)

// redacted returns e with its secret and any user information in its URL replaced.
func (e Endpoint) redacted() Endpoint {
	e.URL = redact.URL(e.URL)
	e.AccessSecret = harbor.Secret(e.AccessSecret.String())
	return e
}

// Format implements fmt.Formatter: the secret and any user information in URL are
// redacted under every verb.
func (e Endpoint) Format(f fmt.State, verb rune) {
	type endpoint Endpoint // no methods: fmt prints the fields
	harborFormatAs(f, verb, endpoint(e.redacted()), "managed.endpoint", "managed.Endpoint")
}

// MarshalJSON encodes the endpoint with its secret and any user information in URL
// redacted: the JSON of a setup or plan never carries them.
func (e Endpoint) MarshalJSON() ([]byte, error) {
	type endpoint Endpoint // no methods: no recursion
	return json.Marshal(endpoint(e.redacted()))
}

// Format implements fmt.Formatter: %v, %s and %q print String; every other verb prints
// the fields with the endpoint redacted.
func (s Setup) Format(f fmt.State, verb rune) {
	if harborFormatString(f, verb, s.String) {
		return
	}
	type setup Setup // no methods: fmt prints the fields
	s.Endpoint = s.Endpoint.redacted()
	harborFormatAs(f, verb, setup(s), "managed.setup", "managed.Setup")
}

// Format implements fmt.Formatter: %v, %s and %q print String; every other verb prints
// the fields with the endpoint redacted.
func (p *Plan) Format(f fmt.State, verb rune) {
	if p == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	if harborFormatString(f, verb, p.String) {
		return
	}
	type plan Plan // no methods: fmt prints the fields
	c := plan(*p)
	c.Setup.Endpoint = c.Setup.Endpoint.redacted()
	harborFormatAs(f, verb, &c, "managed.plan", "managed.Plan")
}

// Format implements fmt.Formatter: AccessSecret and the direct executor's credentials are
// redacted under every verb.
func (o ApplyOptions) Format(f fmt.State, verb rune) {
	type options ApplyOptions // no methods: fmt prints the fields
	o.AccessSecret = harbor.Secret(o.AccessSecret.String())
	if o.Direct != nil {
		d := o.Direct.redacted()
		o.Direct = &d
	}
	harborFormatAs(f, verb, options(o), "managed.options", "managed.ApplyOptions")
}

// redacted returns d with its endpoints reduced to their (redacted) hosts: their
// authenticators, keychains and transports may hold credentials.
func (d Direct) redacted() Direct {
	for _, e := range []*mirror.Endpoint{&d.Source, &d.Dest} {
		*e = mirror.Endpoint{Registry: redact.URL(e.Registry), PlainHTTP: e.PlainHTTP}
	}
	return d
}

// Format implements fmt.Formatter: the endpoints show their hosts only, under every verb.
func (d Direct) Format(f fmt.State, verb rune) {
	type direct Direct // no methods: fmt prints the fields
	harborFormatAs(f, verb, direct(d.redacted()), "managed.direct", "managed.Direct")
}

// Format implements fmt.Formatter: the source shows its setup (redacted) only.
func (h *Source) Format(f fmt.State, verb rune) {
	if h == nil {
		_, _ = io.WriteString(f, "<nil>")
		return
	}
	_, _ = fmt.Fprintf(f, "Source(%s)", h.Setup.String())
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
