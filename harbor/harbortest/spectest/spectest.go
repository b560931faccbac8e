// Package spectest checks HTTP traffic against Harbor's published OpenAPI
// (swagger 2.0) description of its v2.0 API, with go-openapi's validators.
//
// It is a test helper: Handler wraps an http.Handler (harbortest's Server) and
// reports, through the test's Errorf, every request under /api/v2.0 whose
// operation is not in the spec, whose parameters or body do not match the
// operation's, and every response whose status code the operation does not
// declare or whose body does not match the declared schema. Traffic outside
// the API (the registry under /v2/, the token service) passes unchecked.
//
// The spec is harbor/harbortest/testdata/harbor-v2.13.1-swagger.yaml, a copy of
// api/v2.0/swagger.yaml from goharbor/harbor at tag v2.13.1 (Apache-2.0).
//
// One deliberate strictness beyond the spec: an object schema that lists its
// properties and says nothing about additionalProperties is checked as closed,
// so a field the spec does not name (an emulator's invention, or a client's
// typo that the real Harbor would silently drop) is reported. The real Harbor's
// JSON would pass this too: its models are generated from the same spec.
package spectest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/swag"
	"github.com/go-openapi/validate"
)

// SpecFile is the path of the swagger file this package checks against.
func SpecFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "harbor-v2.13.1-swagger.yaml")
}

// Reporter receives mismatches; *testing.T satisfies it.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Spec is Harbor's API description, expanded, ready to check traffic.
type Spec struct {
	base   string
	errors *spec.Schema // the Errors definition, Harbor's body for every error
	ops    []route
}

