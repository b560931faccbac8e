package metrics

import (
	"context"
	"errors"

	"github.com/regdr/regdr/failover"
)

// Refusal reasons: the values of the reason label of regdr_failover_refused_total. The set
// is fixed, so the label stays low-cardinality whatever the error text says.
const (
	ReasonSecondaryUnhealthy = "secondary_unhealthy"
	ReasonUnexpectedRecord   = "unexpected_record"
	ReasonLagExceedsRPO      = "lag_exceeds_rpo"
	ReasonLagFromFuture      = "lag_from_future"
	ReasonHoldDown           = "hold_down"
	ReasonStalePlan          = "stale_plan"
	ReasonTamperedPlan       = "tampered_plan"
	ReasonTamperedJournal    = "tampered_journal"
	ReasonNotVerified        = "not_verified"
	ReasonPrimaryUnhealthy   = "primary_unhealthy"
	ReasonDwell              = "dwell"
	ReasonNothingToFailBack  = "nothing_to_fail_back"
	ReasonReverseLag         = "reverse_lag"
	ReasonInvalid            = "invalid"
	ReasonCanceled           = "canceled"
	ReasonOther              = "other"
)

// reasons maps failover's sentinels to reasons, most telling first: a refusal joining
// several errors (an unhealthy secondary and a lag over the RPO) counts once, under the
// first that matches.
var reasons = []struct {
	err    error
	reason string
}{
	{failover.ErrSecondaryUnhealthy, ReasonSecondaryUnhealthy},
	{failover.ErrUnexpectedRecord, ReasonUnexpectedRecord},
	{failover.ErrLagExceedsRPO, ReasonLagExceedsRPO},
	{failover.ErrLagFromFuture, ReasonLagFromFuture},
	{failover.ErrHoldDown, ReasonHoldDown},
	{failover.ErrStalePlan, ReasonStalePlan},
	{failover.ErrTamperedPlan, ReasonTamperedPlan},
	{failover.ErrTamperedJournal, ReasonTamperedJournal},
	{failover.ErrNotVerified, ReasonNotVerified},
	{failover.ErrPrimaryUnhealthy, ReasonPrimaryUnhealthy},
	{failover.ErrDwell, ReasonDwell},
	{failover.ErrNothingToFailBack, ReasonNothingToFailBack},
	{failover.ErrReverseLag, ReasonReverseLag},
	{failover.ErrInvalid, ReasonInvalid},
	{context.Canceled, ReasonCanceled},
	{context.DeadlineExceeded, ReasonCanceled},
}

// Reasons returns every value RefusalReason can return, in a fixed order.
func Reasons() []string {
	out := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if len(out) == 0 || out[len(out)-1] != r.reason {
			out = append(out, r.reason)
		}
	}
	return append(out, ReasonOther)
}

// RefusalReason names why failover refused, held down or failed a switch, from failover's
// sentinel errors (errors.Is): one of the Reason constants, ReasonOther when no sentinel
// matches (a lag that could not be read, a journal that could not be read).
func RefusalReason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ReasonOther
}
