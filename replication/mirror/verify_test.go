package mirror

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestVerifyReader: a stream that hashes to its digest (sha256 or sha512) comes through
// whole, however it is cut; one that does not ends with ErrDigestMismatch before its last
// bytes are released, so an upload of it can never complete. A digest of another
// algorithm is refused (ErrUnsupportedDigest) before anything is read.
func TestVerifyReader(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("regdr blob "), 10000)
	sha512d, err := digestAs(data, "sha512:")
	if err != nil {
		t.Fatal(err)
	}
	for _, good := range []string{syncDigest(data), sha512d} {
		t.Run(good[:6], func(t *testing.T) { testVerifyReader(t, data, good) })
	}
	for _, d := range []string{"md5:00", "blake3:" + strings.Repeat("0", 64), "sha256"} {
		if _, err := newSyncVerifyReader(strings.NewReader("x"), d); !errors.Is(err, ErrUnsupportedDigest) {
			t.Errorf("newSyncVerifyReader(%q) = %v, want ErrUnsupportedDigest", d, err)
		}
	}
}

func testVerifyReader(t *testing.T, data []byte, good string) {
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
			v, err := newSyncVerifyReader(tc.r(tc.data), good)
			if err != nil {
				t.Fatal(err)
			}
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
}

func TestValidDigest(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]bool{
		"sha256:" + strings.Repeat("a", 64):  true,
		"sha256:" + strings.Repeat("a", 63):  false,
		"sha512:" + strings.Repeat("a", 128): true,
		"sha512:" + strings.Repeat("a", 64):  false,
		"md5:00":                             true, // well formed; refused when copied
		"sha256":                             false,
		"":                                   false,
	} {
		if got := validDigest(d); got != want {
			t.Errorf("validDigest(%q) = %t, want %t", d, got, want)
		}
	}
}

// TestVerifyReaderMemoryFlat: a blob of any size streams through the verifying reader in
// fixed buffers. It used to allocate a fresh piece per read, so copying a 64 MiB layer
// made the heap grow by 64 MiB (BenchmarkSyncLargeLayer showed it).
func TestVerifyReaderMemoryFlat(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	d, err := digestAs(data, "sha256:")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	allocs := testing.AllocsPerRun(3, func() {
		v, err := newSyncVerifyReader(bytes.NewReader(data), d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{v}, buf); err != nil {
			t.Fatal(err)
		}
	})
	// 256 pieces of 32 KiB go through; a fixed set of buffers and the hash allocate ~10 times.
	if allocs > 32 {
		t.Errorf("streaming 8 MiB allocated %v times, want a fixed few (the buffers are reused)", allocs)
	}
}
