package harbortest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/harbor/harbortest"
)

// TestNewRefusesInvalidOptions: an option that cannot be honoured is refused (New
// panics with ErrInvalidOption), never silently ignored.
func TestNewRefusesInvalidOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opt  harbortest.Option
	}{
		{"nil clock", harbortest.WithClock(nil)},
		{"zero token expiration", harbortest.WithTokenExpiration(0)},
		{"negative token expiration", harbortest.WithTokenExpiration(-time.Minute)},
		{"relative external URL", harbortest.WithExternalURL("harbor.example.com")},
		{"empty admin", harbortest.WithAdmin("", "pw")},
		{"empty user password", harbortest.WithUser("u", "")},
		{"empty project", harbortest.WithProject("", true)},
		{"nil transport", harbortest.WithEndpointTransport(nil)},
		{"nil logger", harbortest.WithLogger(nil)},
		{"fault without host", harbortest.WithEndpointFault("/v2/", harbortest.FaultTimeout)},
		{"unknown fault", harbortest.WithEndpointFault("http://127.0.0.1:5000", harbortest.EndpointFault(99))},
		{"nil option", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, harbortest.ErrInvalidOption) {
					t.Errorf("New(%s) panicked with %v, want ErrInvalidOption", tc.name, err)
				}
			}()
			srv := harbortest.New(tc.opt)
			srv.Close()
		})
	}
}
