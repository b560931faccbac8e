package acrtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// Defaults of a Server created without options.
const (
	DefaultInstanceID      = "cri-acrtest"
	DefaultRegion          = "cn-hangzhou"
	DefaultAccessKeyID     = "LTAI-acrtest"
	DefaultAccessKeySecret = "acrtest-secret"
	// APIVersion is the cr OpenAPI version the emulator speaks.
	APIVersion = "2018-12-01"
)

// Server emulates ACR EE instances: the cr OpenAPI (OpenAPI) and the first instance's
// registry (Registry). Create it with New; it is safe for concurrent use.
type Server struct {
	api      *aliyuntest.Server
	now      func() time.Time
	tokenTTL time.Duration

	mu        sync.Mutex
	instances map[string]*instance
	first     string
	seq       int
	keysSet   bool
	inactive  map[string]bool // AccessKey IDs of RAM users not activated in ACR
	maxDepth  int             // registry path components allowed; 0 = any (EE)
}

type instance struct {
	id, region string
	reg        http.Handler // this instance's storage
	namespaces map[string]*namespace
	repos      map[string]*repo // by "ns/name"
	users      map[string]string
	temp       map[string]tempCred // by password
	bearer     map[string]time.Time
	endpoints  map[string]*endpoint // "internet", "vpc"
	custom     map[string]*customDomain
	vpcs       []LinkedVPC
	syncRules  []*syncRule
	syncTasks  []*SyncTask
	created    time.Time
}

type namespace struct {
	id              string
	name            string
	autoCreate      bool
	defaultRepoType string
	createdAt       time.Time
}

type repo struct {
	id, ns, name, typ string
	tags              map[string]tagInfo
	createdAt         time.Time
}

type tagInfo struct {
	digest  string    // the manifest digest, "sha256:<hex>"
	imageID string    // bare hex: the image config's digest ("" for an index)
	size    int64     // the image size: config and layers (an index: its manifests' sizes)
	blobs   []blob    // config and layers
	at      time.Time // the tag's last push: ListRepoTag's ImageUpdate
	created time.Time // the tag's first push: ListRepoTag's ImageCreate
}

type blob struct {
	digest string
	size   int64
}

