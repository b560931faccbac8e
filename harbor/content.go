package harbor

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/artifact"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/project"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/repository"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// Content reads what Harbor stores: projects, repositories and artifacts.
// Repositories are named in full, project included: "library/a/b/nginx".
type Content interface {
	ListProjects(ctx context.Context) ([]Project, error)
	GetProject(ctx context.Context, name string) (*Project, error)
	CreateProject(ctx context.Context, name string, public bool) (int64, error)
	ListRepositories(ctx context.Context, project string) ([]Repository, error)
	ListArtifacts(ctx context.Context, repository string) ([]Artifact, error)
	GetArtifact(ctx context.Context, repository, reference string) (*Artifact, error)
}

// Project is a Harbor project.
type Project struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Public       bool      `json:"public"`
	OwnerName    string    `json:"owner_name"`
	RepoCount    int64     `json:"repo_count"`
	CreationTime time.Time `json:"creation_time"`
}

// Repository is a repository within a project; Name includes the project.
type Repository struct {
	ID            int64     `json:"id"`
	ProjectID     int64     `json:"project_id"`
	Name          string    `json:"name"`
	ArtifactCount int64     `json:"artifact_count"`
	PullCount     int64     `json:"pull_count"`
	CreationTime  time.Time `json:"creation_time"`
	UpdateTime    time.Time `json:"update_time"`
}

// Artifact is a manifest (image, index, or other OCI artifact) in a repository.
type Artifact struct {
	ID                int64       `json:"id"`
	Digest            string      `json:"digest"`
	MediaType         string      `json:"media_type"`          // the artifact's config/media type as Harbor reports it
	ManifestMediaType string      `json:"manifest_media_type"` // the manifest's media type
	Type              string      `json:"type"`                // "IMAGE", "CHART", ...
	Size              int64       `json:"size"`
	PushTime          time.Time   `json:"push_time"`
	Tags              []string    `json:"tags"`
	Labels            []string    `json:"labels"`
	References        []string    `json:"references"` // digests of an index's children
	Accessories       []Accessory `json:"accessories"`
}

// Accessory is an artifact attached to another: a signature, an SBOM, ...
type Accessory struct {
	Digest        string `json:"digest"`
	Type          string `json:"type"` // "signature.cosign", "signature.notation", "harbor.sbom", ...
	Size          int64  `json:"size"`
	SubjectDigest string `json:"subject_digest"`
}

// ListProjects returns every project the caller can see, following pagination.
func (c *Client) ListProjects(ctx context.Context) ([]Project, error) {
	return listAll(ctx, c, "listing projects", func(ctx context.Context, page, size int64) ([]Project, int64, error) {
		res, err := c.projects.ListProjects(ctx, project.NewListProjectsParams().WithPage(&page).WithPageSize(&size))
		if err != nil {
			return nil, 0, err
		}
		out := make([]Project, 0, len(res.Payload))
		for _, m := range res.Payload {
			out = append(out, projectFromModel(m))
		}
		return out, res.XTotalCount, nil
	})
}

