package replication

import (
	"errors"
	"fmt"
	"strings"

	"github.com/regdr/regdr/harbor"
)

// Errors of Harbor-managed replication (PlanHarbor, HarborPlan.Apply, Verify); match them
// with errors.Is. Harbor's own errors (harbor.ErrUnauthorized, ...) stay matchable through
// every wrap.
var (
	// ErrHarborSetup: the HarborSetup is incomplete or contradictory (found before any I/O).
	ErrHarborSetup = errors.New("invalid harbor replication setup")
	// ErrHarborCron: a scheduled trigger's cron is not one Harbor accepts (6 fields, seconds
	// first, each valid for its field). It comes wrapped in ErrHarborSetup from planning.
	ErrHarborCron = errors.New("invalid cron")
	// ErrHarborEndpoint: Harbor's connection test to the ACR EE endpoint failed.
	ErrHarborEndpoint = errors.New("registry endpoint does not answer")
	// ErrHarborNamespace: the ACR EE namespace is missing or has auto-create repository off,
	// and the setup does not let regdr fix it.
	ErrHarborNamespace = errors.New("ACR EE namespace not usable")
	// ErrHarborSecret: an action needs the endpoint secret and none was given (a plan read
	// back from JSON has lost it: pass HarborApplyOptions.AccessSecret).
	ErrHarborSecret = errors.New("endpoint secret needed")
	// ErrHarborExecution: the replication execution did not succeed.
	ErrHarborExecution = errors.New("replication execution did not succeed")
	// ErrHarborIncomplete: a copy ended without error but Verify still finds artifacts missing
	// or stale in ACR EE.
	ErrHarborIncomplete = errors.New("replication incomplete")
)

// HarborActionError is Apply stopping at a failed action: the action, what was done
// before it, and why it failed.
type HarborActionError struct {
	Action HarborAction
	Done   []HarborAction
	Err    error
}

// Error names the action, how many were done before it, and the cause.
func (e *HarborActionError) Error() string {
	msg := fmt.Sprintf("%s (after %d action(s) done)", e.Action.describe(), len(e.Done))
	if e.Err == nil { // never end in ": <nil>"
		return msg + ": failed"
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *HarborActionError) Unwrap() error { return e.Err }

// HarborExecutionError is an execution that ended Failed or Stopped, with the tasks that
// did not succeed. It matches ErrHarborExecution, and harbor.ErrExecutionFailed or
// harbor.ErrStopped.
type HarborExecutionError struct {
	Execution harbor.Execution
	// FailedTasks are the tasks whose status is not Succeed.
	FailedTasks []harbor.Task
	Err         error
}

// Error names the execution, its status and each failed task's resources.
func (e *HarborExecutionError) Error() string {
	var tasks []string
	for _, t := range e.FailedTasks {
		tasks = append(tasks, fmt.Sprintf("%s → %s (%s)", t.SrcResource, t.DstResource, t.Status))
	}
	msg := fmt.Sprintf("execution %d ended %s: %d of %d task(s) failed", e.Execution.ID, e.Execution.Status, e.Execution.Failed, e.Execution.Total)
	if len(tasks) > 0 {
		msg += ": " + strings.Join(tasks, "; ")
	}
	return msg
}

// Unwrap returns ErrHarborExecution and Harbor's own error.
func (e *HarborExecutionError) Unwrap() []error { return []error{ErrHarborExecution, e.Err} }
