package harbortest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Default administrator credentials, as a fresh Harbor install has them.
const (
	DefaultAdmin    = "admin"
	DefaultPassword = "Harbor12345"
)

// Server is an emulated Harbor v2.13: its API under /api/v2.0/ and its registry
// under /v2/. It implements http.Handler; serve it with httptest.NewServer.
// Its methods inspect the state and inject faults. A Server is safe for
// concurrent use. Call Close when done to stop running executions.
type Server struct {
	mux      *http.ServeMux
	registry http.Handler // the raw OCI registry, no auth, no bookkeeping
	logger   *slog.Logger
	sync     bool
	baseRT   http.RoundTripper
	now      func() time.Time

	tokenKey    []byte        // signs registry tokens
	tokenTTL    time.Duration // how long a registry token lasts
	externalURL string        // the token realm's base; "" = the request's
	url         string        // where Start serves it; guarded by mu

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	users      map[string]user
	nextID     int64
	projects   []*project
	repos      map[string]*repository // by full name
	endpoints  []*endpoint
	policies   []*policy
	executions []*execution
	down       map[string]bool // endpoint hosts that do not answer
	faults     map[string]EndpointFault
	failRepos  map[string]bool // source repositories whose tasks fail
	hold       chan struct{}   // non-nil: executions wait for it to close
	idle       *sync.Cond
	running    int
}

type user struct {
	password string
	admin    bool
}

// ErrInvalidOption is the error an [Option] refuses a value with. [New] panics with it
// (as httptest.NewServer panics when it cannot listen); [Start] fails the test.
var ErrInvalidOption = errors.New("harbortest: invalid option")

// Option configures a Server. Every Option checks its value and refuses one it cannot
// honour with an error matching [ErrInvalidOption]; none is silently ignored.
type Option func(*Server) error

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
}

// WithAdmin replaces the administrator's credentials. The default is
// DefaultAdmin/DefaultPassword (admin/Harbor12345). An empty name or password is refused.
func WithAdmin(name, password string) Option {
	return func(s *Server) error {
		if name == "" || password == "" {
			return invalid("WithAdmin: empty name or password")
		}
		for n, u := range s.users {
			if u.admin {
				delete(s.users, n)
			}
		}
		s.users[name] = user{password: password, admin: true}
		return nil
	}
}

// WithUser adds a user without administrator rights: it can read the API, push
// and pull, but gets 403 on registry endpoints, policies and executions. An empty name
// or password is refused.
func WithUser(name, password string) Option {
	return func(s *Server) error {
		if name == "" || password == "" {
			return invalid("WithUser: empty name or password")
		}
		s.users[name] = user{password: password}
		return nil
	}
}

// WithProject seeds a project besides "library". An empty name is refused.
func WithProject(name string, public bool) Option {
	return func(s *Server) error {
		if name == "" {
			return invalid("WithProject: empty name")
		}
		s.addProject(name, public)
		return nil
	}
}

// WithSyncExecutions runs replication executions synchronously: starting one (or
// pushing an artifact an event-based policy replicates) returns once it has
// finished. The default runs them in the background; see WaitExecutions.
func WithSyncExecutions() Option {
	return func(s *Server) error { s.sync = true; return nil }
}

// WithEndpointTransport sets the transport the server uses to reach registry
// endpoints (pings and replication), e.g. one that trusts a test CA. The default
// is a clone of http.DefaultTransport; an endpoint marked insecure skips TLS
// verification. A nil transport is refused.
func WithEndpointTransport(rt http.RoundTripper) Option {
	return func(s *Server) error {
		if rt == nil {
			return invalid("WithEndpointTransport: nil transport")
		}
		s.baseRT = rt
		return nil
	}
}

// WithLogger logs the server's replication work to l. The default discards it. A nil
// logger is refused.
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error {
		if l == nil {
			return invalid("WithLogger: nil logger")
		}
		s.logger = l
		return nil
	}
}

// New returns a Harbor with an administrator admin/Harbor12345 and a public
// project "library". It panics if an option refuses its value (see [ErrInvalidOption]);
// [Start] reports that through the test instead.
func New(opts ...Option) *Server {
	s, err := newServer(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

func newServer(opts ...Option) (*Server, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		registry:  registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true)),
		logger:    slog.New(slog.DiscardHandler),
		now:       func() time.Time { return time.Now().UTC() },
		tokenKey:  []byte(rand.Text()),
		tokenTTL:  DefaultTokenExpiration,
		ctx:       ctx,
		cancel:    cancel,
		users:     map[string]user{DefaultAdmin: {password: DefaultPassword, admin: true}},
		repos:     map[string]*repository{},
		down:      map[string]bool{},
		failRepos: map[string]bool{},
	}
	s.idle = sync.NewCond(&s.mu)
	s.addProject("library", true)
	for _, o := range opts {
		if o == nil {
			cancel()
			return nil, invalid("nil Option")
		}
		if err := o(s); err != nil {
			cancel()
			return nil, err
		}
	}
	if s.baseRT == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		s.baseRT = t
	}
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops running executions (they end Stopped) and waits for them.
func (s *Server) Close() {
	s.cancel()
	s.mu.Lock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// authenticate returns the user named in r's basic auth, if the password is right.
func (s *Server) authenticate(r *http.Request) (name string, admin, ok bool) {
	n, p, has := r.BasicAuth()
	if !has {
		return "", false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, found := s.users[n]
	if !found || u.password != p {
		return "", false, false
	}
	return n, u.admin, true
}