type route struct {
	method   string
	segments []string // the path template below basePath, split on "/"
	template string
	op       *spec.Operation
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Load reads and expands the spec once per process.
func Load() (*Spec, error) {
	loadOnce.Do(func() { loaded, loadErr = load(SpecFile()) })
	return loaded, loadErr
}

func load(path string) (*Spec, error) {
	raw, err := swag.YAMLDoc(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	if raw, err = patchQuirks(raw); err != nil {
		return nil, fmt.Errorf("patching %s: %w", path, err)
	}
	doc, err := loads.Analyzed(raw, "")
	if err != nil {
		return nil, fmt.Errorf("analyzing %s: %w", path, err)
	}
	doc, err = doc.Expanded(&spec.ExpandOptions{RelativeBase: path})
	if err != nil {
		return nil, fmt.Errorf("expanding %s: %w", path, err)
	}
	sw := doc.Spec()
	s := &Spec{base: strings.TrimSuffix(sw.BasePath, "/")}
	if e, ok := sw.Definitions["Errors"]; ok {
		closeSchema(&e, map[*spec.Schema]bool{})
		s.errors = &e
	}
	for tmpl, item := range sw.Paths.Paths {
		for method, op := range map[string]*spec.Operation{
			http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
			http.MethodDelete: item.Delete, http.MethodPatch: item.Patch, http.MethodHead: item.Head,
		} {
			if op == nil {
				continue
			}
			// Path-level parameters apply to every operation below them.
			if len(item.Parameters) > 0 {
				cp := *op
				cp.Parameters = append(append([]spec.Parameter(nil), item.Parameters...), op.Parameters...)
				op = &cp
			}
			closeSchemas(op)
			s.ops = append(s.ops, route{method: method, segments: strings.Split(strings.Trim(tmpl, "/"), "/"), template: tmpl, op: op})
		}
	}
	// Literal segments win over parameters: /registries/ping before /registries/{id}.
	sort.Slice(s.ops, func(i, j int) bool { return literalScore(s.ops[i].segments) > literalScore(s.ops[j].segments) })
	return s, nil
}

func literalScore(segs []string) int {
	n := 0
	for i, sg := range segs {
		if !strings.HasPrefix(sg, "{") {
			n += 1 << (16 - i)
		}
	}
	return n
}

// closeSchemas marks the operation's object schemas closed (see the package doc).
func closeSchemas(op *spec.Operation) {
	seen := map[*spec.Schema]bool{}
	for i := range op.Parameters {
		closeSchema(op.Parameters[i].Schema, seen)
	}
	if op.Responses == nil {
		return
	}
	for code, r := range op.Responses.StatusCodeResponses {
		closeSchema(r.Schema, seen)
		op.Responses.StatusCodeResponses[code] = r
	}
	if op.Responses.Default != nil {
		closeSchema(op.Responses.Default.Schema, seen)
	}
}

func closeSchema(s *spec.Schema, seen map[*spec.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if len(s.Properties) > 0 && s.AdditionalProperties == nil {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	for k, p := range s.Properties {
		closeSchema(&p, seen)
		s.Properties[k] = p
	}
	if s.Items != nil {
		closeSchema(s.Items.Schema, seen)
		for i := range s.Items.Schemas {
			closeSchema(&s.Items.Schemas[i], seen)
		}
	}
	if s.AdditionalProperties != nil {
		closeSchema(s.AdditionalProperties.Schema, seen)
	}
}

// patchQuirks relaxes the spec where the real Harbor v2.13 answers (and
// accepts) what its own swagger forbids, so that harbortest may behave as the
// real server does. Each quirk is read from Harbor's source (goharbor/harbor):
//
//   - ReplicationFilter.value is declared `type: object`, but the server's
//     model holds it as interface{} (src/pkg/reg/model/policy.go, Filter) and
//     name/tag/resource filters carry a string, label filters an array of
//     strings; the API returns them as such. The value is left untyped.
//   - Reference.urls is an array, but the server copies a nil slice when the
//     reference has no URLs (src/pkg/artifact/model.go, Reference.From: it
//     fills URLs only when the column is non-empty; the generated
//     models.Reference has no omitempty), so the API answers "urls": null.
func patchQuirks(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	prop := func(def, name string) (map[string]any, error) {
		d, _ := doc["definitions"].(map[string]any)
		o, _ := d[def].(map[string]any)
		ps, _ := o["properties"].(map[string]any)
		p, ok := ps[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("definition %s has no property %s", def, name)
		}
		return p, nil
	}
	v, err := prop("ReplicationFilter", "value")
	if err != nil {
		return nil, err
	}
	delete(v, "type")
	u, err := prop("Reference", "urls")
	if err != nil {
		return nil, err
	}
	u["nullable"] = true // go-openapi/spec reads "nullable", not swagger's x-nullable
	return json.Marshal(doc)
}

// find returns the operation serving method and the escaped path below the
// base path, and the path parameters' raw values.
func (s *Spec) find(method, escapedPath string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	for i := range s.ops {
		r := &s.ops[i]
		if r.method != method || len(r.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, t := range r.segments {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				v, err := url.PathUnescape(segs[j])
				if err != nil || v == "" {
					ok = false
					break
				}
				params[strings.Trim(t, "{}")] = v
			} else if t != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return r, params
		}
	}
	return nil, nil
}

// CheckRequest returns every way r (whose body is body) differs from its
// operation, and the operation's template ("" when none matches).
func (s *Spec) CheckRequest(r *http.Request, body []byte) (string, []string) {
	p := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(p, s.base+"/")
	if !ok {
		return "", []string{fmt.Sprintf("%s %s is not under the base path %s", r.Method, p, s.base)}
	}
	rt, pathParams := s.find(r.Method, rest)
	if rt == nil {
		return "", []string{fmt.Sprintf("%s %s: no such operation in the spec", r.Method, p)}
	}
	var errs []string
	query := r.URL.Query()
	known := map[string]bool{}
	for i := range rt.op.Parameters {
		prm := &rt.op.Parameters[i]
		var raw []string
		switch prm.In {
		case "path":
			if v, ok := pathParams[prm.Name]; ok {
				raw = []string{v}
			}
		case "query":
			known[prm.Name] = true
			raw = query[prm.Name]
		case "header":
			raw = r.Header.Values(prm.Name)
		case "body":
			errs = append(errs, checkBody(prm, r, body)...)
			continue
		default:
			continue
		}
		if len(raw) == 0 {
			if prm.Required {
				errs = append(errs, fmt.Sprintf("%s parameter %q is required", prm.In, prm.Name))
			}
			continue
		}
		v, err := convert(prm, raw)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s parameter %q: %v", prm.In, prm.Name, err))
			continue
		}
		if res := validate.NewParamValidator(prm, strfmt.Default).Validate(v); res != nil && !res.IsValid() {
			for _, e := range res.Errors {
				errs = append(errs, fmt.Sprintf("%s parameter %q: %v", prm.In, prm.Name, e))
			}
		}
	}
	for k := range query {
		if !known[k] {
			errs = append(errs, fmt.Sprintf("query parameter %q is not in the spec", k))
		}
	}
	sort.Strings(errs)
	return rt.template, errs
}

func checkBody(prm *spec.Parameter, r *http.Request, body []byte) []string {
	if len(bytes.TrimSpace(body)) == 0 {
		if prm.Required {
			return []string{fmt.Sprintf("body %q is required", prm.Name)}
		}
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return []string{fmt.Sprintf("body Content-Type %q, want application/json", r.Header.Get("Content-Type"))}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("body is not JSON: %v", err)}
	}
	return schemaErrors("request body", prm.Schema, v)
}

func schemaErrors(what string, sch *spec.Schema, v any) []string {
	if sch == nil {
		return nil
	}
	err := validate.AgainstSchema(sch, v, strfmt.Default)
	if err == nil {
		return nil
	}
	return []string{fmt.Sprintf("%s: %v", what, err)}
}

// convert turns a non-body parameter's raw strings into the JSON value its
// declared type describes, as the validator expects.
func convert(prm *spec.Parameter, raw []string) (any, error) {
	if prm.Type == "array" {
		var parts []string
		for _, r := range raw {
			switch prm.CollectionFormat {
			case "multi":
				parts = append(parts, r)
			case "", "csv":
				parts = append(parts, strings.Split(r, ",")...)
			default:
				parts = append(parts, r)
			}
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			v, err := scalar(prm.Items.Type, p)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if len(raw) > 1 {
		return nil, fmt.Errorf("given %d times", len(raw))
	}
	return scalar(prm.Type, raw[0])
}

func scalar(typ, s string) (any, error) {
	switch typ {
	case "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", s)
		}
		return b, nil
	}
	return s, nil
}

// CheckResponse returns every way a response (status, header, body) to r
// differs from what r's operation declares.
func (s *Spec) CheckResponse(r *http.Request, status int, header http.Header, body []byte) []string {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.base+"/")
	if !ok {
		return nil
	}
	rt, _ := s.find(r.Method, rest)
	if rt == nil {
		return nil // reported on the request
	}
	errorsSchema := s.errors
	var resp *spec.Response
	if rt.op.Responses != nil {
		if sr, ok := rt.op.Responses.StatusCodeResponses[status]; ok {
			resp = &sr
		} else {
			resp = rt.op.Responses.Default
		}
	}
	if resp == nil && status >= 400 && errorsSchema != nil {
		// The real Harbor answers any error status from any handler: its
		// handlers end in SendError (src/lib/http/error.go), which maps the
		// error's code (NOT_FOUND → 404, PRECONDITION → 412, ...) whether or
		// not the operation declares that status, always with the Errors body.
		// e.g. GET /replication/policies/{id} declares no 404 but answers one
		// for a missing policy; POST /replication/executions answers 412 for a
		// disabled policy (src/controller/replication/execution.go).
		resp = &spec.Response{ResponseProps: spec.ResponseProps{Schema: errorsSchema}}
	}
	if resp == nil {
		return []string{fmt.Sprintf("status %d is not a response the spec declares", status)}
	}
	var errs []string
	for name, h := range resp.Headers {
		v := header.Get(name)
		if v == "" {
			continue // swagger 2.0 response headers are never required
		}
		hv, err := scalar(h.Type, v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("header %s: %v", name, err))
			continue
		}
		if res := validate.NewHeaderValidator(name, &h, strfmt.Default).Validate(hv); res != nil && !res.IsValid() {
			for _, e := range res.Errors {
				errs = append(errs, fmt.Sprintf("header %s: %v", name, e))
			}
		}
	}
	if resp.Schema == nil {
		if len(bytes.TrimSpace(body)) > 0 {
			errs = append(errs, fmt.Sprintf("status %d has a body the spec does not declare: %.200s", status, body))
		}
		return errs
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/json" && !(resp.Schema.Type.Contains("string") && mt == "text/plain") {
		errs = append(errs, fmt.Sprintf("Content-Type %q, want application/json", header.Get("Content-Type")))
		return errs
	}
	var v any
	if resp.Schema.Type.Contains("string") && !json.Valid(body) {
		v = string(body)
	} else if err := json.Unmarshal(body, &v); err != nil {
		return append(errs, fmt.Sprintf("body is not JSON: %v: %.200s", err, body))
	}
	return append(errs, schemaErrors(fmt.Sprintf("status %d body", status), resp.Schema, v)...)
}

// Handler returns next wrapped so that every API request it serves and every
// response it writes is checked against the spec; mismatches go to rep.Errorf,
// naming the operation. It fails rep at once if the spec cannot be loaded.
func Handler(rep Reporter, next http.Handler) http.Handler {
	rep.Helper()
	s, err := Load()
	if err != nil {
		rep.Errorf("spectest: %v", err)
		return next
	}
	return s.Handler(rep, next)
}

// Handler is the package-level Handler with this spec.
func (s *Spec) Handler(rep Reporter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, s.base+"/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			rep.Errorf("spectest: reading the body of %s %s: %v", r.Method, r.URL.Path, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tmpl, errs := s.CheckRequest(r, body)
		for _, e := range errs {
			rep.Errorf("spectest: request %s %s (%s): %s", r.Method, r.URL.RequestURI(), tmpl, e)
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		for _, e := range s.CheckResponse(r, rec.status, w.Header(), rec.body.Bytes()) {
			rep.Errorf("spectest: response to %s %s (%s): %s", r.Method, r.URL.RequestURI(), tmpl, e)
		}
	})
}

// recorder passes a response through, keeping its status and body.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
