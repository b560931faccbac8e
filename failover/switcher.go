package failover

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// Defaults of a [Switcher].
const (
	// DefaultPlanTTL is how long a plan stays valid.
	DefaultPlanTTL = 10 * time.Minute
	// DefaultVerifyTimeout bounds how long Apply waits for a resolver to show a change.
	DefaultVerifyTimeout = 2 * time.Minute
	// DefaultVerifyInterval is the pause between two verification queries.
	DefaultVerifyInterval = 2 * time.Second
)

// AuditEvent reports one record write (or failed write attempt).
type AuditEvent struct {
	// Time is when the write returned.
	Time time.Time `json:"time"`
	// PlanID and Kind name the plan.
	PlanID string `json:"plan_id"`
	Kind   Kind   `json:"kind"`
	// Target, FQDN and RecordID locate the record.
	Target   string `json:"target"`
	FQDN     string `json:"fqdn"`
	RecordID string `json:"record_id"`
	// From and To are the intended switch.
	From Value `json:"from"`
	To   Value `json:"to"`
	// Actor and Reason come from the plan; Forced is true for a forced plan.
	Actor  string `json:"actor,omitempty"`
	Reason string `json:"reason,omitempty"`
	Forced bool   `json:"forced,omitempty"`
	// Outcome is "written" or "failed"; Error says why it failed.
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// Audit outcomes.
const (
	OutcomeWritten = "written"
	OutcomeFailed  = "failed"
)

// Switcher plans and applies DNS switches over a fixed set of targets, journals every
// write and audits it. It is safe for concurrent use, though two applies racing on one
// record are only separated by the providers' compare-and-swap.
type Switcher struct {
	targets map[string]Target
	order   []string

	clock          clock.Clock
	journal        JournalStore
	audit          func(AuditEvent)
	logger         *slog.Logger
	planTTL        time.Duration
	verifyTimeout  time.Duration
	verifyInterval time.Duration
	lookup         LookupFunc

	keyMu   sync.Mutex
	key     []byte // nil until first use when keyPath is set
	keyPath string
}

// Option configures a [Switcher].
type Option func(*Switcher) error

// WithClock sets the clock. The default is the wall clock.
func WithClock(c clock.Clock) Option {
	return func(s *Switcher) error {
		if c == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalid)
		}
		s.clock = c
		return nil
	}
}

// WithJournal sets where writes are journaled. The default is a fresh [MemoryJournal],
// which forgets everything when the process ends: production callers want a [FileJournal].
func WithJournal(j JournalStore) Option {
	return func(s *Switcher) error {
		if j == nil {
			return fmt.Errorf("%w: nil journal", ErrInvalid)
		}
		s.journal = j
		return nil
	}
}

// WithAudit sets the callback that receives one event per write. It is called
// synchronously; it must not block for long. The default discards events.
func WithAudit(f func(AuditEvent)) Option {
	return func(s *Switcher) error {
		s.audit = f
		return nil
	}
}

// WithLogger sets a logger for progress. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(s *Switcher) error {
		s.logger = l
		return nil
	}
}

// WithPlanTTL sets how long plans stay valid. The default is DefaultPlanTTL.
func WithPlanTTL(d time.Duration) Option {
	return func(s *Switcher) error {
		if d <= 0 {
			return fmt.Errorf("%w: plan TTL must be positive", ErrInvalid)
		}
		s.planTTL = d
		return nil
	}
}

// WithVerify sets how long Apply waits for a target's resolver to show a change, and the
// pause between queries. The defaults are DefaultVerifyTimeout and DefaultVerifyInterval.
func WithVerify(timeout, interval time.Duration) Option {
	return func(s *Switcher) error {
		if timeout < 0 || interval <= 0 {
			return fmt.Errorf("%w: verify timeout must be ≥ 0 and interval positive", ErrInvalid)
		}
		s.verifyTimeout, s.verifyInterval = timeout, interval
		return nil
	}
}

// WithLookup replaces how Apply queries a target's resolver. The default, [DNSLookup],
// sends real DNS queries.
func WithLookup(f LookupFunc) Option {
	return func(s *Switcher) error {
		if f == nil {
			return fmt.Errorf("%w: nil lookup", ErrInvalid)
		}
		s.lookup = f
		return nil
	}
}

// NewSwitcher returns a switcher over targets, which must be valid and uniquely named.
func NewSwitcher(targets []Target, opts ...Option) (*Switcher, error) {
	s := &Switcher{
		targets:        map[string]Target{},
		clock:          clock.System(),
		journal:        &MemoryJournal{},
		logger:         slog.New(slog.DiscardHandler),
		planTTL:        DefaultPlanTTL,
		verifyTimeout:  DefaultVerifyTimeout,
		verifyInterval: DefaultVerifyInterval,
		lookup:         DNSLookup,
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no targets", ErrInvalid)
	}
	for _, t := range targets {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if _, dup := s.targets[t.Name]; dup {
			return nil, fmt.Errorf("%w: two targets named %s", ErrInvalid, t.Name)
		}
		s.targets[t.Name] = t
		s.order = append(s.order, t.Name)
	}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil switcher option", ErrInvalid)
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if fj, ok := s.journal.(*FileJournal); ok && s.key == nil && s.keyPath == "" {
		s.keyPath = PlanKeyFile(fj.path)
	}
	return s, nil
}

// Targets returns the targets, in the order given.
func (s *Switcher) Targets() []Target {
	out := make([]Target, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, s.targets[n])
	}
	return out
}

// selected returns the named targets (all when names is empty).
func (s *Switcher) selected(names []string) ([]Target, error) {
	if len(names) == 0 {
		return s.Targets(), nil
	}
	var out []Target
	for _, n := range names {
		t, ok := s.targets[n]
		if !ok {
			return nil, fmt.Errorf("%w: unknown target %s", ErrInvalid, n)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Switcher) emit(e AuditEvent) {
	if s.audit != nil {
		s.audit(e)
	}
}
