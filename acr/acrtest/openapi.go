package acrtest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/regdr/regdr/internal/aliyuntest"
)

// obj is one JSON answer.
type obj = map[string]any

func success(m obj) obj {
	m["IsSuccess"] = true
	m["Code"] = "success"
	return m
}

// refuse is cr's other failure shape: HTTP 200 with IsSuccess false, the Code and the
// RequestId, and no Message: cr's response bodies have none (cr-20181201 SDK, every
// *ResponseBody struct: Code, IsSuccess, RequestId). Codes such as INSTANCE_NOT_EXIST,
// NAMESPACE_NOT_EXIST and REPO_NOT_EXIST come in this shape as well as in HTTP errors
// (aliyun/terraform-provider-alicloud alicloud/service_alicloud_cr_ee.go handles both).
func refuse(code string) obj {
	return obj{"IsSuccess": false, "Code": code}
}

func invalid(name string) error {
	return &aliyuntest.Error{Status: 400, Code: "MissingParameter", Message: "missing " + name}
}

func (s *Server) routes() {
	s.api.Handle("GetNamespace", s.locked(s.getNamespace))
	s.api.Handle("ListNamespace", s.locked(s.listNamespace))
	s.api.Handle("CreateNamespace", s.locked(s.createNamespace))
	s.api.Handle("UpdateNamespace", s.locked(s.updateNamespace))
	s.api.Handle("ListRepository", s.locked(s.listRepository))
	s.api.Handle("GetRepository", s.locked(s.getRepository))
	s.api.Handle("ListRepoTag", s.locked(s.listRepoTag))
	s.api.Handle("GetAuthorizationToken", s.locked(s.getAuthorizationToken))
	s.endpointRoutes()
	s.syncRoutes()
}

// locked runs h with the state locked and the instance of the call resolved.
func (s *Server) locked(h func(*aliyuntest.Request, *instance) (any, error)) aliyuntest.Handler {
	return func(r *aliyuntest.Request) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		id := r.Get("InstanceId")
		if id == "" {
			return nil, invalid("InstanceId")
		}
		in, ok := s.instances[id]
		if !ok {
			return refuse("INSTANCE_NOT_EXIST"), nil
		}
		return h(r, in)
	}
}

func nsObj(in *instance, n *namespace) obj {
	return obj{"InstanceId": in.id, "NamespaceId": n.id, "NamespaceName": n.name, "NamespaceStatus": "NORMAL",
		"AutoCreateRepo": n.autoCreate, "DefaultRepoType": n.defaultRepoType, "ResourceGroupId": "rg-acrtest",
		// An object in answers, a JSON string in requests (fact pack cr.md, GetNamespace).
		"DefaultRepoConfiguration": obj{"RepoType": n.defaultRepoType, "TagImmutability": false}}
}

func (s *Server) getNamespace(r *aliyuntest.Request, in *instance) (any, error) {
	name := r.Get("NamespaceName")
	for _, n := range in.namespaces {
		if n.name == name || (name == "" && n.id == r.Get("NamespaceId")) {
			return success(nsObj(in, n)), nil
		}
	}
	return refuse("NAMESPACE_NOT_EXIST"), nil
}

// page cuts items into the requested page; PageNo is 1-based, PageSize defaults to 30.
func page[T any](r *aliyuntest.Request, items []T) ([]T, int, int, error) {
	no, err := r.Int("PageNo", 1)
	if err != nil {
		return nil, 0, 0, err
	}
	size, err := r.Int("PageSize", 30)
	if err != nil {
		return nil, 0, 0, err
	}
	if no < 1 || size < 1 || size > 100 {
		return nil, 0, 0, &aliyuntest.Error{Status: 400, Code: "PARAM_INVALID", Message: "PageNo/PageSize out of range"}
	}
	lo := min((no-1)*size, len(items))
	hi := min(lo+size, len(items))
	return items[lo:hi], no, size, nil
}

func (s *Server) listNamespace(r *aliyuntest.Request, in *instance) (any, error) {
	var all []obj
	for _, n := range in.namespaces {
		if f := r.Get("NamespaceName"); f != "" && f != n.name {
			continue
		}
		o := nsObj(in, n)
		delete(o, "DefaultRepoConfiguration") // ListNamespace items have none (cr.md, ListNamespace)
		all = append(all, o)
	}
	sort.Slice(all, func(i, j int) bool { return all[i]["NamespaceName"].(string) < all[j]["NamespaceName"].(string) })
	items, no, size, err := page(r, all)
	if err != nil {
		return nil, err
	}
	// TotalCount is a string in this answer (the SDK declares *string).
	return success(obj{"Namespaces": items, "PageNo": no, "PageSize": size, "TotalCount": strconv.Itoa(len(all))}), nil
}

func repoType(r *aliyuntest.Request) (string, bool) {
	t := r.Get("DefaultRepoType")
	switch t {
	case "":
		return "PRIVATE", true
	case "PRIVATE", "PUBLIC":
		return t, true
	}
	return "", false
}

