package acrtest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/regdr/regdr/internal/aliyuntest"
)

type syncRule struct {
	id, name, scope, trigger, tagFilter string
	repoFilter                          string
	ns, repo                            string
	targetRegion, targetInstance        string
	targetNS, targetRepo, targetUser    string
	created                             int64
}

// SyncTask is one image copied by a sync rule, as seeded with AddSyncTask. Creating a
// rule through the API also records one SUCCESS task per tag it covers.
type SyncTask struct {
	ID, RuleID, Status                                          string // ID "" = generated; Status "" = SUCCESS
	Namespace, Repo, Tag                                        string
	TargetRegion, TargetInstanceID, TargetNamespace, TargetRepo string
	// Progress is 0 (started or failed) or 1 (succeeded), not a percentage (fact pack cr.md,
	// GetRepoSyncTask).
	Progress, SyncedSize int64
}

// AddSyncTask seeds a sync task of the instance and returns its ID.
func (s *Server) AddSyncTask(instanceID string, t SyncTask) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return "", err
	}
	return s.addTask(in, t), nil
}

func (s *Server) addTask(in *instance, t SyncTask) string {
	if t.ID == "" {
		t.ID = s.id("rst-")
	}
	if t.Status == "" {
		t.Status = "SUCCESS"
	}
	in.syncTasks = append(in.syncTasks, &t)
	return t.ID
}

func (s *Server) syncRoutes() {
	s.api.Handle("CreateRepoSyncRule", s.locked(s.createRepoSyncRule))
	s.api.Handle("ListRepoSyncRule", s.locked(s.listRepoSyncRule))
	s.api.Handle("ListRepoSyncTask", s.locked(s.listRepoSyncTask))
	s.api.Handle("GetRepoSyncTask", s.locked(s.getRepoSyncTask))
}

func (s *Server) createRepoSyncRule(r *aliyuntest.Request, in *instance) (any, error) {
	for _, p := range []string{"SyncRuleName", "NamespaceName", "TargetRegionId", "TargetInstanceId", "TargetNamespaceName", "SyncScope", "TagFilter"} {
		if r.Get(p) == "" {
			return nil, invalid(p)
		}
	}
	ru := &syncRule{id: s.id("crsr-"), name: r.Get("SyncRuleName"), scope: r.Get("SyncScope"), trigger: r.Get("SyncTrigger"),
		tagFilter: r.Get("TagFilter"), repoFilter: r.Get("RepoNameFilter"), ns: r.Get("NamespaceName"), repo: r.Get("RepoName"),
		targetRegion: r.Get("TargetRegionId"), targetInstance: r.Get("TargetInstanceId"), targetNS: r.Get("TargetNamespaceName"),
		targetRepo: r.Get("TargetRepoName"), targetUser: r.Get("TargetUserId"), created: s.now().UnixMilli()}
	if ru.scope != "REPO" && ru.scope != "NAMESPACE" || ru.scope == "REPO" && ru.repo == "" {
		return refuse("PARAM_INVALID"), nil
	}
	filter, err := regexp.Compile("^(?:" + ru.tagFilter + ")$")
	if err != nil {
		return refuse("PARAM_INVALID"), nil
	}
	if in.namespaces[ru.ns] == nil {
		return refuse("NAMESPACE_NOT_EXIST"), nil
	}
	for _, rule := range in.syncRules {
		if rule.name == ru.name {
			return refuse("SYNC_RULE_ALREADY_EXIST"), nil
		}
	}
	in.syncRules = append(in.syncRules, ru)
	for _, p := range s.sortedRepos(in) {
		if p.ns != ru.ns || (ru.scope == "REPO" && p.name != ru.repo) {
			continue
		}
		var tags []string
		for t := range p.tags {
			if filter.MatchString(t) {
				tags = append(tags, t)
			}
		}
		sort.Strings(tags)
		target := p.name
		if ru.targetRepo != "" {
			target = ru.targetRepo
		}
		for _, t := range tags {
			s.addTask(in, SyncTask{RuleID: ru.id, Namespace: p.ns, Repo: p.name, Tag: t, TargetRegion: ru.targetRegion,
				TargetInstanceID: ru.targetInstance, TargetNamespace: ru.targetNS, TargetRepo: target, Progress: 1, SyncedSize: p.tags[t].size})
		}
	}
	return success(obj{"SyncRuleId": ru.id}), nil
}

