package mirror

import (
	"bytes"
	"testing"
)

func TestSealUnseal(t *testing.T) {
	t.Parallel()
	sealed := seal([]byte(`{"version":1,"generation":2}`))
	for _, tc := range []struct {
		name    string
		raw     []byte
		ok      bool
		payload string
	}{
		{"sealed", sealed, true, `{"version":1,"generation":2}`},
		{"edited", bytes.Replace(sealed, []byte(`2`), []byte(`3`), 1), false, ""},
		{"cut", sealed[:len(sealed)-5], false, ""},
		{"checksum edited", bytes.Replace(sealed, []byte(`sha256:`), []byte(`sha256:0`), 1)[:len(sealed)], false, ""},
		{"unsealed", []byte(`{"version":1}`), false, ""},
		{"empty", nil, false, ""},
		{"only a checksum", []byte(`,"checksum":"sha256:` + string(bytes.Repeat([]byte("0"), 64)) + `"}`), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, ok := unseal(tc.raw)
			if ok != tc.ok || (ok && string(payload) != tc.payload) {
				t.Errorf("unseal = %q, %v; want %q, %v", payload, ok, tc.payload, tc.ok)
			}
		})
	}
}
