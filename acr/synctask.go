package acr

import (
	"context"
	"fmt"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
)

// SyncImage is one side of a sync task.
type SyncImage struct {
	Region     string `json:"region"`
	InstanceID string `json:"instance_id"`
	Namespace  string `json:"namespace"`
	Repo       string `json:"repo"`
	Tag        string `json:"tag"`
}

// SyncTask is one image copied by a sync rule. Status is e.g. SUCCESS, FAILED, SYNCING,
// PENDING, CANCELED.
type SyncTask struct {
	ID         string    `json:"id"`
	RuleID     string    `json:"rule_id"`
	BatchID    string    `json:"batch_id,omitempty"`
	Status     string    `json:"status"`
	Trigger    string    `json:"trigger,omitempty"`
	From       SyncImage `json:"from"`
	To         SyncImage `json:"to"`
	Progress   int64     `json:"progress,omitempty"`    // GetSyncTask only: 0 started or failed, 1 succeeded (not a percentage; cr.md GetRepoSyncTask)
	SyncedSize int64     `json:"synced_size,omitempty"` // GetSyncTask only, bytes
	Created    time.Time `json:"created,omitzero"`
}

// SyncTaskFilter narrows ListSyncTasks; the zero value lists every task.
type SyncTaskFilter struct {
	Namespace, Repo, Tag string
}

// ListSyncTasks returns the instance's sync tasks matching f, all pages.
func (c *Client) ListSyncTasks(ctx context.Context, f SyncTaskFilter) ([]SyncTask, error) {
	var out []SyncTask
	for page := int32(1); ; page++ {
		req := &cr.ListRepoSyncTaskRequest{InstanceId: tea.String(c.instanceID), PageNo: tea.Int32(page), PageSize: tea.Int32(c.pageSize())}
		if f.Namespace != "" {
			req.RepoNamespaceName = tea.String(f.Namespace)
		}
		if f.Repo != "" {
			req.RepoName = tea.String(f.Repo)
		}
		if f.Tag != "" {
			req.Tag = tea.String(f.Tag)
		}
		var b *cr.ListRepoSyncTaskResponseBody
		err := c.call(ctx, "ListRepoSyncTask", func(api api) (any, error) {
			r, err := api.ListRepoSyncTaskWithOptions(req, c.runtime)
			if err != nil {
				return nil, err
			}
			b = r.Body
			return b, nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing sync tasks: %w", err)
		}
		for _, t := range b.SyncTasks {
			if t == nil {
				continue
			}
			task := SyncTask{ID: str(t.SyncTaskId), RuleID: str(t.SyncRuleId), BatchID: str(t.SyncBatchTaskId),
				Status: str(t.TaskStatus), Trigger: str(t.TaskTrigger)}
			if i := t.ImageFrom; i != nil {
				task.From = SyncImage{Region: str(i.RegionId), InstanceID: str(i.InstanceId), Namespace: str(i.RepoNamespaceName), Repo: str(i.RepoName), Tag: str(i.ImageTag)}
			}
			if i := t.ImageTo; i != nil {
				task.To = SyncImage{Region: str(i.RegionId), InstanceID: str(i.InstanceId), Namespace: str(i.RepoNamespaceName), Repo: str(i.RepoName), Tag: str(i.ImageTag)}
			}
			if t.CreateTime != nil {
				task.Created = time.UnixMilli(*t.CreateTime).UTC()
			}
			out = append(out, task)
		}
		if lastPage(len(b.SyncTasks), len(out), str(b.TotalCount), c.pageSize()) {
			return out, nil
		}
	}
}

// GetSyncTask returns one sync task with its progress; ErrNotFound when missing.
func (c *Client) GetSyncTask(ctx context.Context, id string) (SyncTask, error) {
	if id == "" {
		return SyncTask{}, fmt.Errorf("acr: %w: empty sync task ID", ErrInvalidArgument)
	}
	var b *cr.GetRepoSyncTaskResponseBody
	err := c.call(ctx, "GetRepoSyncTask", func(api api) (any, error) {
		r, err := api.GetRepoSyncTaskWithOptions(&cr.GetRepoSyncTaskRequest{InstanceId: tea.String(c.instanceID), SyncTaskId: tea.String(id)}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return SyncTask{}, fmt.Errorf("getting sync task %s: %w", id, err)
	}
	task := SyncTask{ID: str(b.SyncTaskId), RuleID: str(b.SyncRuleId), BatchID: str(b.SyncBatchTaskId), Status: str(b.TaskStatus), Trigger: str(b.TaskTrigger)}
	if i := b.ImageFrom; i != nil {
		task.From = SyncImage{Region: str(i.RegionId), InstanceID: str(i.InstanceId), Namespace: str(i.RepoNamespaceName), Repo: str(i.RepoName), Tag: str(i.ImageTag)}
	}
	if i := b.ImageTo; i != nil {
		task.To = SyncImage{Region: str(i.RegionId), InstanceID: str(i.InstanceId), Namespace: str(i.RepoNamespaceName), Repo: str(i.RepoName), Tag: str(i.ImageTag)}
	}
	if b.Progress != nil {
		task.Progress = *b.Progress
	}
	if b.SyncedSize != nil {
		task.SyncedSize = *b.SyncedSize
	}
	return task, nil
}
