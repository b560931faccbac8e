//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package mirror

import "os"

// flockFile does nothing where flock(2) does not exist: two runs writing one state file at
// the same instant may then both keep their records (each still checks the generation).
func flockFile(*os.File) (unlock func(), err error) { return func() {}, nil }
