package failover

import (
	"errors"

	"github.com/regdr/regdr/internal/redact"
)

// Sentinel errors. Every error this package returns wraps one of them, or a dns sentinel
// (errors.Is works through every wrap).
var (
	// ErrInvalid: an endpoint, target, option or plan fails validation; nothing was sent.
	ErrInvalid = errors.New("failover: invalid input")
	// ErrSecondaryUnhealthy: the side being switched to is not healthy.
	ErrSecondaryUnhealthy = errors.New("failover: secondary registry is not healthy")
	// ErrPrimaryUnhealthy: failback was asked while the primary has not been healthy long enough.
	ErrPrimaryUnhealthy = errors.New("failover: primary registry has not been healthy long enough")
	// ErrDwell: failback was asked before the minimum dwell time since failover passed.
	ErrDwell = errors.New("failover: minimum dwell time since failover has not passed")
	// ErrLagExceedsRPO: the replication lag is larger than the caller's RPO budget.
	ErrLagExceedsRPO = errors.New("failover: replication lag exceeds the RPO budget")
	// ErrUnexpectedRecord: a record is not where a plan expects it (neither primary nor
	// secondary, several records share the name, or it is disabled).
	ErrUnexpectedRecord = errors.New("failover: record is not in an expected state")
	// ErrStalePlan: the plan expired, a record changed since the plan observed it, the plan
	// is not what the switcher derives now (another record, value or journal entry), or
	// the journal shows it already applied and switched since (a replay).
	ErrStalePlan = errors.New("failover: stale plan")
	// ErrTamperedPlan: the plan's seal does not match its contents — it was edited after it
	// was made, or sealed with another key (another journal's) — or it is not a plan at all.
	ErrTamperedPlan = errors.New("failover: plan was altered or sealed with another key")
	// ErrTamperedJournal: a journal line does not match its MAC under the journal's key —
	// it was edited, or written with another key — or an unauthenticated line follows an
	// authenticated one.
	ErrTamperedJournal = errors.New("failover: journal was altered or written with another key")
	// ErrNotVerified: the change was written but the resolver did not show it before the
	// verification deadline.
	ErrNotVerified = errors.New("failover: change not visible through the resolver before the deadline")
	// ErrNothingToFailBack: the journal holds no failover to undo for a target.
	ErrNothingToFailBack = errors.New("failover: no failover in the journal to undo")
	// ErrLagFromFuture: a lag report is dated further in the future than the clock skew
	// allowed; a skewed clock must not hold the RPO open.
	ErrLagFromFuture = errors.New("failover: lag report dated in the future")
	// ErrReverseLag: failback was asked while ACR EE holds artifacts Harbor lacks (pushed
	// during the outage): pointing clients back at Harbor would hide them.
	ErrReverseLag = errors.New("failover: ACR EE holds artifacts Harbor lacks")
	// ErrHoldDown: the monitor will not switch again before its hold-down ends.
	ErrHoldDown = errors.New("failover: hold-down in effect")
)

// scrub is err's text with any credential it quotes hidden (redact.Text): what a plan's
// evidence, a drill report or a log record keeps of an error a lag reader, a name mapper
// or a vantage point returned — which may quote a URL with user information, or a
// server's answer echoing an Authorization header.
func scrub(err error) string { return redact.Text(err.Error()) }

// scrubbed is an error whose text is scrubbed ([scrub]), its chain kept for errors.Is: a
// MonitorEvent's error, which its consumers print.
type scrubbed struct{ err error }

func (s scrubbed) Error() string { return scrub(s.err) }
func (s scrubbed) Unwrap() error { return s.err }
