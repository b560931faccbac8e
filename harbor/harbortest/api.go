package harbortest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

const apiPrefix = "/api/v2.0"

// access levels for API routes.
const (
	anyone = iota // no credentials needed
	reader        // any authenticated user
	admin         // the administrator
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("/v2/", s.serveRegistry)
	m.HandleFunc("/v2", s.serveRegistry)
	m.HandleFunc("/service/token", s.serveToken)
	h := func(pattern string, level int, fn http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+apiPrefix+path, s.guard(level, fn))
	}
	h("GET /ping", anyone, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("Pong"))
	})

	h("GET /registries", admin, s.listRegistries)
	h("POST /registries", admin, s.createRegistry)
	h("POST /registries/ping", admin, s.pingRegistry)
	h("GET /registries/{id}", admin, s.getRegistry)
	h("PUT /registries/{id}", admin, s.updateRegistry)
	h("DELETE /registries/{id}", admin, s.deleteRegistry)

	h("GET /replication/policies", admin, s.listPolicies)
	h("POST /replication/policies", admin, s.createPolicy)
	h("GET /replication/policies/{id}", admin, s.getPolicy)
	h("PUT /replication/policies/{id}", admin, s.updatePolicy)
	h("DELETE /replication/policies/{id}", admin, s.deletePolicy)

	h("GET /replication/executions", admin, s.listExecutions)
	h("POST /replication/executions", admin, s.startExecutionAPI)
	h("GET /replication/executions/{id}", admin, s.getExecution)
	h("PUT /replication/executions/{id}", admin, s.stopExecution)
	h("GET /replication/executions/{id}/tasks", admin, s.listTasks)
	h("GET /replication/executions/{id}/tasks/{task}/log", admin, s.taskLog)

	h("GET /projects", reader, s.listProjects)
	h("POST /projects", admin, s.createProject)
	h("GET /projects/{project}", reader, s.getProject)
	h("GET /projects/{project}/repositories", reader, s.listRepositories)
	h("GET /projects/{project}/repositories/{repo}", reader, s.getRepository)
	h("GET /projects/{project}/repositories/{repo}/artifacts", reader, s.listArtifacts)
	h("GET /projects/{project}/repositories/{repo}/artifacts/{reference}", reader, s.getArtifact)

	m.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("harbortest does not serve %s %s", r.Method, r.URL.Path))
	})
	s.mux = m
}

func (s *Server) guard(level int, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if level > anyone {
			_, isAdmin, ok := s.authenticate(r)
			if !ok {
				writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "unauthorized")
				return
			}
			if level == admin && !isAdmin {
				writeError(w, http.StatusForbidden, "FORBIDDEN", "forbidden")
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead && !isAdmin {
				writeError(w, http.StatusForbidden, "FORBIDDEN", "forbidden")
				return
			}
		}
		fn(w, r)
	}
}

// writeError writes Harbor's error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, &models.Errors{Errors: []*models.Error{{Code: code, Message: msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeCreated(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusCreated)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "invalid request body: "+err.Error())
		return false
	}
	return true
}

func pathID(w http.ResponseWriter, r *http.Request, key string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(key), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("invalid %s %q", key, r.PathValue(key)))
		return 0, false
	}
	return id, true
}

// paginate writes the page r asks for (page, page_size ≤ 100; defaults 1 and
// 10) of items, with X-Total-Count and Link headers, as Harbor does.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) {
	q := r.URL.Query()
	page, size := int64(1), int64(10)
	if v := q.Get("page"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "page in query should be greater than or equal to 1")
			return
		}
		page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 100 {
			writeError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "page_size in query should be less than or equal to 100")
			return
		}
		if n > 0 {
			size = n
		}
	}
	total := int64(len(items))
	start := min((page-1)*size, total)
	end := min(start+size, total)
	w.Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
	var links []string
	link := func(p int64, rel string) {
		q := r.URL.Query()
		q.Set("page", strconv.FormatInt(p, 10))
		q.Set("page_size", strconv.FormatInt(size, 10))
		raw := q.Encode()
		if u, err := url.QueryUnescape(raw); err == nil { // Harbor unescapes the query it links to
			raw = u
		}
		links = append(links, fmt.Sprintf(`<%s?%s>; rel="%s"`, r.URL.Path, raw, rel))
	}
	if page > 1 && (page-1)*size < total { // Harbor's condition: a previous page with items
		link(page-1, "prev")
	}
	if end < total {
		link(page+1, "next")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, " , "))
	}
	out := items[start:end]
	if out == nil {
		out = []T{}
	}
	writeJSON(w, http.StatusOK, out)
}

// query is Harbor's q parameter: "k=v" exact, "k=~v" fuzzy, comma separated.
type query map[string]string

func parseQuery(r *http.Request) query {
	out := query{}
	for _, kv := range strings.Split(r.URL.Query().Get("q"), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			out[k] = v
		}
	}
	return out
}

// match reports whether value satisfies the query on key (true when absent).
func (q query) match(key, value string) bool {
	want, ok := q[key]
	if !ok {
		return true
	}
	if fuzzy, ok := strings.CutPrefix(want, "~"); ok {
		return strings.Contains(value, fuzzy)
	}
	return value == want
}

// repoParam reads a repository name from the path: Harbor wants nested names
// escaped twice on the wire (a%252Fb), so after the mux's unescaping one level
// remains.
func repoParam(r *http.Request) (string, bool) {
	raw := r.PathValue("repo")
	if strings.Contains(raw, "/") {
		// Escaped only once: Harbor's router would have split it.
		return "", false
	}
	v, err := url.PathUnescape(raw)
	return v, err == nil && v != ""
}
