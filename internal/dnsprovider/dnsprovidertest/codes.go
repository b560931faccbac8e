// Package dnsprovidertest holds the test helpers both Alibaba Cloud DNS providers' tests
// share, apart from package dnsprovider so that no provider links package testing.
package dnsprovidertest

import (
	"context"
	"errors"
	"testing"

	"github.com/regdr/regdr/alicloud"
)

// CodeCase is one remote error answer injected into one action, and the sentinel the
// provider's error must match.
type CodeCase struct {
	Action, Code string
	Status       int
	Want         error
}

// CheckCodes is the providers' error-code test: for each case it makes the emulator fail
// the action once (fail, e.g. dnstest's FailNext) and runs the provider call that sends it
// (calls[Action]); the error must match Want and carry the code, status and a request ID
// as an *alicloud.Error.
func CheckCodes(t *testing.T, fail func(action string, n, status int, code string), calls map[string]func(context.Context) error, cases []CodeCase) {
	t.Helper()
	for _, tc := range cases {
		call, ok := calls[tc.Action]
		if !ok {
			t.Errorf("no call sends %s", tc.Action)
			continue
		}
		fail(tc.Action, 1, tc.Status, tc.Code)
		err := call(t.Context())
		var ae *alicloud.Error
		if !errors.Is(err, tc.Want) || !errors.As(err, &ae) || ae.Code != tc.Code || ae.StatusCode != tc.Status || ae.RequestID == "" {
			t.Errorf("%s answered %d %s: %v, want %v with the code, status and request ID", tc.Action, tc.Status, tc.Code, err, tc.Want)
		}
	}
}
