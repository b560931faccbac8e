//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package mirror

import (
	"errors"
	"os"
	"syscall"
)

// flockFile takes flock(2)'s exclusive lock on f, waiting for it, and returns the function
// that releases it. Locks are advisory: every state write takes them.
func flockFile(f *os.File) (unlock func(), err error) {
	fd := int(f.Fd())
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return func() { syscall.Flock(fd, syscall.LOCK_UN) }, nil
}
