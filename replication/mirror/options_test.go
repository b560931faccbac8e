package mirror_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// TestNewValidatesOptions: an option that cannot be honoured is refused, not replaced by
// a default; zero values take their documented defaults.
func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	src := mirror.Endpoint{Registry: "127.0.0.1:5000"}
	dst := mirror.Endpoint{Registry: "127.0.0.1:5001"}
	tests := []struct {
		name    string
		opts    mirror.Options
		wantErr error
	}{
		{"zero", mirror.Options{}, nil},
		{"jobs", mirror.Options{Jobs: 16}, nil},
		{"negative jobs", mirror.Options{Jobs: -1}, mirror.ErrInvalidOptions},
		{"unknown referrers mode", mirror.Options{Referrers: "some"}, mirror.ErrInvalidOptions},
		{"retry policy", mirror.Options{Retry: retry.Policy{Attempts: 3, Initial: time.Second, Max: time.Minute}, Timeout: time.Second, GiveUp: time.Minute}, nil},
		{"negative attempts", mirror.Options{Retry: retry.Policy{Attempts: -1}}, retry.ErrInvalidPolicy},
		{"initial above max", mirror.Options{Retry: retry.Policy{Initial: time.Minute, Max: time.Second}}, mirror.ErrInvalidOptions},
		{"negative timeout", mirror.Options{Timeout: -time.Second}, mirror.ErrInvalidOptions},
		{"negative give-up", mirror.Options{GiveUp: -time.Second}, mirror.ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mirror.New(src, dst, tt.opts)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("New(%+v) = %v, want %v", tt.opts, err, tt.wantErr)
			}
		})
	}
}