func (s *Server) createNamespace(r *aliyuntest.Request, in *instance) (any, error) {
	name := r.Get("NamespaceName")
	if name == "" {
		return nil, invalid("NamespaceName")
	}
	typ, ok := repoType(r)
	if !ok {
		return refuse("PARAM_INVALID"), nil
	}
	if in.namespaces[name] != nil {
		return refuse("NAMESPACE_ALREADY_EXIST"), nil
	}
	in.namespaces[name] = &namespace{id: s.id("crn-"), name: name, autoCreate: r.Bool("AutoCreateRepo"), defaultRepoType: typ, createdAt: s.now()}
	return success(obj{}), nil
}

func (s *Server) updateNamespace(r *aliyuntest.Request, in *instance) (any, error) {
	n := in.namespaces[r.Get("NamespaceName")]
	if n == nil {
		return refuse("NAMESPACE_NOT_EXIST"), nil
	}
	if r.Has("DefaultRepoType") {
		typ, ok := repoType(r)
		if !ok {
			return refuse("PARAM_INVALID"), nil
		}
		n.defaultRepoType = typ
	}
	if r.Has("AutoCreateRepo") {
		n.autoCreate = r.Bool("AutoCreateRepo")
	}
	return success(obj{}), nil
}

func repoObj(in *instance, p *repo) obj {
	return obj{"InstanceId": in.id, "RepoId": p.id, "RepoName": p.name, "RepoNamespaceName": p.ns,
		"RepoType": p.typ, "RepoStatus": "NORMAL", "RepoBuildType": "MANUAL", "Summary": "", "TagImmutability": false,
		"CreateTime": p.createdAt.UnixMilli(), "ModifiedTime": p.createdAt.UnixMilli(), "ResourceGroupId": "rg-acrtest"}
}

func (s *Server) sortedRepos(in *instance) []*repo {
	var out []*repo
	for _, p := range in.repos {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ns+"/"+out[i].name < out[j].ns+"/"+out[j].name })
	return out
}

func (s *Server) listRepository(r *aliyuntest.Request, in *instance) (any, error) {
	var all []obj
	for _, p := range s.sortedRepos(in) {
		if ns := r.Get("RepoNamespaceName"); ns != "" && ns != p.ns {
			continue
		}
		if n := r.Get("RepoName"); n != "" && n != p.name {
			continue
		}
		all = append(all, repoObj(in, p))
	}
	items, no, size, err := page(r, all)
	if err != nil {
		return nil, err
	}
	return success(obj{"Repositories": items, "PageNo": no, "PageSize": size, "TotalCount": strconv.Itoa(len(all))}), nil
}

func (s *Server) findRepo(r *aliyuntest.Request, in *instance) *repo {
	if id := r.Get("RepoId"); id != "" {
		for _, p := range in.repos {
			if p.id == id {
				return p
			}
		}
		return nil
	}
	return in.repos[r.Get("RepoNamespaceName")+"/"+r.Get("RepoName")]
}

func (s *Server) getRepository(r *aliyuntest.Request, in *instance) (any, error) {
	p := s.findRepo(r, in)
	if p == nil {
		return refuse("REPO_NOT_EXIST"), nil
	}
	o := repoObj(in, p)
	o["Detail"] = ""
	return success(o), nil
}

func (s *Server) listRepoTag(r *aliyuntest.Request, in *instance) (any, error) {
	if r.Get("RepoId") == "" {
		return nil, invalid("RepoId")
	}
	p := s.findRepo(r, in)
	if p == nil {
		return refuse("REPO_NOT_EXIST"), nil
	}
	var tags []string
	for t := range p.tags {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	var all []obj
	for _, t := range tags {
		ti := p.tags[t]
		ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
		// Digest is bare hex, ImageId is not the manifest digest and ImageSize is the image's
		// size, ImageCreate/ImageUpdate are epoch-ms strings (fact pack cr.md, ListRepoTag:
		// cr-20181201 SDK model and doc example). Which digest ImageId is, is unconfirmed:
		// acrtest answers the config digest. What moves ImageUpdate is unconfirmed too:
		// acrtest answers the tag's last push, and ImageCreate its first.
		all = append(all, obj{"Tag": t, "Digest": strings.TrimPrefix(ti.digest, "sha256:"), "ImageId": ti.imageID, "ImageSize": ti.size,
			"Status": "NORMAL", "ImageCreate": ms(ti.created), "ImageUpdate": ms(ti.at)})
	}
	items, no, size, err := page(r, all)
	if err != nil {
		return nil, err
	}
	return success(obj{"Images": items, "PageNo": no, "PageSize": size, "TotalCount": strconv.Itoa(len(all))}), nil
}

func (s *Server) getAuthorizationToken(r *aliyuntest.Request, in *instance) (any, error) {
	if s.inactive[r.AccessKeyID] {
		return nil, &aliyuntest.Error{Status: 404, Code: "USER_NOT_EXIST", Message: "user not exist"}
	}
	pass := randomHex(16)
	exp := s.now().Add(s.tokenTTL)
	in.temp[pass] = tempCred{user: "cr_temp_user", expires: exp}
	return success(obj{"TempUsername": "cr_temp_user", "AuthorizationToken": pass, "ExpireTime": exp.UnixMilli()}), nil
}
