package reverse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/regdr/regdr/replication/lag"
)

// Errors of a reverse replication; match them with errors.Is. An inverse name map that
// cannot be inverted exactly is refused with lag.ErrAmbiguousInverse, by Compute, before
// any write.
var (
	// ErrInvalidConfig: a Config lacks what a reverse replication needs (a Verifier whose
	// Tags list repositories, the two registries), sets a sync option this package owns,
	// or gives an Inverse with an empty or invalid name.
	ErrInvalidConfig = errors.New("invalid reverse replication config")
	// ErrUnmapped: ACR EE holds tags in repositories that no Harbor repository maps to
	// (created during the outage under a new name). They are reported, not guessed: give
	// each a Harbor repository in Config.Inverse, or remove it from ACR EE, and plan again.
	ErrUnmapped = errors.New("ACR EE repositories map back to no Harbor repository")
	// ErrStaleTag: a Harbor tag holds another digest than the ACR EE tag that maps back to
	// it. Harbor may have received a newer push since the failback started, so it is not
	// overwritten unless the plan was made with Config.Overwrite.
	ErrStaleTag = errors.New("harbor tag holds another digest than ACR EE")
	// ErrStalePlan: between the plan and its apply, a Harbor tag the plan writes came to
	// hold another digest than the plan saw (someone pushed to it), or the ACR EE tag it
	// carries back did (a client pushed again, or the saved plan was edited). Nothing was
	// written: plan again.
	ErrStalePlan = errors.New("stale reverse plan")
	// ErrPlanMismatch: a plan applied with a Config for other registries, another
	// Overwrite, or another kind of inverse than the one it was made with — or no plan at
	// all (a saved plan that reads back as null).
	ErrPlanMismatch = errors.New("reverse plan made with another config")
	// ErrIncomplete: after the apply, the reverse lag is still not complete — Harbor still
	// lacks something ACR EE holds.
	ErrIncomplete = errors.New("reverse lag not complete after the apply")
)

// RefusalError is a plan's refusal: the reason (ErrUnmapped or ErrStaleTag, which
// errors.Is finds through it) and the tags it is about. It names repositories, tags and
// digests only.
type RefusalError struct {
	Reason    error
	Artifacts []lag.Artifact
}

// Error names the reason and the first few tags.
func (e *RefusalError) Error() string {
	var names []string
	for i, a := range e.Artifacts {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(e.Artifacts)-i))
			break
		}
		if a.Source == "" {
			names = append(names, "ACR EE "+show(a.Dest)+":"+show(a.Tag))
		} else {
			names = append(names, fmt.Sprintf("%s:%s (ACR EE %s:%s)", show(a.Source), show(a.Tag), show(a.Dest), show(a.Tag)))
		}
	}
	return fmt.Sprintf("%v: %s", e.Reason, strings.Join(names, ", "))
}

// Unwrap returns the reason.
func (e *RefusalError) Unwrap() error { return e.Reason }
