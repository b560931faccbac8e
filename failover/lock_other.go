//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package failover

import "os"

// lockFile does nothing where flock(2) does not exist: a FileJournal is then only safe
// for concurrent use within one process.
func lockFile(*os.File, bool) (unlock func(), err error) { return func() {}, nil }
