package mirror

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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

// Writers that all read generation 0 and write at once: the lock makes each see the
// others' writes, so every write but the first drops its records and the file ends valid,
// at the last generation, with none.
func TestStateConcurrentWriters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &stateFile{Version: stateVersion, Source: "src", Destination: "dst", Repos: map[string]*stateRepo{
				"r": {Source: "r", Tags: map[string]string{fmt.Sprintf("t%d", i): "sha256:" + fmt.Sprintf("%064d", i)}},
			}}
			errs[i] = writeStateFile(path, 0, f, DefaultTimeout)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, gen, err := readStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if gen != n || len(f.Repos) != 0 {
		t.Errorf("after %d racing writes: generation %d, %d repositories recorded; want %d, none", n, gen, len(f.Repos), n)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}
