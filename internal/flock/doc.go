// Package flock takes advisory whole-file locks with flock(2), for the files regdr
// shares between processes: the failover journal and the sync state. Where flock(2) does
// not exist, Lock does nothing and Supported is false.
//
// # Concurrency
//
// A lock belongs to an open file description: two os.OpenFile calls on one path contend,
// even within one process; goroutines sharing one *os.File do not, and need a mutex.
//
// # Testing
//
// The tests open a file twice and probe the lock with a non-blocking flock(2).
package flock
