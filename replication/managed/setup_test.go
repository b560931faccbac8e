package managed

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
)

const harborSetupSecret = "registry-password-in-setup"

func harborTestSetup() Setup {
	return Setup{
		Policy:   "to-acr",
		Projects: []string{"test-project"},
		Endpoint: Endpoint{
			Name: "acr", URL: ACREndpointURL("dr-inst", "cn-hangzhou", true) + "/",
			AccessKey: "login@example", AccessSecret: harborSetupSecret,
		},
		BytesPerSecond: 10 << 20,
	}
}

func TestSetupDefaults(t *testing.T) {
	t.Parallel()
	s := harborTestSetup().withDefaults()
	if err := s.validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	got := s.policy(7)
	want := harbor.Policy{
		Name: "to-acr", DestRegistryID: 7, DestNamespace: "test-project", DestNamespaceReplaceCount: harbor.Flatten1Level,
		Filters: []harbor.Filter{{Type: harbor.FilterName, Value: "test-project/**", Decoration: harbor.DecorationMatches}},
		Trigger: harbor.Trigger{Type: harbor.TriggerEventBased}, Speed: 81920, Enabled: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if s.Endpoint.URL != "https://dr-inst-registry-vpc.cn-hangzhou.cr.aliyuncs.com" || s.Endpoint.Type != harbor.TypeDockerRegistry {
		t.Errorf("endpoint = %s %s", s.Endpoint.Type, s.Endpoint.URL)
	}
	if d, _ := s.Flattener().Flatten("test-project/nginx"); d != "test-project/nginx" {
		t.Errorf("Flatten(test-project/nginx) = %q, want test-project/nginx", d)
	}
	two := Setup{Projects: []string{"b", "a"}}.withDefaults()
	if f := two.filters(); len(f) != 1 || f[0].Pattern != "{a,b}/**" || two.Namespace != "" {
		t.Errorf("two projects: filters %v, namespace %q", f, two.Namespace)
	}
}

func TestSetupValidate(t *testing.T) {
	t.Parallel()
	neg := -2
	tests := []struct {
		name string
		edit func(*Setup)
		want string
	}{
		{"no policy", func(s *Setup) { s.Policy = "" }, "policy name"},
		{"no endpoint name", func(s *Setup) { s.Endpoint.Name = "" }, "endpoint name"},
		{"no URL", func(s *Setup) { s.Endpoint.URL = "" }, "endpoint URL is required"},
		{"ftp URL", func(s *Setup) { s.Endpoint.URL = "ftp://x" }, "not http(s)"},
		{"URL with user", func(s *Setup) { s.Endpoint.URL = "https://u:p@x" }, "credentials"},
		{"bad namespace", func(s *Setup) { s.Namespace = "Bad_NS" }, "not a valid ACR EE namespace"},
		{"nested namespace", func(s *Setup) { s.Namespace = "a/b" }, "not a valid ACR EE namespace"},
		{"glob project", func(s *Setup) { s.Projects = []string{"lib*"} }, "not a project name"},
		{"unknown trigger", func(s *Setup) { s.Trigger = "hourly" }, "unknown trigger"},
		{"cron on events", func(s *Setup) { s.Cron = "0 0 * * * *" }, "only for a scheduled"},
		{"5-field cron", func(s *Setup) { s.Trigger = harbor.TriggerScheduled; s.Cron = "0 * * * *" }, "6 fields"},
		{"flatten -2", func(s *Setup) { s.Flatten = &neg }, "below -1"},
		{"bad filter", func(s *Setup) { s.Filters = []replication.Filter{{Kind: "size"}} }, "invalid filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := harborTestSetup()
			tt.edit(&s)
			err := s.withDefaults().validate()
			if !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("validate() = %v, want ErrSetup mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSetupHidesSecret(t *testing.T) {
	t.Parallel()
	s := harborTestSetup()
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	plan := &Plan{Setup: s.withDefaults(), Actions: []Action{{Kind: CreateEndpoint, Name: "acr"}}}
	pjs, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), string(js), plan.String(), string(pjs)} {
		if strings.Contains(out, harborSetupSecret) {
			t.Errorf("output shows the secret: %s", out)
		}
	}
	if !strings.Contains(s.String(), "secret [REDACTED]") || !strings.Contains(s.String(), "10.0 MiB/s") {
		t.Errorf("String() = %s", s)
	}
}

func TestPlanString(t *testing.T) {
	t.Parallel()
	p := &Plan{Setup: harborTestSetup().withDefaults(), Repositories: map[string]string{"test-project/nginx": "test-project/nginx"}}
	if p.HasChanges() || !strings.Contains(p.String(), "no changes") {
		t.Errorf("empty plan: HasChanges %v, String %s", p.HasChanges(), p)
	}
	p.Actions = []Action{{Kind: UpdatePolicy, Name: "to-acr", ID: 3, Reason: "policy drifted",
		Changes: []FieldChange{{Field: "speed", Old: "unlimited", New: "81920 kbit/s"}}}}
	want := "+ update-policy \"to-acr\" (id 3): policy drifted\n    speed: unlimited → 81920 kbit/s\n"
	if !p.HasChanges() || !strings.HasSuffix(p.String(), want) {
		t.Errorf("String() =\n%s\nwant suffix\n%s", p, want)
	}
}

// TestSetupNeverEchoesAPasswordInTheURL: a password typed into the endpoint URL
// (a mistake validation refuses) shows neither in the refusal nor in String.
func TestSetupNeverEchoesAPasswordInTheURL(t *testing.T) {
	t.Parallel()
	const pw = "url-password-typed-by-mistake"
	for _, u := range []string{"ftp://login:" + pw + "@acr.example", "login:" + pw + "@acr.example", "https://login:" + pw + "@acr.example"} {
		s := harborTestSetup()
		s.Endpoint.URL = u
		err := s.withDefaults().validate()
		if !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "credentials") {
			t.Errorf("validate() with URL %d = %v, want ErrSetup about credentials", len(u), err)
		}
		for _, out := range []string{fmt.Sprint(err), s.String()} {
			if strings.Contains(out, pw) {
				t.Errorf("output shows the password of the URL: %s", strings.ReplaceAll(out, pw, "<PASSWORD>"))
			}
		}
	}
}

// TestSetupValidatesCron: a scheduled trigger's cron is parsed as Harbor parses it
// (robfig/cron, 6 fields, seconds first) before any I/O, not only counted.
func TestSetupValidatesCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cron string
		ok   bool
	}{
		{"0 0 * * * *", true},
		{"0 */5 1-3 * * MON-FRI", true},
		{"0 0 0 1 JAN *", true},
		{"a b c d e f", false},
		{"0 0 25 * * *", false},
		{"0 61 * * * *", false},
		{"0 0 * * * * *", false},
		{"* * * * *", false},
		{"", false},
		{"@daily", false}, // Harbor wants the 6 fields
	}
	for _, tt := range tests {
		t.Run(tt.cron, func(t *testing.T) {
			t.Parallel()
			s := harborTestSetup()
			s.Trigger, s.Cron = harbor.TriggerScheduled, tt.cron
			err := s.withDefaults().validate()
			if tt.ok && err != nil {
				t.Errorf("validate() with cron %q = %v, want nil", tt.cron, err)
			}
			if !tt.ok && (!errors.Is(err, ErrSetup) || !errors.Is(err, ErrCron) || strings.Contains(err.Error(), "\n")) {
				t.Errorf("validate() with cron %q = %v, want one line matching ErrSetup and ErrCron", tt.cron, err)
			}
			if got := ValidateCron(tt.cron); (got == nil) != tt.ok || (got != nil && !errors.Is(got, ErrCron)) {
				t.Errorf("ValidateCron(%q) = %v, want ok %v", tt.cron, got, tt.ok)
			}
		})
	}
}
