package replication

import (
	"errors"
	"testing"
)

func TestHarborFlatten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		namespace string
		count     int
		repo      string
		want      string
		wantErr   error
	}{
		// Harbor's own table (replaceNamespace's doc comment), into acr-ns.
		{"legacy -1 keeps the last component", "acr-ns", -1, "library/a/b/nginx", "acr-ns/nginx", nil},
		{"0 keeps the whole path", "acr-ns", 0, "library/a/b/nginx", "acr-ns/library/a/b/nginx", nil},
		{"1 drops the project", "acr-ns", 1, "library/a/b/nginx", "acr-ns/a/b/nginx", nil},
		{"2", "acr-ns", 2, "library/a/b/nginx", "acr-ns/b/nginx", nil},
		{"3 keeps only the name", "acr-ns", 3, "library/a/b/nginx", "acr-ns/nginx", nil},
		{"4 is more than the path allows", "acr-ns", 4, "library/a/b/nginx", "", ErrFlatten},
		{"flatten 1 level, the runbook's case", "test-project", 1, "library/nginx", "test-project/nginx", nil},
		{"two components with 0", "acr-ns", 0, "library/nginx", "acr-ns/library/nginx", nil},
		{"two components with 2", "acr-ns", 2, "library/nginx", "", ErrFlatten},
		{"single component, -1", "acr-ns", -1, "nginx", "acr-ns/nginx", nil},
		{"single component, 0", "acr-ns", 0, "nginx", "acr-ns/nginx", nil},
		{"single component, 1", "acr-ns", 1, "nginx", "", ErrFlatten},
		{"large negative counts are legacy too", "acr-ns", -7, "a/b/c", "acr-ns/c", nil},
		{"empty namespace leaves the path unchanged", "", 1, "library/a/b/nginx", "library/a/b/nginx", nil},
		{"empty namespace ignores an impossible count", "", 9, "library/nginx", "library/nginx", nil},
		{"nested namespace", "dr/acr", 1, "library/nginx", "dr/acr/nginx", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := HarborFlatten(tt.namespace, tt.count).Flatten(tt.repo)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("HarborFlatten(%q, %d).Flatten(%q) error = %v, want %v", tt.namespace, tt.count, tt.repo, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("HarborFlatten(%q, %d).Flatten(%q) = %q, want %q", tt.namespace, tt.count, tt.repo, got, tt.want)
			}
		})
	}
}

func TestFlattenFunc(t *testing.T) {
	t.Parallel()
	var f Flattener = FlattenFunc(func(repo string) (string, error) { return "dr/" + repo, nil })
	if got, _ := f.Flatten("nginx"); got != "dr/nginx" {
		t.Errorf("Flatten(%q) = %q, want %q", "nginx", got, "dr/nginx")
	}
}
