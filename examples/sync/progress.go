package main

import (
	"fmt"
	"io"
	"os"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
)

// newProgress reports each item copied or tagged on w, and on a terminal also a running byte count
// on one line. Events arrive one at a time (the Syncer serialises them).
func newProgress(w io.Writer) func(mirror.Event) {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	var bytes int64
	var blobs, items int
	return func(e mirror.Event) {
		switch e.Kind {
		case mirror.EventBytes:
			bytes += e.Bytes
			if tty {
				fmt.Fprintf(w, "\r%s uploaded, %d blobs, %d items done ", replication.FormatBytes(bytes), blobs, items)
			}
		case mirror.EventBlob:
			blobs++
		case mirror.EventItem:
			items++
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			// Failures are summarised at the end, one line per cause: a registry going
			// down fails every item the same way.
			if e.Err == nil && e.Outcome != "skipped" {
				fmt.Fprintf(w, "%-8s %s:%s\n", e.Outcome, e.Repo, e.Ref)
			}
		}
	}
}
