package managed

import (
	"fmt"
	"slices"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/redact"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// Defaults of a Setup, as the runbook sets them.
const (
	// DefaultFlatten is "Flatten 1 Level": test-project/nginx → acr-ns/nginx.
	DefaultFlatten = harbor.Flatten1Level
	// DefaultTrigger replicates every push as it happens.
	DefaultTrigger = harbor.TriggerEventBased
	// DefaultEndpointType is Harbor's "Docker Registry" provider.
	DefaultEndpointType = harbor.TypeDockerRegistry
)

// Setup is the desired state of the runbook's steps 1–3: an ACR EE namespace,
// a Harbor registry endpoint pointing at the instance, and a push-based replication
// policy from Harbor into that namespace. Zero fields take the runbook's defaults
// (see each field). It is a value: its String and JSON never show the endpoint secret.
type Setup struct {
	// Policy is the replication policy's name (required) and Description its description.
	Policy      string `json:"policy"`
	Description string `json:"description,omitempty"`

	// Projects are the Harbor projects to replicate; they become a name filter
	// ("test-project/**", or "{a,b}/**"). Empty: every project (Harbor's default).
	Projects []string `json:"projects,omitempty"`
	// Filters are further source filters (tags, labels, resource kind, names), ANDed
	// with the projects as Harbor does.
	Filters []replication.Filter `json:"filters,omitempty"`

	// Namespace is the ACR EE namespace replicated into. The default is the name of the
	// only project in Projects, as the runbook names it; with several or no projects it is
	// required.
	Namespace string `json:"namespace,omitempty"`
	// ExistingNamespace makes regdr leave the namespace alone: it must already exist with
	// auto-create repository ON. By default regdr creates it (auto-create repository ON,
	// default repository type DefaultRepoType) or updates it to that.
	ExistingNamespace bool `json:"existing_namespace,omitempty"`
	// PublicRepositories makes the namespace's default repository type PUBLIC. The
	// default is PRIVATE, as the runbook sets it.
	PublicRepositories bool `json:"public_repositories,omitempty"`

	// Endpoint is Harbor's registry endpoint for the ACR EE instance.
	Endpoint Endpoint `json:"endpoint"`

	// Flatten is Harbor's dest_namespace_replace_count: how many leading components of a
	// source repository are replaced by Namespace. Nil: DefaultFlatten (1). Use
	// harbor.FlattenAll (-1), harbor.FlattenNone (0) or a count.
	Flatten *int `json:"flatten,omitempty"`
	// MaxDepth is the most path components an ACR repository path may have, namespace
	// included: 0 for ACR Enterprise Edition, which takes multi-tier repository names (a
	// nested Harbor repository flattened one level lands as namespace/team/app), 2 for a
	// target that takes namespace/repository only (ACR Personal Edition): names deeper
	// than that are refused before any write.
	MaxDepth int `json:"max_depth,omitempty"`
	// Trigger is when the policy runs: harbor.TriggerEventBased (the default),
	// harbor.TriggerManual, or harbor.TriggerScheduled with Cron (6 fields, seconds first).
	Trigger string `json:"trigger,omitempty"`
	Cron    string `json:"cron,omitempty"`
	// BytesPerSecond caps the bandwidth (≤ 0: unlimited). It is converted to Harbor's
	// `speed` (kbit/s, BytesPerSecondToSpeed), which Harbor applies to each blob stream on
	// its own: the real cap is the rate times the number of concurrent workers. The direct
	// executor shares one budget instead.
	BytesPerSecond int64 `json:"bytes_per_second,omitempty"`
	// Override replaces destination artifacts that differ (Harbor's "Override").
	Override bool `json:"override,omitempty"`
	// Disabled creates the policy disabled: event and schedule triggers do nothing.
	Disabled bool `json:"disabled,omitempty"`
	// ReplicateDeletion replicates deletions too (off by default: a deletion in Harbor
	// should not erase the DR copy).
	ReplicateDeletion bool `json:"replicate_deletion,omitempty"`
}

// Endpoint is a Harbor registry endpoint for an ACR EE instance (runbook step 2).
type Endpoint struct {
	// Name of the endpoint in Harbor (required) and its Description.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// URL of the instance's registry: ACREndpointURL gives the VPC or public form.
	URL string `json:"url"`
	// Type is Harbor's provider. The default is DefaultEndpointType ("Docker Registry").
	Type string `json:"type,omitempty"`
	// AccessKey is the registry login name, AccessSecret the registry password. The secret
	// is redacted in every String, log and JSON: a plan read back from JSON needs it again
	// (ApplyOptions.AccessSecret).
	AccessKey    string        `json:"access_key,omitempty"`
	AccessSecret harbor.Secret `json:"access_secret,omitempty"`
	// Insecure skips TLS verification towards URL.
	Insecure bool `json:"insecure,omitempty"`
}

// ACREndpointURL returns the registry URL of an ACR EE instance as Harbor's endpoint
// takes it: "https://<instance>-registry-vpc.<region>.cr.aliyuncs.com" from inside a VPC,
// "https://<instance>-registry.<region>.cr.aliyuncs.com" over the internet.
func ACREndpointURL(instance, region string, vpc bool) string {
	if vpc {
		return fmt.Sprintf("https://%s-registry-vpc.%s.cr.aliyuncs.com", instance, region)
	}
	return fmt.Sprintf("https://%s-registry.%s.cr.aliyuncs.com", instance, region)
}

// withDefaults returns s with defaults filled in.
func (s Setup) withDefaults() Setup {
	if s.Namespace == "" && len(s.Projects) == 1 {
		s.Namespace = s.Projects[0]
	}
	if s.Flatten == nil {
		n := DefaultFlatten
		s.Flatten = &n
	}
	if s.Trigger == "" {
		s.Trigger = DefaultTrigger
	}
	if s.Endpoint.Type == "" {
		s.Endpoint.Type = DefaultEndpointType
	}
	s.Endpoint.URL = strings.TrimRight(s.Endpoint.URL, "/")
	s.Projects = slices.Clone(s.Projects)
	slices.Sort(s.Projects)
	return s
}

// flatten returns the replace count (after withDefaults).
func (s Setup) flatten() int {
	if s.Flatten == nil {
		return DefaultFlatten
	}
	return *s.Flatten
}

// validate checks what can be checked without I/O; s has its defaults.
func (s Setup) validate() error {
	var errs []string
	var cronErr error // ErrCron, wrapped as well when the cron is the problem
	if s.Policy == "" {
		errs = append(errs, "policy name is required")
	}
	if s.Endpoint.Name == "" {
		errs = append(errs, "endpoint name is required")
	}
	// A URL carrying credentials is refused before anything echoes it.
	if s.Endpoint.URL == "" {
		errs = append(errs, "endpoint URL is required")
	} else if strings.Contains(s.Endpoint.URL, "@") {
		errs = append(errs, "endpoint URL must not carry credentials")
	} else if !strings.HasPrefix(s.Endpoint.URL, "https://") && !strings.HasPrefix(s.Endpoint.URL, "http://") {
		errs = append(errs, fmt.Sprintf("endpoint URL %q is not http(s)", s.Endpoint.URL))
	}
	if s.Namespace == "" {
		errs = append(errs, "namespace is required unless exactly one project is given")
	} else if err := acr.ValidateNamespaceName(s.Namespace); err != nil {
		errs = append(errs, fmt.Sprintf("namespace %q is not a valid ACR EE namespace", s.Namespace))
	}
	for _, p := range s.Projects {
		if p == "" || strings.ContainsAny(p, "/*?[]{},") {
			errs = append(errs, fmt.Sprintf("project %q is not a project name", p))
		}
	}
	switch s.Trigger {
	case harbor.TriggerEventBased, harbor.TriggerManual:
		if s.Cron != "" {
			errs = append(errs, "cron is only for a scheduled trigger")
		}
	case harbor.TriggerScheduled:
		if err := ValidateCron(s.Cron); err != nil {
			errs = append(errs, strings.TrimPrefix(err.Error(), ErrCron.Error()+": "))
			cronErr = ErrCron
		}
	default:
		errs = append(errs, fmt.Sprintf("unknown trigger %q", s.Trigger))
	}
	if s.flatten() < -1 {
		errs = append(errs, fmt.Sprintf("flatten %d is below -1", s.flatten()))
	}
	if _, err := s.selector(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		if cronErr != nil {
			return fmt.Errorf("%w (%w): %s", ErrSetup, cronErr, strings.Join(errs, "; "))
		}
		return fmt.Errorf("%w: %s", ErrSetup, strings.Join(errs, "; "))
	}
	return nil
}

// harborCronParser parses cron specs as Harbor does (its robfig/cron parser): six fields,
// seconds first, or a descriptor such as "@daily".
var harborCronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ValidateCron reports, with ErrCron, whether spec is not a cron Harbor accepts
// for a scheduled replication trigger: 6 fields, seconds first ("0 0 * * * *"), each valid.
func ValidateCron(spec string) error {
	if len(strings.Fields(spec)) != 6 {
		return fmt.Errorf("%w: cron %q must have 6 fields, seconds first", ErrCron, spec)
	}
	if _, err := harborCronParser.Parse(spec); err != nil {
		return fmt.Errorf("%w: cron %q: %v", ErrCron, spec, err)
	}
	return nil
}

// filters returns every source filter: the projects' name filter, then Filters.
func (s Setup) filters() []replication.Filter {
	var fs []replication.Filter
	switch len(s.Projects) {
	case 0:
	case 1:
		fs = append(fs, replication.Filter{Kind: replication.FilterName, Pattern: s.Projects[0] + "/**"})
	default:
		fs = append(fs, replication.Filter{Kind: replication.FilterName, Pattern: "{" + strings.Join(s.Projects, ",") + "}/**"})
	}
	return append(fs, s.Filters...)
}

func (s Setup) selector() (replication.Selector, error) {
	return replication.NewRules(s.filters()...)
}

// Flattener returns the setup's naming rule: Harbor's dest_namespace and replace count.
func (s Setup) Flattener() replication.Flattener {
	d := s.withDefaults()
	return replication.HarborFlatten(d.Namespace, d.flatten())
}

// Verifier returns the lag.Verifier that checks this setup's replication: Harbor's
// projects and filters, flattened into the namespace as the policy flattens them. The
// caller may set its Clock and Jobs.
func (s Setup) Verifier(h harbor.Content, tags lag.TagLister) (*lag.Verifier, error) {
	d := s.withDefaults()
	sel, err := d.selector()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return &lag.Verifier{Source: &Source{Harbor: h, Setup: d}, Tags: tags, Selector: sel,
		Flattener: d.Flattener(), Validate: d.names().Validate, Namespace: d.Namespace}, nil
}

// names is the destination naming rule of the setup's ACR edition.
func (s Setup) names() replication.ACRNames {
	return replication.ACRNames{MaxDepth: s.MaxDepth}
}

// namespaceSpec returns the namespace configuration the setup wants.
func (s Setup) namespaceSpec() Namespace {
	spec := Namespace{AutoCreateRepo: true, DefaultRepoType: acr.RepoTypePrivate}
	if s.PublicRepositories {
		spec.DefaultRepoType = acr.RepoTypePublic
	}
	return spec
}

// registry returns the endpoint as Harbor stores it, with the secret.
func (s Setup) registry() harbor.Registry {
	r := harbor.Registry{
		Name:        s.Endpoint.Name,
		Description: s.Endpoint.Description,
		Type:        s.Endpoint.Type,
		URL:         s.Endpoint.URL,
		Insecure:    s.Endpoint.Insecure,
	}
	if s.Endpoint.AccessKey != "" || s.Endpoint.AccessSecret != "" {
		r.Credential = &harbor.Credential{Type: "basic", AccessKey: s.Endpoint.AccessKey, AccessSecret: s.Endpoint.AccessSecret}
	}
	return r
}

// policy returns the policy Harbor should hold, pushing to endpoint registryID.
func (s Setup) policy(registryID int64) harbor.Policy {
	p := harbor.Policy{
		Name:                      s.Policy,
		Description:               s.Description,
		DestRegistryID:            registryID,
		DestNamespace:             s.Namespace,
		DestNamespaceReplaceCount: s.flatten(),
		Trigger:                   harbor.Trigger{Type: s.Trigger, Cron: s.Cron},
		Speed:                     replication.BytesPerSecondToSpeed(s.BytesPerSecond),
		Override:                  s.Override,
		Enabled:                   !s.Disabled,
		ReplicateDeletion:         s.ReplicateDeletion,
	}
	for _, f := range s.filters() {
		p.Filters = append(p.Filters, harborFilter(f))
	}
	return p
}

// harborFilter is the one place regdr's filter vocabulary (replication.Filter: Kind,
// Pattern, Labels, Decoration) meets Harbor's wire names (harbor.Filter: Type, Value,
// Labels, Decoration).
func harborFilter(f replication.Filter) harbor.Filter {
	hf := harbor.Filter{Type: string(f.Kind), Decoration: string(f.Decoration)}
	if f.Kind == replication.FilterLabel {
		hf.Labels = slices.Clone(f.Labels)
	} else {
		hf.Value = f.Pattern
	}
	if hf.Decoration == "" {
		hf.Decoration = harbor.DecorationMatches
	}
	return hf
}

// String describes the setup for people; the secret is never shown.
func (s Setup) String() string {
	d := s.withDefaults()
	var fs []string
	for _, f := range d.filters() {
		fs = append(fs, f.String())
	}
	if len(fs) == 0 {
		fs = []string{"all"}
	}
	secret := "none"
	if d.Endpoint.AccessSecret != "" {
		secret = d.Endpoint.AccessSecret.String()
	}
	return fmt.Sprintf("policy %q: harbor [%s] → endpoint %q (%s %s, user %q, secret %s) namespace %q, flatten %d, trigger %s, bandwidth %s",
		d.Policy, strings.Join(fs, ", "), d.Endpoint.Name, d.Endpoint.Type, redact.URL(d.Endpoint.URL), d.Endpoint.AccessKey, secret,
		d.Namespace, d.flatten(), strings.TrimSpace(d.Trigger+" "+d.Cron), replication.FormatRate(d.BytesPerSecond))
}
