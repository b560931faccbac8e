package harbor

import (
	"context"
	"fmt"
	"time"

	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/replication"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// Executions starts, watches and stops runs of replication policies.
type Executions interface {
	StartExecution(ctx context.Context, policyID int64) (int64, error)
	GetExecution(ctx context.Context, id int64) (*Execution, error)
	ListExecutions(ctx context.Context, policyID int64) ([]Execution, error)
	StopExecution(ctx context.Context, id int64) error
	ListTasks(ctx context.Context, executionID int64) ([]Task, error)
	TaskLog(ctx context.Context, executionID, taskID int64) (string, error)
}

// Execution statuses, as Harbor spells them.
const (
	StatusInProgress = "InProgress"
	StatusSucceed    = "Succeed"
	StatusFailed     = "Failed"
	StatusStopped    = "Stopped"
)

// Execution is one run of a replication policy; it holds a Task per repository.
type Execution struct {
	ID         int64     `json:"id"`
	PolicyID   int64     `json:"policy_id"`
	Status     string    `json:"status"` // StatusInProgress, StatusSucceed, StatusFailed, StatusStopped
	StatusText string    `json:"status_text"`
	Trigger    string    `json:"trigger"` // "manual", "scheduled", "event_based"
	Total      int64     `json:"total"`
	Succeed    int64     `json:"succeed"`
	Failed     int64     `json:"failed"`
	InProgress int64     `json:"in_progress"`
	Stopped    int64     `json:"stopped"`
	StartTime  time.Time `json:"start_time"`
	EndTime    time.Time `json:"end_time"`
}

// Done reports whether the execution has reached a terminal status.
func (e Execution) Done() bool {
	return e.Status == StatusSucceed || e.Status == StatusFailed || e.Status == StatusStopped
}

// Task is the replication of one repository within an execution.
type Task struct {
	ID           int64     `json:"id"`
	ExecutionID  int64     `json:"execution_id"`
	JobID        string    `json:"job_id"`
	Status       string    `json:"status"`        // "Pending", "Running", "Succeed", "Failed", "Stopped"
	Operation    string    `json:"operation"`     // "copy", "deletion"
	ResourceType string    `json:"resource_type"` // "image", "artifact"
	SrcResource  string    `json:"src_resource"`  // e.g. "library/nginx:[1.25,latest]"
	DstResource  string    `json:"dst_resource"`  // e.g. "acr-ns/nginx:[1.25,latest]"
	StartTime    time.Time `json:"start_time"`
	EndTime      time.Time `json:"end_time"`
}

// StartExecution runs the policy policyID once (a manual trigger) and returns the
// new execution's ID.
func (c *Client) StartExecution(ctx context.Context, policyID int64) (int64, error) {
	if policyID <= 0 {
		return 0, fmt.Errorf("%w: policy ID %d", ErrInvalidArgument, policyID)
	}
	var id int64
	err := c.call(ctx, fmt.Sprintf("starting replication policy %d", policyID), func(ctx context.Context) error {
		p := replication.NewStartReplicationParams().WithExecution(&models.StartReplicationExecution{PolicyID: policyID})
		res, err := c.replications.StartReplication(ctx, p)
		if err != nil {
			return err
		}
		id, err = idFromLocation(res.Location)
		return err
	})
	return id, err
}

// GetExecution returns the execution with the given ID.
func (c *Client) GetExecution(ctx context.Context, id int64) (*Execution, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: execution ID %d", ErrInvalidArgument, id)
	}
	var out Execution
	err := c.call(ctx, fmt.Sprintf("getting replication execution %d", id), func(ctx context.Context) error {
		res, err := c.replications.GetReplicationExecution(ctx, replication.NewGetReplicationExecutionParams().WithID(id))
		if err != nil {
			return err
		}
		out = executionFromModel(res.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListExecutions returns the executions of policy policyID (0: of every policy),
// following pagination.
func (c *Client) ListExecutions(ctx context.Context, policyID int64) ([]Execution, error) {
	if policyID < 0 {
		return nil, fmt.Errorf("%w: policy ID %d", ErrInvalidArgument, policyID)
	}
	return listAll(ctx, c, "listing replication executions", func(ctx context.Context, page, size int64) ([]Execution, int64, error) {
		p := replication.NewListReplicationExecutionsParams().WithPage(&page).WithPageSize(&size)
		if policyID > 0 {
			p.SetPolicyID(&policyID)
		}
		res, err := c.replications.ListReplicationExecutions(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Execution, 0, len(res.Payload))
		for _, m := range res.Payload {
			out = append(out, executionFromModel(m))
		}
		return out, res.XTotalCount, nil
	})
}

// StopExecution asks Harbor to stop the execution with the given ID.
func (c *Client) StopExecution(ctx context.Context, id int64) error {
	if id <= 0 {
		return fmt.Errorf("%w: execution ID %d", ErrInvalidArgument, id)
	}
	return c.call(ctx, fmt.Sprintf("stopping replication execution %d", id), func(ctx context.Context) error {
		_, err := c.replications.StopReplication(ctx, replication.NewStopReplicationParams().WithID(id))
		return err
	})
}

// ListTasks returns the tasks of execution executionID, following pagination.
func (c *Client) ListTasks(ctx context.Context, executionID int64) ([]Task, error) {
	if executionID <= 0 {
		return nil, fmt.Errorf("%w: execution ID %d", ErrInvalidArgument, executionID)
	}
	return listAll(ctx, c, fmt.Sprintf("listing tasks of replication execution %d", executionID), func(ctx context.Context, page, size int64) ([]Task, int64, error) {
		p := replication.NewListReplicationTasksParams().WithID(executionID).WithPage(&page).WithPageSize(&size)
		res, err := c.replications.ListReplicationTasks(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Task, 0, len(res.Payload))
		for _, m := range res.Payload {
			if m == nil {
				continue
			}
			out = append(out, Task{
				ID: m.ID, ExecutionID: m.ExecutionID, JobID: m.JobID, Status: m.Status, Operation: m.Operation,
				ResourceType: m.ResourceType, SrcResource: m.SrcResource, DstResource: m.DstResource,
				StartTime: timeOf(m.StartTime), EndTime: timeOf(m.EndTime),
			})
		}
		return out, res.XTotalCount, nil
	})
}

// TaskLog returns the log of one task of an execution.
func (c *Client) TaskLog(ctx context.Context, executionID, taskID int64) (string, error) {
	if executionID <= 0 || taskID <= 0 {
		return "", fmt.Errorf("%w: execution ID %d, task ID %d", ErrInvalidArgument, executionID, taskID)
	}
	var out string
	err := c.call(ctx, fmt.Sprintf("getting log of task %d of replication execution %d", taskID, executionID), func(ctx context.Context) error {
		res, err := c.replications.GetReplicationLog(ctx, replication.NewGetReplicationLogParams().WithID(executionID).WithTaskID(taskID))
		if err != nil {
			return err
		}
		out = res.Payload
		return nil
	})
	return out, err
}

func executionFromModel(m *models.ReplicationExecution) Execution {
	if m == nil {
		return Execution{}
	}
	return Execution{
		ID: m.ID, PolicyID: m.PolicyID, Status: m.Status, StatusText: m.StatusText, Trigger: m.Trigger,
		Total: m.Total, Succeed: m.Succeed, Failed: m.Failed, InProgress: m.InProgress, Stopped: m.Stopped,
		StartTime: timeOf(m.StartTime), EndTime: timeOf(m.EndTime),
	}
}
