package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A -journal naming no regular file is ErrNotJournal, never an empty journal; an empty
// file is an empty journal.
func TestReadJournal(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "journal.jsonl")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"missing", filepath.Join(dir, "jounral.jsonl"), ErrNotJournal},
		{"directory", dir, ErrNotJournal},
		{"empty file", empty, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := ReadJournal(context.Background(), tc.path)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) || len(entries) != 0 {
				t.Errorf("ReadJournal(%s) = %v, %v; want %v", tc.path, entries, err, tc.want)
			}
		})
	}
}
