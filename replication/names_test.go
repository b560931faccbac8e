package replication

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateACRName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"acr-ns/nginx", true},
		{"ns/my.app_v2", true},
		{"ns/a__b", true},
		{"ns/a--b", true},
		{"nginx", false},      // one component
		{"ns/a/nginx", false}, // three components
		{"ns/Nginx", false},   // upper case
		{"ns/-nginx", false},  // separator first
		{"ns/nginx-", false},  // separator last
		{"ns/a___b", false},   // three underscores
		{"ns//nginx", false},  // empty component
		{"", false},           // empty
		{"ns/" + strings.Repeat("a", 260), false},
	}
	for _, tt := range tests {
		err := ValidateACRName(tt.name)
		if tt.ok && err != nil {
			t.Errorf("ValidateACRName(%q) = %v, want nil", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateACRName(%q) = %v, want ErrInvalidName", tt.name, err)
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
		"library/a/b/deep", // three components after flattening 1: invalid for ACR
		"solo",             // cannot drop one level
		"library/ok",
	}
	got, err := MapNames(HarborFlatten("acr-ns", 1), repos, ValidateACRName)
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
