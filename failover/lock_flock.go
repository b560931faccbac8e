//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package failover

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes flock(2)'s exclusive (or shared) lock on f, waiting for it, and returns
// the function that releases it. Locks are advisory: every FileJournal takes them.
func lockFile(f *os.File, exclusive bool) (unlock func(), err error) {
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
