//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package flock

import (
	"errors"
	"os"
	"syscall"
)

// Supported reports whether Lock holds between processes here (flock(2) exists).
const Supported = true

// Lock takes flock(2)'s exclusive (or shared) lock on f, waiting for it, and returns the
// function that releases it. The lock belongs to f's open file description: another
// os.OpenFile of the same path, in this process or another, contends for it; f's own
// duplicates do not.
func Lock(f *os.File, exclusive bool) (unlock func(), err error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	fd := int(f.Fd())
	for {
		err = syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return func() { syscall.Flock(fd, syscall.LOCK_UN) }, nil
}
