//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package flock

import "os"

// Supported reports whether Lock holds between processes here (flock(2) exists).
const Supported = false

// Lock does nothing where flock(2) does not exist: callers are then only safe within
// one process, under their own mutex.
func Lock(*os.File, bool) (unlock func(), err error) { return func() {}, nil }
