package replication_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"golang.org/x/time/rate"

	"github.com/regdr/regdr/replication"
)

// releases is a tool's own Selector: release tags ("v" and digits) of its team's
// repositories, whatever their labels.
type releases struct{ team string }

func (r releases) MatchRepository(repo string) bool { return strings.HasPrefix(repo, r.team+"/") }

func (r releases) FilterTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if len(t) > 1 && t[0] == 'v' && strings.Trim(t[1:], "0123456789.") == "" {
			out = append(out, t)
		}
	}
	return out
}

func (releases) MatchLabels([]string) bool { return true }

// A tool embeds the contracts with its own parts: a *rate.Limiter as the bandwidth budget
// (reads wait in pieces of its burst) and its own Selector where Harbor's filters do not
// fit.
func Example_plugIn() {
	var sel replication.Selector = releases{team: "payments"}
	fmt.Println(sel.MatchRepository("payments/api"), sel.MatchRepository("search/api"))
	fmt.Println(sel.FilterTags([]string{"latest", "v1.2.0", "v2-rc", "v2.0"}))

	var budget replication.BandwidthLimiter = rate.NewLimiter(rate.Limit(1<<30), 4096)
	blob := bytes.Repeat([]byte{0x5a}, 64<<10)
	n, err := io.Copy(io.Discard, replication.NewReader(context.Background(), bytes.NewReader(blob), budget))
	fmt.Println(n, err)
	// Output:
	// true false
	// [v1.2.0 v2.0]
	// 65536 <nil>
}