// GetProject returns the project with the given name.
func (c *Client) GetProject(ctx context.Context, name string) (*Project, error) {
	if err := validProject(name); err != nil {
		return nil, err
	}
	var out Project
	err := c.call(ctx, fmt.Sprintf("getting project %q", name), func(ctx context.Context) error {
		isName := true
		res, err := c.projects.GetProject(ctx, project.NewGetProjectParams().WithProjectNameOrID(name).WithXIsResourceName(&isName))
		if err != nil {
			return err
		}
		out = projectFromModel(res.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateProject creates a project and returns its ID.
func (c *Client) CreateProject(ctx context.Context, name string, public bool) (int64, error) {
	if err := validProject(name); err != nil {
		return 0, err
	}
	pub := "false"
	if public {
		pub = "true"
	}
	req := &models.ProjectReq{ProjectName: name, Public: &public, Metadata: &models.ProjectMetadata{Public: pub}}
	var id int64
	err := c.call(ctx, fmt.Sprintf("creating project %q", name), func(ctx context.Context) error {
		res, err := c.projects.CreateProject(ctx, project.NewCreateProjectParams().WithProject(req))
		if err != nil {
			return err
		}
		id, err = idFromLocation(res.Location)
		return err
	})
	return id, err
}

// ListRepositories returns every repository of project, following pagination.
func (c *Client) ListRepositories(ctx context.Context, projectName string) ([]Repository, error) {
	if err := validProject(projectName); err != nil {
		return nil, err
	}
	return listAll(ctx, c, fmt.Sprintf("listing repositories of project %q", projectName), func(ctx context.Context, page, size int64) ([]Repository, int64, error) {
		p := repository.NewListRepositoriesParams().WithProjectName(projectName).WithPage(&page).WithPageSize(&size)
		res, err := c.repositories.ListRepositories(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Repository, 0, len(res.Payload))
		for _, m := range res.Payload {
			if m == nil {
				continue
			}
			out = append(out, Repository{
				ID: m.ID, ProjectID: m.ProjectID, Name: m.Name, ArtifactCount: m.ArtifactCount, PullCount: m.PullCount,
				CreationTime: timePtr(m.CreationTime), UpdateTime: timeOf(m.UpdateTime),
			})
		}
		return out, res.XTotalCount, nil
	})
}

// ListArtifacts returns every artifact of repository (e.g. "library/a/b/c"),
// with tags, labels and accessories, following pagination.
func (c *Client) ListArtifacts(ctx context.Context, repo string) ([]Artifact, error) {
	proj, rest, err := splitRepository(repo)
	if err != nil {
		return nil, err
	}
	yes := true
	return listAll(ctx, c, fmt.Sprintf("listing artifacts of %q", repo), func(ctx context.Context, page, size int64) ([]Artifact, int64, error) {
		p := artifact.NewListArtifactsParams().WithProjectName(proj).WithRepositoryName(rest).
			WithWithTag(&yes).WithWithLabel(&yes).WithWithAccessory(&yes).WithPage(&page).WithPageSize(&size)
		res, err := c.artifacts.ListArtifacts(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Artifact, 0, len(res.Payload))
		for _, m := range res.Payload {
			out = append(out, artifactFromModel(m))
		}
		return out, res.XTotalCount, nil
	})
}

// GetArtifact returns the artifact of repository with the given tag or digest.
func (c *Client) GetArtifact(ctx context.Context, repo, reference string) (*Artifact, error) {
	proj, rest, err := splitRepository(repo)
	if err != nil {
		return nil, err
	}
	if reference == "" {
		return nil, fmt.Errorf("%w: empty reference", ErrInvalidArgument)
	}
	var out Artifact
	err = c.call(ctx, fmt.Sprintf("getting artifact %s@%s", repo, reference), func(ctx context.Context) error {
		yes := true
		p := artifact.NewGetArtifactParams().WithProjectName(proj).WithRepositoryName(rest).
			WithReference(reference).WithWithTag(&yes).WithWithLabel(&yes).WithWithAccessory(&yes)
		res, err := c.artifacts.GetArtifact(ctx, p)
		if err != nil {
			return err
		}
		out = artifactFromModel(res.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func validProject(name string) error {
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("%w: project name %q", ErrInvalidArgument, name)
	}
	return nil
}

// splitRepository splits "library/a/b" into the project and the rest, escaped
// once: go-client escapes path parameters again, and Harbor unescapes twice, so
// a nested name travels as "a%252Fb" the way Harbor wants it.
func splitRepository(repo string) (project, rest string, err error) {
	project, rest, ok := strings.Cut(repo, "/")
	if !ok || project == "" || rest == "" || strings.HasSuffix(rest, "/") || strings.Contains(rest, "//") {
		return "", "", fmt.Errorf("%w: repository %q is not <project>/<name>", ErrInvalidArgument, repo)
	}
	return project, url.PathEscape(rest), nil
}

func timePtr(t *strfmt.DateTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return timeOf(*t)
}

func projectFromModel(m *models.Project) Project {
	if m == nil {
		return Project{}
	}
	p := Project{ID: int64(m.ProjectID), Name: m.Name, OwnerName: m.OwnerName, RepoCount: m.RepoCount, CreationTime: timeOf(m.CreationTime)}
	if m.Metadata != nil {
		p.Public = m.Metadata.Public == "true"
	}
	return p
}

func artifactFromModel(m *models.Artifact) Artifact {
	if m == nil {
		return Artifact{}
	}
	a := Artifact{
		ID: m.ID, Digest: m.Digest, MediaType: m.MediaType, ManifestMediaType: m.ManifestMediaType,
		Type: m.Type, Size: m.Size, PushTime: timeOf(m.PushTime),
	}
	for _, t := range m.Tags {
		if t != nil {
			a.Tags = append(a.Tags, t.Name)
		}
	}
	for _, l := range m.Labels {
		if l != nil {
			a.Labels = append(a.Labels, l.Name)
		}
	}
	for _, r := range m.References {
		if r != nil {
			a.References = append(a.References, r.ChildDigest)
		}
	}
	for _, x := range m.Accessories {
		if x != nil {
			a.Accessories = append(a.Accessories, Accessory{Digest: x.Digest, Type: x.Type, Size: x.Size, SubjectDigest: x.SubjectArtifactDigest})
		}
	}
	return a
}
