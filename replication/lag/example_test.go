package lag_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/regdr/regdr/replication/lag"
)

// Compare is the decision Verify makes once everything is listed: a pure function that a
// test, or a tool with its own listings, calls without any registry.
func ExampleCompare() {
	checked := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := lag.Compare(lag.Input{
		CheckedAt: checked,
		Harbor: []lag.Listing{{Source: "library/nginx", Dest: "dr/nginx", Artifacts: []lag.SourceArtifact{
			{Digest: "sha256:aaaa", Tags: []string{"1.25"}, PushTime: checked.Add(-2 * time.Hour)},
			{Digest: "sha256:bbbb", Tags: []string{"1.26"}, PushTime: checked.Add(-10 * time.Minute)},
		}}},
		ACR: map[string]map[string]string{"dr/nginx": {"1.25": "sha256:aaaa"}},
	})
	fmt.Println(r)
	fmt.Printf("%+v\n", r.Summary())
	// Output:
	// behind: 1/2 tags in ACR EE, 1 missing, 0 stale, 0 extra, oldest missing 10m0s
	// {Missing:1 Stale:0 OldestMissing:10m0s CheckedAt:2026-12-06 12:00:00 +0000 UTC}
}

// Invert is the inverse name map that the reverse lag, and reverse replication, carry
// ACR EE's repositories back through: exact, or refused before anything is written.
func ExampleInvert() {
	// The forward map a failover recorded (failover.RecordedNameMap): flatten-all over
	// nested sources, exact for the repositories Harbor held then.
	recorded := map[string]string{"library/web/nginx": "dr/nginx", "library/redis": "dr/redis"}
	inverse, err := lag.Invert(recorded)
	fmt.Println(inverse["dr/nginx"], err)

	// A map in which two Harbor repositories share one ACR EE repository is refused.
	recorded["team/nginx"] = "dr/nginx"
	_, err = lag.Invert(recorded)
	fmt.Println(errors.Is(err, lag.ErrAmbiguousInverse), err)
	// Output:
	// library/web/nginx <nil>
	// true ambiguous inverse name mapping: "library/web/nginx", "team/nginx" all map to "dr/nginx"
}
