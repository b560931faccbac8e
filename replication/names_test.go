package replication

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateACRName(t *testing.T) {
	t.Parallel()
	ee, personal := ACRNames{}, ACRNames{MaxDepth: 2}
	tests := []struct {
		name         string
		ee, personal bool // accepted by each edition
	}{
		{"acr-ns/nginx", true, true},
		{"ns/my.app_v2", true, true},
		{"ns/a__b", true, true},
		{"ns/a--b", true, true},
		{"ns/a/nginx", true, false}, // multi-tier: EE only
		{"ns/agent/client/prod", true, false},
		{"nginx", false, false},     // one component
		{"ns/Nginx", false, false},  // upper case
		{"ns/-nginx", false, false}, // separator first
		{"ns/nginx-", false, false}, // separator last
		{"ns/a___b", false, false},  // three underscores
		{"ns//nginx", false, false}, // empty component
		{"", false, false},          // empty
		{"n/nginx", false, false},   // namespace under 2 characters
		{strings.Repeat("n", 121) + "/nginx", false, false},
		{"ns/x", false, false}, // repository under 2 characters
		{"ns/" + strings.Repeat("a", 65), false, false},
		{"ns/" + strings.Repeat("a", 64), true, true},
		{"ns/" + strings.Repeat("a", 260), false, false},
	}
	for _, tt := range tests {
		for _, ed := range []struct {
			v  ACRNames
			ok bool
		}{{ee, tt.ee}, {personal, tt.personal}} {
			err := ed.v.Validate(tt.name)
			if ed.ok && err != nil {
				t.Errorf("%+v.Validate(%q) = %v, want nil", ed.v, tt.name, err)
			}
			if !ed.ok && !errors.Is(err, ErrInvalidName) {
				t.Errorf("%+v.Validate(%q) = %v, want ErrInvalidName", ed.v, tt.name, err)
			}
		}
		if got, want := ValidateACRName(tt.name), ee.Validate(tt.name); (got == nil) != (want == nil) {
			t.Errorf("ValidateACRName(%q) = %v; Enterprise Edition's rule says %v", tt.name, got, want)
		}
	}
}

func TestValidateRepositoryNameAllowsDepth(t *testing.T) {
	t.Parallel()
	if err := ValidateRepositoryName("library/a/b/nginx"); err != nil {
		t.Errorf("ValidateRepositoryName(%q) = %v, want nil", "library/a/b/nginx", err)
	}
}

func TestMapNames(t *testing.T) {
	t.Parallel()
	got, err := MapNames(HarborFlatten("acr-ns", 1), []string{"library/nginx", "library/redis", "library/nginx"}, ValidateACRName)
	if err != nil {
		t.Fatalf("MapNames: %v", err)
	}
	want := map[string]string{"library/nginx": "acr-ns/nginx", "library/redis": "acr-ns/redis"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MapNames mismatch (-want +got):\n%s", diff)
	}
}

func TestMapNamesReportsEveryProblem(t *testing.T) {
	t.Parallel()
	repos := []string{
		"library/nginx", "team/nginx", // collide on acr-ns/nginx
		"library/a/b/deep", // three components after flattening 1: invalid for Personal Edition
		"solo",             // cannot drop one level
		"library/ok",
	}
	got, err := MapNames(HarborFlatten("acr-ns", 1), repos, ACRNames{MaxDepth: 2}.Validate)
	if got != nil {
		t.Errorf("MapNames returned a mapping %v despite errors", got)
	}
	for _, want := range []error{ErrCollision, ErrInvalidName, ErrFlatten} {
		if !errors.Is(err, want) {
			t.Errorf("MapNames error = %v, want it to wrap %v", err, want)
		}
	}
	var ce *CollisionError
	if !errors.As(err, &ce) {
		t.Fatalf("MapNames error %v has no *CollisionError", err)
	}
	if diff := cmp.Diff(&CollisionError{Dest: "acr-ns/nginx", Sources: []string{"library/nginx", "team/nginx"}}, ce); diff != "" {
		t.Errorf("collision mismatch (-want +got):\n%s", diff)
	}
	var ne *NameError
	if !errors.As(err, &ne) || ne.Source == "" {
		t.Errorf("MapNames error %v has no *NameError naming its source", err)
	}
	if strings.Contains(err.Error(), "library/ok") {
		t.Errorf("error mentions a valid repository: %v", err)
	}
}