func (s *Server) listRepoSyncRule(r *aliyuntest.Request, in *instance) (any, error) {
	var all []obj
	for _, ru := range in.syncRules {
		if ns := r.Get("NamespaceName"); ns != "" && ns != ru.ns {
			continue
		}
		all = append(all, obj{"SyncRuleId": ru.id, "SyncRuleName": ru.name, "SyncScope": ru.scope, "SyncTrigger": ru.trigger,
			"TagFilter": ru.tagFilter, "SyncDirection": "FROM", "LocalInstanceId": in.id, "LocalRegionId": in.region,
			"LocalNamespaceName": ru.ns, "LocalRepoName": ru.repo, "TargetRegionId": ru.targetRegion,
			"TargetInstanceId": ru.targetInstance, "TargetNamespaceName": ru.targetNS, "TargetRepoName": ru.targetRepo,
			"CrossUser": ru.targetUser != "", "CreateTime": ru.created, "ModifiedTime": ru.created, "RepoNameFilter": ru.repoFilter})
	}
	items, no, size, err := page(r, all)
	if err != nil {
		return nil, err
	}
	// TotalCount is a number here (the SDK declares *int32), unlike the other lists.
	return success(obj{"SyncRules": items, "PageNo": no, "PageSize": size, "TotalCount": len(all)}), nil
}

func (s *Server) taskObj(in *instance, t *SyncTask) obj {
	return obj{"SyncTaskId": t.ID, "SyncRuleId": t.RuleID, "SyncBatchTaskId": t.ID + "-batch", "TaskStatus": t.Status,
		"TaskTrigger": "PASSIVE", "CrossUser": false, "SyncTransAccelerate": false, "CustomLink": false, "CreateTime": in.created.UnixMilli(),
		// "ModifedTime" (sic) is the real key (fact pack cr.md, ListRepoSyncTask: SDK json tag and API metadata).
		"ModifedTime": in.created.UnixMilli(),
		"ImageFrom":   obj{"RegionId": in.region, "InstanceId": in.id, "RepoNamespaceName": t.Namespace, "RepoName": t.Repo, "ImageTag": t.Tag},
		"ImageTo": obj{"RegionId": t.TargetRegion, "InstanceId": t.TargetInstanceID, "RepoNamespaceName": t.TargetNamespace,
			"RepoName": t.TargetRepo, "ImageTag": t.Tag}}
}

func (s *Server) listRepoSyncTask(r *aliyuntest.Request, in *instance) (any, error) {
	var all []obj
	for _, t := range in.syncTasks {
		if ns := r.Get("RepoNamespaceName"); ns != "" && ns != t.Namespace {
			continue
		}
		if n := r.Get("RepoName"); n != "" && n != t.Repo {
			continue
		}
		if tag := r.Get("Tag"); tag != "" && tag != t.Tag {
			continue
		}
		all = append(all, s.taskObj(in, t))
	}
	items, no, size, err := page(r, all)
	if err != nil {
		return nil, err
	}
	return success(obj{"SyncTasks": items, "PageNo": no, "PageSize": size, "TotalCount": strconv.Itoa(len(all))}), nil
}

func (s *Server) getRepoSyncTask(r *aliyuntest.Request, in *instance) (any, error) {
	for _, t := range in.syncTasks {
		if t.ID == r.Get("SyncTaskId") {
			o := s.taskObj(in, t)
			// GetRepoSyncTask has no times and no CustomLink (fact pack cr.md, GetRepoSyncTask).
			delete(o, "CreateTime")
			delete(o, "ModifedTime")
			delete(o, "CustomLink")
			o["Progress"], o["SyncedSize"], o["LayerTasks"] = t.Progress, t.SyncedSize, s.layerTasks(in, t)
			return success(o), nil
		}
	}
	return refuse("SYNC_TASK_NOT_EXIST"), nil
}

// layerTasks lists one task per blob of the task's source image, digests with the sha256:
// prefix (unlike ListRepoTag; fact pack cr.md, GetRepoSyncTask). ArtifactDigest is the
// image's manifest digest here; what the real service puts there is unconfirmed (the doc
// example repeats the layer digest).
func (s *Server) layerTasks(in *instance, t *SyncTask) []obj {
	out := []obj{}
	p := in.repos[t.Namespace+"/"+t.Repo]
	if p == nil {
		return out
	}
	ti, ok := p.tags[t.Tag]
	if !ok {
		return out
	}
	for i, l := range ti.blobs {
		synced := l.size
		if t.Status != "SUCCESS" {
			synced = 0
		}
		out = append(out, obj{"TaskStatus": t.Status, "SyncLayerTaskId": fmt.Sprintf("rslt-%s-%d", t.ID, i),
			"Digest": l.digest, "ArtifactDigest": ti.digest, "Size": l.size, "SyncedSize": synced})
	}
	return out
}
