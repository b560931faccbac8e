package mirror

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestVerifyReader: a stream that hashes to its digest comes through whole, however it
// is cut; one that does not ends with ErrDigestMismatch before its last bytes are
// released, so an upload of it can never complete.
func TestVerifyReader(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("regdr blob "), 10000)
	good := syncDigest(data)
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 1
	for _, tc := range []struct {
		name  string
		r     func([]byte) io.Reader
		data  []byte
		match bool
	}{
		{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }, data, true},
		{"byte by byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }, data, true},
		{"data with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }, data, true},
		{"corrupt", func(b []byte) io.Reader { return bytes.NewReader(b) }, bad, false},
		{"corrupt byte by byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }, bad, false},
		{"corrupt with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }, bad, false},
		{"short", func(b []byte) io.Reader { return bytes.NewReader(b) }, data[:len(data)-1], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newSyncVerifyReader(tc.r(tc.data), good)
			got, err := io.ReadAll(v)
			if tc.match {
				if err != nil || !bytes.Equal(got, tc.data) || v.mismatch() != nil {
					t.Fatalf("read %d of %d bytes, %v, mismatch %v; want all, no error", len(got), len(tc.data), err, v.mismatch())
				}
				return
			}
			if !errors.Is(err, ErrDigestMismatch) || !errors.Is(v.mismatch(), ErrDigestMismatch) {
				t.Fatalf("err %v, mismatch %v; want ErrDigestMismatch", err, v.mismatch())
			}
			if len(got) >= len(tc.data) {
				t.Errorf("released %d of %d bytes before failing", len(got), len(tc.data))
			}
		})
	}
	// Digests of other algorithms pass through for the destination to check.
	got, err := io.ReadAll(newSyncVerifyReader(strings.NewReader("x"), "sha512:00"))
	if err != nil || string(got) != "x" {
		t.Errorf("sha512 digest: %q, %v; want passed through", got, err)
	}
}
