// Package cli holds what the example programs share: exit statuses and their
// classification, the -log-level and -log-format flags, and reading secrets from files or
// the environment without echoing them.
package cli

import "errors"

// Exit statuses, the same in every example program.
const (
	OK      = 0 // the run did what it was asked
	Failed  = 1 // something failed, or the run was interrupted
	Usage   = 2 // bad flags or settings, an unreadable secret file
	Refused = 3 // a safety check refused
)

// Classify is the exit status of a run that ended with err: OK for nil, Refused when err
// is one of the program's refusals (by errors.Is, however wrapped), Failed otherwise.
func Classify(err error, refusals ...error) int {
	if err == nil {
		return OK
	}
	for _, r := range refusals {
		if errors.Is(err, r) {
			return Refused
		}
	}
	return Failed
}