type tempCred struct {
	user    string
	expires time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithInstance adds an instance (the first one added serves Registry). Without it the
// server has DefaultInstanceID in DefaultRegion. It panics on an empty ID or region.
func WithInstance(id, region string) Option {
	if id == "" || region == "" {
		panic("acrtest: an instance needs an ID and a region")
	}
	return func(s *Server) { s.addInstance(id, region) }
}

// WithAccessKey accepts an AccessKey for the OpenAPI. Without it the server accepts
// DefaultAccessKeyID/DefaultAccessKeySecret. It panics on an empty ID or secret.
func WithAccessKey(id, secret string) Option {
	if id == "" || secret == "" {
		panic("acrtest: an AccessKey needs an ID and a secret")
	}
	return func(s *Server) { s.api.AddKey(id, secret); s.keysSet = true }
}

// WithSTS accepts an STS AccessKey that must come with its security token. It panics
// when any of the three is empty.
func WithSTS(id, secret, token string) Option {
	if id == "" || secret == "" || token == "" {
		panic("acrtest: an STS AccessKey needs an ID, a secret and a token")
	}
	return func(s *Server) { s.api.AddSTS(id, secret, token); s.keysSet = true }
}

// WithMaxPathDepth limits registry repository paths to n components (n ≥ 2): 2 is
// namespace/repository, what Personal Edition accepts and what regdr's ACR EE rule
// assumed. Without it the registry accepts Enterprise Edition's multi-tier names
// (namespace/a/b/c), within the length limits in registry.go. It panics when n < 2.
func WithMaxPathDepth(n int) Option {
	if n < 2 {
		panic("acrtest: path depth below 2")
	}
	return func(s *Server) { s.maxDepth = n }
}

// WithClock sets the clock of token expiry and of creation times, e.g. a clocktest.Fake
// shared with the client under test; instances added by earlier options keep wall-clock
// creation times. The default is the wall clock. It panics when c is nil.
func WithClock(c clock.Clock) Option {
	if c == nil {
		panic("acrtest: nil clock")
	}
	return func(s *Server) { s.now = c.Now }
}

// WithTokenTTL sets how long GetAuthorizationToken credentials live. The default is 1h.
// It panics when d ≤ 0.
func WithTokenTTL(d time.Duration) Option {
	if d <= 0 {
		panic("acrtest: token TTL must be positive")
	}
	return func(s *Server) { s.tokenTTL = d }
}

// New returns an emulator configured by opts. Serve it with Start, or with
// net/http/httptest (OpenAPI and Registry).
func New(opts ...Option) *Server {
	s := &Server{
		api: aliyuntest.NewServer(APIVersion),
		now: time.Now, tokenTTL: time.Hour, instances: map[string]*instance{}, inactive: map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	if len(s.instances) == 0 {
		s.addInstance(DefaultInstanceID, DefaultRegion)
	}
	if !s.keysSet {
		s.api.AddKey(DefaultAccessKeyID, DefaultAccessKeySecret)
	}
	s.routes()
	return s
}

func (s *Server) addInstance(id, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first == "" {
		s.first = id
	}
	s.instances[id] = &instance{
		id: id, region: region, reg: registry.New(registry.Logger(discardLogger())), namespaces: map[string]*namespace{}, repos: map[string]*repo{},
		users: map[string]string{}, temp: map[string]tempCred{}, bearer: map[string]time.Time{},
		endpoints: map[string]*endpoint{}, custom: map[string]*customDomain{}, created: s.now(),
	}
	seedEndpoints(s.instances[id])
}

// OpenAPI returns the handler of the cr OpenAPI. Point an acr client at it with
// Cloud.Endpoint = the listener's "127.0.0.1:port" and Cloud.Insecure, or use Start.
func (s *Server) OpenAPI() http.Handler { return s.api }

// Registry returns the /v2/ registry of the first instance.
func (s *Server) Registry() http.Handler { return &registryHandler{s: s, inst: s.first} }

// InstanceRegistry returns the /v2/ registry of the instance instanceID (nil when there
// is no such instance). Each instance stores its own images.
func (s *Server) InstanceRegistry(instanceID string) http.Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.instances[instanceID] == nil {
		return nil
	}
	return &registryHandler{s: s, inst: instanceID}
}

// SetUserNotActivated makes GetAuthorizationToken called with the AccessKey accessKeyID
// answer as for a RAM user never activated in ACR (never logged in to the ACR console, no
// registry password): HTTP 404 USER_NOT_EXIST, as the older cr API answered it
// (https://github.com/aliyun/aliyun-cli/issues/232, https://github.com/aliyun/acr-login/
// issues/19). The code and status EE answers today are unconfirmed.
func (s *Server) SetUserNotActivated(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inactive[accessKeyID] = true
}

// Throttle makes the next n calls of action ("" = any) answer Alibaba's throttling error.
func (s *Server) Throttle(action string, n int) { s.api.Throttle(action, n) }

// FailNext makes the next n calls of action ("" = any) fail with the HTTP status and
// code, e.g. 503 "ServiceUnavailable".
func (s *Server) FailNext(action string, n, status int, code string) {
	s.api.FailNext(action, n, &aliyuntest.Error{Status: status, Code: code, Message: "injected by acrtest"})
}

// CallCount returns how many calls of action ("" = all) were answered successfully.
func (s *Server) CallCount(action string) int { return s.api.CallCount(action) }

func (s *Server) id(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%06d", prefix, s.seq)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) instance(id string) (*instance, error) {
	in, ok := s.instances[id]
	if !ok {
		return nil, fmt.Errorf("acrtest: no instance %q", id)
	}
	return in, nil
}

// Namespace is a namespace as seeded or read back.
type Namespace struct {
	Name            string
	AutoCreateRepo  bool
	DefaultRepoType string // PRIVATE (default) or PUBLIC
}

// AddNamespace seeds a namespace of the instance.
func (s *Server) AddNamespace(instanceID string, ns Namespace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	if ns.DefaultRepoType == "" {
		ns.DefaultRepoType = "PRIVATE"
	}
	in.namespaces[ns.Name] = &namespace{id: s.id("crn-"), name: ns.Name, autoCreate: ns.AutoCreateRepo,
		defaultRepoType: ns.DefaultRepoType, createdAt: s.now()}
	return nil
}

// Namespaces returns the instance's namespaces sorted by name.
func (s *Server) Namespaces(instanceID string) []Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return nil
	}
	var out []Namespace
	for _, n := range in.namespaces {
		out = append(out, Namespace{Name: n.name, AutoCreateRepo: n.autoCreate, DefaultRepoType: n.defaultRepoType})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddRepository seeds an empty repository "namespace/name" (a multi-tier name unless
// WithMaxPathDepth forbids it); the namespace must exist.
func (s *Server) AddRepository(instanceID, path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	if msg := checkPath(path, s.maxDepth); msg != "" {
		return fmt.Errorf("acrtest: repository %q: %s", path, msg)
	}
	ns, name, _ := strings.Cut(path, "/")
	if in.namespaces[ns] == nil {
		return fmt.Errorf("acrtest: repository %q needs an existing namespace", path)
	}
	s.createRepo(in, ns, name)
	return nil
}

func (s *Server) createRepo(in *instance, ns, name string) *repo {
	r := &repo{id: s.id("crr-"), ns: ns, name: name, typ: in.namespaces[ns].defaultRepoType,
		tags: map[string]tagInfo{}, createdAt: s.now()}
	in.repos[ns+"/"+name] = r
	return r
}

// Repositories returns the instance's repository paths, sorted.
func (s *Server) Repositories(instanceID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return nil
	}
	var out []string
	for p := range in.repos {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Tags returns the tags of the repository "namespace/name" and their digests.
func (s *Server) Tags(instanceID, path string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil || in.repos[path] == nil {
		return nil
	}
	out := map[string]string{}
	for t, ti := range in.repos[path].tags {
		out[t] = ti.digest
	}
	return out
}

// SetPassword sets a fixed registry password for user on the instance.
func (s *Server) SetPassword(instanceID, user, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	in.users[user] = password
	return nil
}
