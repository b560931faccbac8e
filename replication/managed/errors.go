package managed

import (
	"errors"
	"fmt"
	"strings"

	"github.com/regdr/regdr/harbor"
)

// Errors of Harbor-managed replication (Compute, Plan.Apply, Verify); match them
// with errors.Is. Harbor's own errors (harbor.ErrUnauthorized, ...) stay matchable through
// every wrap.
var (
	// ErrSetup: the Setup is incomplete or contradictory (found before any I/O).
	ErrSetup = errors.New("invalid harbor replication setup")
	// ErrCron: a scheduled trigger's cron is not one Harbor accepts (6 fields, seconds
	// first, each valid for its field). It comes wrapped in ErrSetup from planning.
	ErrCron = errors.New("invalid cron")
	// ErrEndpoint: Harbor's connection test to the ACR EE endpoint failed. It comes in a
	// *PreflightError with the likely cause (ErrEndpointCredentials,
	// ErrEndpointUnreachable, acr.ErrUserNotActivated) and the fix.
	ErrEndpoint = errors.New("registry endpoint does not answer")
	// ErrNamespace: the ACR EE namespace is missing or has auto-create repository off,
	// and the setup does not let regdr fix it.
	ErrNamespace = errors.New("ACR EE namespace not usable")
	// ErrSecret: an action needs the endpoint secret and none was given (a plan read
	// back from JSON has lost it: pass ApplyOptions.AccessSecret).
	ErrSecret = errors.New("endpoint secret needed")
	// ErrExecution: the replication execution did not succeed.
	ErrExecution = errors.New("replication execution did not succeed")
	// ErrIncomplete: a copy ended without error but Verify still finds artifacts missing
	// or stale in ACR EE.
	ErrIncomplete = errors.New("replication incomplete")
)

// ActionError is Apply stopping at a failed action: the action, what was done
// before it, and why it failed.
type ActionError struct {
	Action Action
	Done   []Action
	Err    error
}

// Error names the action, how many were done before it, and the cause.
func (e *ActionError) Error() string {
	msg := fmt.Sprintf("%s (after %d action(s) done)", e.Action.describe(), len(e.Done))
	if e.Err == nil { // never end in ": <nil>"
		return msg + ": failed"
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ActionError) Unwrap() error { return e.Err }

// ExecutionError is an execution that ended Failed or Stopped, with the tasks that
// did not succeed. It matches ErrExecution, and harbor.ErrExecutionFailed or
// harbor.ErrStopped; with a Diagnosis, its Cause too.
type ExecutionError struct {
	Execution harbor.Execution
	// FailedTasks are the tasks whose status is not Succeed.
	FailedTasks []harbor.Task
	Err         error
	// Cause and Diagnosis are the likely cause read from the failed tasks' logs (e.g.
	// ErrEndpointType: every manifest 404s) and its fix, in one line; nil and empty when
	// the logs do not tell.
	Cause     error
	Diagnosis string
}

// Error names the execution, its status, each failed task's resources and the diagnosis.
func (e *ExecutionError) Error() string {
	var tasks []string
	for _, t := range e.FailedTasks {
		tasks = append(tasks, fmt.Sprintf("%s → %s (%s)", t.SrcResource, t.DstResource, t.Status))
	}
	msg := fmt.Sprintf("execution %d ended %s: %d of %d task(s) failed", e.Execution.ID, e.Execution.Status, e.Execution.Failed, e.Execution.Total)
	if len(tasks) > 0 {
		msg += ": " + strings.Join(tasks, "; ")
	}
	if e.Diagnosis != "" {
		msg += ": " + e.Diagnosis
	}
	return msg
}

// Unwrap returns ErrExecution, Harbor's own error and the cause, if any.
func (e *ExecutionError) Unwrap() []error {
	errs := []error{ErrExecution, e.Err}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}
