//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package flock_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/regdr/regdr/internal/flock"
)

// open opens path as another process would: its own open file description.
func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// try reports whether a non-blocking lock of the kind asked for is granted on f (and
// releases it at once).
func try(t *testing.T, f *os.File, exclusive bool) bool {
	t.Helper()
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

func TestLock(t *testing.T) {
	t.Parallel()
	if !flock.Supported {
		t.Fatal("Supported is false where flock(2) exists")
	}
	for _, tc := range []struct {
		name                      string
		exclusive                 bool
		sharedHeld, exclusiveHeld bool // what another opener gets while the lock is held
	}{
		{"exclusive", true, false, false},
		{"shared", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "lock")
			f, other := open(t, path), open(t, path)
			unlock, err := flock.Lock(f, tc.exclusive)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			if got := try(t, other, false); got != tc.sharedHeld {
				t.Errorf("shared lock by another opener while held = %t, want %t", got, tc.sharedHeld)
			}
			if got := try(t, other, true); got != tc.exclusiveHeld {
				t.Errorf("exclusive lock by another opener while held = %t, want %t", got, tc.exclusiveHeld)
			}
			unlock()
			if !try(t, other, true) {
				t.Error("exclusive lock by another opener after unlock refused")
			}
		})
	}
}

// TestLockClosedFile: a failure is an *fs.PathError naming the file.
func TestLockClosedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	f := open(t, path)
	f.Close()
	_, err := flock.Lock(f, true)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "flock" || pe.Path != path {
		t.Fatalf("Lock(closed file) = %v, want a *fs.PathError", err)
	}
}
