package lag_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

type emptySource struct{}

func (emptySource) Repositories(context.Context) ([]string, error) { return nil, nil }
func (emptySource) Artifacts(context.Context, string) ([]lag.SourceArtifact, error) {
	return nil, nil
}

type emptyTags struct{}

func (emptyTags) TagsOf(context.Context, string) ([]lag.Tag, error) { return nil, nil }

// TestVerifierValidates: a Verifier missing a part, or with negative Jobs, is refused
// before any listing; zero Jobs is the documented default.
func TestVerifierValidates(t *testing.T) {
	t.Parallel()
	flat := replication.HarborFlatten("dr", 1)
	tests := []struct {
		name    string
		v       lag.Verifier
		wantErr error
	}{
		{"complete", lag.Verifier{Source: emptySource{}, Tags: emptyTags{}, Flattener: flat}, nil},
		{"jobs", lag.Verifier{Source: emptySource{}, Tags: emptyTags{}, Flattener: flat, Jobs: 8}, nil},
		{"no source", lag.Verifier{Tags: emptyTags{}, Flattener: flat}, lag.ErrInvalidVerifier},
		{"no tags", lag.Verifier{Source: emptySource{}, Flattener: flat}, lag.ErrInvalidVerifier},
		{"no flattener", lag.Verifier{Source: emptySource{}, Tags: emptyTags{}}, lag.ErrInvalidVerifier},
		{"negative jobs", lag.Verifier{Source: emptySource{}, Tags: emptyTags{}, Flattener: flat, Jobs: -1}, lag.ErrInvalidVerifier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.v.Verify(context.Background())
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (!r.Complete() || r.Expected != 0) {
				t.Errorf("Verify of nothing = %v, want complete and empty", r)
			}
		})
	}
}
