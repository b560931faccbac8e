package acr

import (
	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
)

// api is the subset of the cr SDK client that Client calls; *cr.Client satisfies it, and
// tests swap in their own. The signatures must match the SDK's exactly. None of these
// methods takes a context: see Client.call for how cancellation is handled.
type api interface {
	GetAuthorizationTokenWithOptions(req *cr.GetAuthorizationTokenRequest, rt *util.RuntimeOptions) (*cr.GetAuthorizationTokenResponse, error)
	GetInstanceWithOptions(req *cr.GetInstanceRequest, rt *util.RuntimeOptions) (*cr.GetInstanceResponse, error)
	ListInstanceEndpointWithOptions(req *cr.ListInstanceEndpointRequest, rt *util.RuntimeOptions) (*cr.ListInstanceEndpointResponse, error)
	GetInstanceEndpointWithOptions(req *cr.GetInstanceEndpointRequest, rt *util.RuntimeOptions) (*cr.GetInstanceEndpointResponse, error)
	GetInstanceVpcEndpointWithOptions(req *cr.GetInstanceVpcEndpointRequest, rt *util.RuntimeOptions) (*cr.GetInstanceVpcEndpointResponse, error)
	GetNamespaceWithOptions(req *cr.GetNamespaceRequest, rt *util.RuntimeOptions) (*cr.GetNamespaceResponse, error)
	ListNamespaceWithOptions(req *cr.ListNamespaceRequest, rt *util.RuntimeOptions) (*cr.ListNamespaceResponse, error)
	CreateNamespaceWithOptions(req *cr.CreateNamespaceRequest, rt *util.RuntimeOptions) (*cr.CreateNamespaceResponse, error)
	UpdateNamespaceWithOptions(req *cr.UpdateNamespaceRequest, rt *util.RuntimeOptions) (*cr.UpdateNamespaceResponse, error)
	ListRepositoryWithOptions(req *cr.ListRepositoryRequest, rt *util.RuntimeOptions) (*cr.ListRepositoryResponse, error)
	GetRepositoryWithOptions(req *cr.GetRepositoryRequest, rt *util.RuntimeOptions) (*cr.GetRepositoryResponse, error)
	ListRepoTagWithOptions(req *cr.ListRepoTagRequest, rt *util.RuntimeOptions) (*cr.ListRepoTagResponse, error)
	CreateRepoSyncRuleWithOptions(req *cr.CreateRepoSyncRuleRequest, rt *util.RuntimeOptions) (*cr.CreateRepoSyncRuleResponse, error)
	ListRepoSyncRuleWithOptions(req *cr.ListRepoSyncRuleRequest, rt *util.RuntimeOptions) (*cr.ListRepoSyncRuleResponse, error)
	ListRepoSyncTaskWithOptions(req *cr.ListRepoSyncTaskRequest, rt *util.RuntimeOptions) (*cr.ListRepoSyncTaskResponse, error)
	GetRepoSyncTaskWithOptions(req *cr.GetRepoSyncTaskRequest, rt *util.RuntimeOptions) (*cr.GetRepoSyncTaskResponse, error)
	// CallApi reaches the actions the SDK lacks (custom domains).
	CallApi(params *openapi.Params, req *openapi.OpenApiRequest, rt *util.RuntimeOptions) (map[string]interface{}, error)
}

var _ api = (*cr.Client)(nil)
